import XCTest
@testable import RNNKit

final class EmbeddingBagTests: XCTestCase {
    /// Bags with a repeated row, an empty bag and a single row.
    private let bags = RaggedRows(offsets: [0, 3, 3, 4, 8], ids: [4, 1, 4, 9, 0, 2, 2, 7])

    private func makeBag(rows: Int = 10, dimension: Int = 3, seed: UInt64 = 1) -> EmbeddingBag {
        var rng = RandomSource(seed: seed)
        let bag = EmbeddingBag(rowCount: rows, dimension: dimension, rng: &rng)
        for i in 0..<bag.weight.count { bag.weight[i] = rng.uniform(-1, 1) }
        return bag
    }

    /// The sparse gradient scattered into a dense table (test only).
    private func dense(_ g: RowSparseGradient) -> [Float] {
        var out = [Float](repeating: 0, count: g.tableRows * g.dimension)
        for (slot, row) in g.rows.enumerated() {
            for k in 0..<g.dimension { out[Int(row) * g.dimension + k] = g.values(ofSlot: slot)[k] }
        }
        return out
    }

    func testForwardIsTheMeanRowAndAnEmptyBagIsZero() {
        let bag = makeBag()
        let out = Tensor([0])
        _ = bag.forward(bags, into: out)
        XCTAssertEqual(out.shape, [4, 3])
        for k in 0..<3 {
            let w = { (r: Int) in Double(bag.weight[r * 3 + k]) }
            XCTAssertEqual(Double(out[k]), (w(4) + w(1) + w(4)) / 3, accuracy: 1e-6)
            XCTAssertEqual(out[3 + k], 0)
            XCTAssertEqual(out[6 + k], bag.weight[9 * 3 + k])
        }
    }

    /// Finite differences over every table entry; the gradient names exactly the touched rows,
    /// in first-seen order. Mutations tried, each failed this test: dropping the 1/n share
    /// (rel err 0.75) and writing instead of adding a repeated row's share (rel err 0.5).
    func testSparseGradientMatchesFiniteDifferences() {
        let bag = makeBag()
        let weights = LayerTestSupport.randomValues(12, seed: 2)
        let out = Tensor([0]), g = RowSparseGradient(tableRows: 10, dimension: 3)
        let cache = bag.forward(bags, into: out)
        bag.backward(Tensor([4, 3], values: weights), cache: cache, into: g)
        XCTAssertEqual(g.rows, [4, 1, 9, 0, 2, 7])
        GradientCheck().check(analytic: dense(g), values: bag.weight.data, count: bag.weight.count, "dTable") {
            _ = bag.forward(self.bags, into: out)
            return weightedSum(out, weights)
        }
    }

    /// Reusing a gradient: a second, smaller batch forgets the first batch's rows.
    func testGradientReuseForgetsEarlierRows() {
        let bag = makeBag(), out = Tensor([0]), g = RowSparseGradient(tableRows: 10, dimension: 3)
        bag.backward(Tensor([4, 3], repeating: 1), cache: bag.forward(bags, into: out), into: g)
        let small = RaggedRows(offsets: [0, 2], ids: [3, 3])
        bag.backward(Tensor([1, 3], repeating: 1), cache: bag.forward(small, into: out), into: g)
        XCTAssertEqual(g.rows, [3])
        XCTAssertEqual(dense(g).enumerated().filter { $0.element != 0 }.map(\.offset), [9, 10, 11])
        XCTAssertEqual(g.values(ofSlot: 0)[0], 1)   // two halves of 1
    }

    /// Forward bits do not depend on the thread count (1,000 bags split over tasks).
    func testForwardBitwiseAcrossThreads() {
        let bag = makeBag(rows: 500, dimension: 13)
        var rng = RandomSource(seed: 3)
        var big = RaggedRows()
        for _ in 0..<1000 { big.appendBag { ids in for _ in 0..<rng.nextIndex(below: 9) { ids.append(Int32(rng.nextIndex(below: 500))) } } }
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        let a = Tensor([0]), b = Tensor([0])
        Parallel.threadCount = 1
        _ = bag.forward(big, into: a)
        Parallel.threadCount = 2
        _ = bag.forward(big, into: b)
        XCTAssertEqual(a.array.map(\.bitPattern), b.array.map(\.bitPattern))
    }
}

final class RowSparseUpdateTests: XCTestCase {
    private let rows = 40, e = 13   // 13: one SIMD8 body and a 5-wide tail per row

    private func gradient(touching touched: [Int32], seed: UInt64) -> RowSparseGradient {
        let g = RowSparseGradient(tableRows: rows, dimension: e)
        g.reset(capacity: touched.count)
        let values = LayerTestSupport.randomValues(touched.count * e, seed: seed)
        for (i, row) in touched.enumerated() {
            let dst = g.slot(forRow: row)
            for k in 0..<e { dst[k] = values[i * e + k] }
        }
        return g
    }

