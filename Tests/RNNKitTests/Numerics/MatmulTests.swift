import XCTest
@testable import RNNKit

/// Checks `matmul` against a naive double-precision reference, with a tolerance
/// that grows with K: |err| <= 2 (K + 2) eps32 (|alpha| sum|a||b| + |beta c|).
final class MatmulTests: XCTestCase {
    /// One stored operand: `rows x cols` logical storage with row stride `ld` >= cols.
    struct Stored {
        var values: [Float]
        let rows: Int, cols: Int, ld: Int
        init(rows: Int, cols: Int, pad: Int, rng: inout RandomSource, fill: Float? = nil) {
            self.rows = rows; self.cols = cols; ld = cols + pad
            values = (0..<(Swift.max(1, rows * ld))).map { _ in fill ?? rng.uniform(-1, 1) }
        }
        func at(_ r: Int, _ c: Int) -> Float { values[r * ld + c] }
    }

    struct Case {
        let transA: Transpose, transB: Transpose
        let m: Int, n: Int, k: Int
        let alpha: Float, beta: Float
        var pad = 0
        var nanInC = false
    }

    /// Runs one case, checks every element and that C's padding columns are untouched.
    /// Returns C as computed, for bitwise comparisons.
    @discardableResult
    func check(_ t: Case, seed: UInt64 = 1, file: StaticString = #filePath, line: UInt = #line) -> [Float] {
        var rng = RandomSource(seed: seed)
        let a = t.transA == .none ? Stored(rows: t.m, cols: t.k, pad: t.pad, rng: &rng)
                                  : Stored(rows: t.k, cols: t.m, pad: t.pad, rng: &rng)
        let b = t.transB == .none ? Stored(rows: t.k, cols: t.n, pad: t.pad, rng: &rng)
                                  : Stored(rows: t.n, cols: t.k, pad: t.pad, rng: &rng)
        var c = Stored(rows: t.m, cols: t.n, pad: t.pad + (t.pad > 0 ? 3 : 0), rng: &rng)
        let sentinel: Float = 12345.5
        for i in 0..<t.m { for j in t.n..<c.ld { c.values[i * c.ld + j] = sentinel } }
        if t.nanInC { for i in 0..<t.m { for j in 0..<t.n { c.values[i * c.ld + j] = .nan } } }
        let c0 = c.values

        a.values.withUnsafeBufferPointer { ap in
            b.values.withUnsafeBufferPointer { bp in
                c.values.withUnsafeMutableBufferPointer { cp in
                    matmul(t.transA, t.transB, m: t.m, n: t.n, k: t.k, alpha: t.alpha,
                           a: ap.baseAddress!, lda: a.ld, b: bp.baseAddress!, ldb: b.ld,
                           beta: t.beta, c: cp.baseAddress!, ldc: c.ld)
                }
            }
        }

        let eps = Double(Float.ulpOfOne)
        var failures = 0
        for i in 0..<t.m {
            for j in 0..<t.n {
                var sum = 0.0, sumAbs = 0.0
                for p in 0..<t.k {
                    let av = Double(t.transA == .none ? a.at(i, p) : a.at(p, i))
                    let bv = Double(t.transB == .none ? b.at(p, j) : b.at(j, p))
                    sum += av * bv; sumAbs += abs(av * bv)
                }
                let old = t.beta == 0 ? 0 : Double(c0[i * c.ld + j])
                let expected = Double(t.alpha) * sum + Double(t.beta) * old
                let tol = 2 * Double(t.k + 2) * eps * (abs(Double(t.alpha)) * sumAbs + abs(Double(t.beta) * old)) + 1e-30
                let got = Double(c.values[i * c.ld + j])
                if !(abs(got - expected) <= tol) {
                    failures += 1
                    if failures <= 3 {
                        XCTFail("\(t) C[\(i),\(j)] = \(got), expected \(expected) ± \(tol)", file: file, line: line)
                    }
                }
            }
            for j in t.n..<c.ld where c.values[i * c.ld + j] != sentinel {
                XCTFail("\(t) padding C[\(i),\(j)] overwritten", file: file, line: line)
                failures += 1
                break
            }
        }
        return c.values
    }

    static let sizes = [1, 3, 7, 17, 63, 65, 127, 129, 255, 300, 513]
    static let transposes: [(Transpose, Transpose)] = [(.none, .none), (.none, .transpose), (.transpose, .none), (.transpose, .transpose)]

    func testOddAndEdgeSizesEveryTransposeCombination() {
        // Each size appears as m, as n and as k, against different partners; not the full cube.
        let s = Self.sizes
        for i in 0..<s.count {
            let (m, n, k) = (s[i], s[(i + 4) % s.count], s[(i + 8) % s.count])
            for (ta, tb) in Self.transposes {
                check(Case(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 1, beta: 0))
            }
        }
    }

    func testAlphaBetaCombinationsAndStridedViews() {
        let shapes = [(7, 17, 3), (65, 33, 129), (17, 129, 300), (130, 40, 513)]
        let scalars: [(Float, Float)] = [(1, 0), (1, 1), (-0.5, 0.25), (2, -1), (0.75, 0)]
        for (idx, (m, n, k)) in shapes.enumerated() {
            for (ta, tb) in Self.transposes {
                for (alpha, beta) in scalars {
                    check(Case(transA: ta, transB: tb, m: m, n: n, k: k, alpha: alpha, beta: beta, pad: 1 + idx * 5))
                }
            }
        }
    }

    func testBetaZeroIgnoresNaNInC() {
        for (ta, tb) in Self.transposes {
            for (m, n, k) in [(3, 5, 2), (63, 65, 17), (129, 20, 300)] {
                check(Case(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 1.5, beta: 0, pad: 2, nanInC: true))
            }
        }
        // alpha == 0 and k == 0 also overwrite C with zeros when beta == 0.
        check(Case(transA: .none, transB: .none, m: 9, n: 31, k: 0, alpha: 1, beta: 0, pad: 1, nanInC: true))
        check(Case(transA: .none, transB: .none, m: 9, n: 31, k: 40, alpha: 0, beta: 0, pad: 1, nanInC: true))
        check(Case(transA: .none, transB: .transpose, m: 9, n: 31, k: 0, alpha: 1, beta: 0.5, pad: 1))
    }

    func testModelShapesScaledDown() {
        // Forward projection x * W^T, weight gradient dY^T * X with K = T*B, recurrent step.
        check(Case(transA: .none, transB: .transpose, m: 96, n: 128, k: 75, alpha: 1, beta: 1))
        check(Case(transA: .transpose, transB: .none, m: 75, n: 64, k: 1024, alpha: 1, beta: 1))
        check(Case(transA: .none, transB: .none, m: 128, n: 128, k: 32, alpha: 1, beta: 1))
    }

    func testBitwiseIdenticalForAnyThreadCount() {
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        // k = 700 spans several KC slices, so the merge of slices into C runs under threads too.
        let shapes = [(130, 100, 700), (40, 515, 129), (257, 64, 70)]
        for (m, n, k) in shapes {
            for (ta, tb) in Self.transposes {
                let t = Case(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 0.5, beta: 1, pad: 3)
                Parallel.threadCount = 1
                let one = check(t).map(\.bitPattern)
                for threads in [2, 3] {
                    Parallel.threadCount = threads
                    XCTAssertEqual(check(t).map(\.bitPattern), one, "\(t) differs at \(threads) threads")
                }
            }
        }
    }

    func testConcurrentCallersGetTheirOwnBuffers() {
        // Two callers at once (as the two directions of a bidirectional layer) must not
        // share packing buffers: each result equals the one computed alone.
        let t1 = Case(transA: .none, transB: .none, m: 128, n: 96, k: 128, alpha: 1, beta: 0)
        let t2 = Case(transA: .none, transB: .transpose, m: 64, n: 160, k: 200, alpha: 1, beta: 0)
        let alone1 = check(t1, seed: 5).map(\.bitPattern)
        let alone2 = check(t2, seed: 6).map(\.bitPattern)
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            let got = i % 2 == 0 ? check(t1, seed: 5) : check(t2, seed: 6)
            XCTAssertEqual(got.map(\.bitPattern), i % 2 == 0 ? alone1 : alone2)
        }
    }
}