    /// Three lazy-Adam steps on different row sets equal, bitwise, dense `Adam` run on a parameter
    /// holding only the touched rows (with their moments and the same step count); untouched rows
    /// and their moments stay exactly as they were. SGD likewise against dense `SGD`.
    /// Mutation tried: scaling every row's m by beta1 before the step (what dense Adam does to rows
    /// without gradient): the untouched-moment checks failed (and the touched rows' bits).
    func testLazyAdamAndSGDEqualDenseUpdatesRestrictedToTouchedRows() throws {
        let table = LayerTestSupport.randomTensor([rows, e], seed: 1)
        let sgdTable = Tensor(copying: table)
        let adam = RowSparseAdam()
        for (step, touched) in [[3, 17, 0], [17, 39, 5, 6], [2, 3]].enumerated() {
            let g = gradient(touching: touched.map(Int32.init), seed: UInt64(10 + step))
            let beforeM = adam.m?.array ?? [Float](repeating: 0, count: rows * e)
            let beforeV = adam.v?.array ?? [Float](repeating: 0, count: rows * e)
            let beforeW = table.array, beforeSGD = sgdTable.array
            // Dense reference on the touched rows only.
            let p = Parameter(name: "t", shape: [touched.count, e])
            let m = Parameter(name: "m", shape: [touched.count, e]), v = Parameter(name: "v", shape: [touched.count, e])
            let q = Parameter(name: "t", shape: [touched.count, e])
            for (i, row) in touched.enumerated() {
                for k in 0..<e {
                    p.value[i * e + k] = beforeW[row * e + k]
                    q.value[i * e + k] = beforeSGD[row * e + k]
                    m.value[i * e + k] = beforeM[row * e + k]
                    v.value[i * e + k] = beforeV[row * e + k]
                    p.grad[i * e + k] = g.values(ofSlot: i)[k]
                    q.grad[i * e + k] = g.values(ofSlot: i)[k]
                }
            }
            let dense = Adam()
            try dense.loadState(["adam.m.t": m.value.array, "adam.v.t": v.value.array], parameters: [p])
            dense.stepCount = step
            dense.step([p], learningRate: 0.01)
            SGD().step([q], learningRate: 0.1)
            adam.step(table: table, gradient: g, learningRate: 0.01)
            RowSparseSGD.step(table: sgdTable, gradient: g, learningRate: 0.1)
            let state = dense.stateTensors([p])
            for r in 0..<rows {
                let i = touched.firstIndex(of: r)
                for k in 0..<e {
                    let at = r * e + k
                    if let i {
                        XCTAssertEqual(table[at].bitPattern, p.value[i * e + k].bitPattern, "step \(step) row \(r)")
                        XCTAssertEqual(adam.m![at].bitPattern, state[0].values[i * e + k].bitPattern)
                        XCTAssertEqual(adam.v![at].bitPattern, state[1].values[i * e + k].bitPattern)
                        XCTAssertEqual(sgdTable[at].bitPattern, q.value[i * e + k].bitPattern)
                    } else {
                        XCTAssertEqual(table[at].bitPattern, beforeW[at].bitPattern, "untouched row \(r) moved")
                        XCTAssertEqual(adam.m![at].bitPattern, beforeM[at].bitPattern, "untouched moment m of row \(r)")
                        XCTAssertEqual(adam.v![at].bitPattern, beforeV[at].bitPattern, "untouched moment v of row \(r)")
                        XCTAssertEqual(sgdTable[at].bitPattern, beforeSGD[at].bitPattern)
                    }
                }
            }
        }
        XCTAssertEqual(adam.stepCount, 3)
    }

    /// 3,000 touched rows of a 5,000-row table: 1 and 2 threads give the same bits.
    func testBitwiseAcrossThreadCounts() {
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        var results: [[UInt32]] = []
        for threads in [1, 2] {
            Parallel.threadCount = threads
            let table = LayerTestSupport.randomTensor([5000, 20], seed: 4)
            let g = RowSparseGradient(tableRows: 5000, dimension: 20)
            let touched = (0..<3000).map { Int32(($0 * 7919) % 5000) }
            g.reset(capacity: touched.count)
            let values = LayerTestSupport.randomValues(touched.count * 20, seed: 5)
            for (i, row) in touched.enumerated() { for k in 0..<20 { g.slot(forRow: row)[k] = values[i * 20 + k] } }
            let adam = RowSparseAdam()
            adam.step(table: table, gradient: g, learningRate: 0.1)
            adam.step(table: table, gradient: g, learningRate: 0.1)
            RowSparseSGD.step(table: table, gradient: g, learningRate: 0.1)
            results.append(table.array.map(\.bitPattern) + adam.m!.array.map(\.bitPattern))
        }
        XCTAssertEqual(results[0], results[1])
    }

    func testStateRoundTripAndMissingState() throws {
        let adam = RowSparseAdam()
        let table = Tensor([40, 13]), g = gradient(touching: [1], seed: 6)
        adam.step(table: table, gradient: g, learningRate: 0.1)
        let saved = Dictionary(uniqueKeysWithValues: adam.stateTensors(name: "bag.weight").map { ($0.name, $0.values) })
        let restored = RowSparseAdam()
        restored.stepCount = 1
        try restored.loadState(saved, name: "bag.weight", shape: [40, 13])
        XCTAssertEqual(restored.m?.array, adam.m?.array)
        XCTAssertThrowsError(try restored.loadState([:], name: "bag.weight", shape: [40, 13]))
        XCTAssertThrowsError(try restored.loadState(saved, name: "bag.weight", shape: [41, 13]))
    }
}
