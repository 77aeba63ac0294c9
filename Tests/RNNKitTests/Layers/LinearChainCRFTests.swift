import XCTest
@testable import RNNKit

final class LinearChainCRFTests: XCTestCase {
    private let lengths = [4, 1, 0, 3, 2]
    private let steps = 4

    private func assertClose(_ a: [Float], _ b: [Double], _ what: String, tolerance: Double = 1e-5,
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, what, file: file, line: line)
        for i in 0..<min(a.count, b.count) where abs(Double(a[i]) - b[i]) > tolerance * max(1, abs(b[i])) {
            XCTFail("\(what)[\(i)]: \(a[i]) vs brute force \(b[i])", file: file, line: line)
            return
        }
    }

    /// Loss and every gradient against enumeration of all paths (K = 3, T <= 4, lengths 4, 1, 0, 3, 2),
    /// on the matmul path and, with one transition spread past `fastPathRange`, on the log-space path.
    func testLossAndGradientsMatchBruteForceOnBothPaths() {
        for forceLogSpace in [false, true] {
            let crf = CRFTestSupport.makeCRF(tags: 3, seed: 1, scale: 1.5)
            if forceLogSpace { crf.transitions.value[5] = -70 }
            let emissions = LayerTestSupport.randomTensor([steps, lengths.count, 3], seed: 2, scale: 2)
            let tags = CRFTestSupport.tags(lengths: lengths, steps: steps, k: 3, seed: 3)
            let (loss, grads) = CRFTestSupport.run(crf, emissions, tags, lengths)
            let (_, cache) = crf.forward(emissions: emissions, tags: tags, lengths: lengths, workspace: CRFWorkspace())
            XCTAssertEqual(cache.fastPath, !forceLogSpace)
            let ref = CRFBruteForce(crf).lossAndGradients(emissions: emissions.array, tags: tags, lengths: lengths, steps: steps)
            XCTAssertEqual(Double(loss), ref.loss, accuracy: 1e-5 * max(1, ref.loss), "log space: \(forceLogSpace)")
            assertClose(grads[0], ref.dE, "dEmissions (log space: \(forceLogSpace))")
            assertClose(grads[1], ref.dStart, "dStart (log space: \(forceLogSpace))")
            assertClose(grads[2], ref.dEnd, "dEnd (log space: \(forceLogSpace))")
            assertClose(grads[3], ref.dT, "dTransitions (log space: \(forceLogSpace))")
        }
    }

    /// Central differences on emissions and all three parameters (K = 3, mixed lengths incl. 0 and 1).
    /// Mutations tried, each made this test (and the brute-force one) fail: dropping the `- 1` of the gold
    /// tag (dEmissions rel err 1.6, dStart 1.8, dEnd 1.2); reading `expColumns` instead of `expRows` in
    /// the pair sum (dTransitions rel err 0.17); summing dStart at the last real step instead of the
    /// first (dStart rel err 0.65).
    func testGradientsMatchFiniteDifferences() {
        let crf = CRFTestSupport.makeCRF(tags: 3, seed: 4)
        let emissions = LayerTestSupport.randomTensor([steps, lengths.count, 3], seed: 5)
        let tags = CRFTestSupport.tags(lengths: lengths, steps: steps, k: 3, seed: 6)
        let (_, grads) = CRFTestSupport.run(crf, emissions, tags, lengths)
        let ws = CRFWorkspace()
        let loss: () -> Double = { Double(crf.forward(emissions: emissions, tags: tags, lengths: self.lengths, workspace: ws).loss) }
        let check = GradientCheck(eps: 1e-2, tolerance: 1e-2, floor: 1e-2)
        check.check(analytic: grads[0], values: emissions.data, count: emissions.count, "dEmissions", loss: loss)
        for (index, p) in crf.parameters.enumerated() {
            check.check(analytic: grads[index + 1], values: p.value.data, count: p.value.count, p.name, loss: loss)
        }
    }

    /// K = 20, T = 9, B = 7 (blocked matmul shapes): the matmul path agrees with the log-space code,
    /// and emissions spread over +-1000 stay finite and agree too, within what Float alphas of
    /// magnitude ~10^4 resolve (ulp 1e-3: both paths store alpha and beta in Float).
    func testMatmulPathAgreesWithLogSpaceAtLargerShapes() {
        let lengths = [9, 3, 1, 0, 9, 5, 7], k = 20, steps = 9
        for scale: Float in [3, 1000] {
            let crf = CRFTestSupport.makeCRF(tags: k, seed: 7)
            let emissions = LayerTestSupport.randomTensor([steps, lengths.count, k], seed: 8, scale: scale)
            let tags = CRFTestSupport.tags(lengths: lengths, steps: steps, k: k, seed: 9)
            let fast = CRFTestSupport.run(crf, emissions, tags, lengths)
            crf.allowsMatmulPath = false
            let slow = CRFTestSupport.run(crf, emissions, tags, lengths)
            XCTAssertTrue(fast.loss.isFinite)
            XCTAssertEqual(fast.loss, slow.loss, accuracy: 1e-4 * max(1, abs(slow.loss)), "scale \(scale)")
            for (a, b) in zip(fast.grads, slow.grads) {
                let tolerance: Float = scale > 100 ? 2e-3 : 2e-5
                for i in 0..<a.count { XCTAssertEqual(a[i], b[i], accuracy: tolerance, "scale \(scale) [\(i)]") }
            }
        }
    }

    /// Whatever the padded emissions hold (zeros, huge values, NaN), loss and gradients are bitwise
    /// equal, and the emission gradient is exactly zero at padded steps.
    func testPaddingInvariance() {
        let crf = CRFTestSupport.makeCRF(tags: 3, seed: 10)
        let base = LayerTestSupport.randomTensor([steps, lengths.count, 3], seed: 11)
        let tags = CRFTestSupport.tags(lengths: lengths, steps: steps, k: 3, seed: 12)
        let padded = LayerTestSupport.paddedIndices(lengths: lengths, steps: steps, features: 3)
        var results: [(Float, [[Float]])] = []
        for fill: Float in [0, 1e30, .nan] {
            let e = Tensor(copying: base)
            for i in padded { e[i] = fill }
            results.append(CRFTestSupport.run(crf, e, tags, lengths))
            for i in padded { XCTAssertEqual(results.last!.1[0][i], 0, "padded dE[\(i)] with fill \(fill)") }
        }
        for r in results.dropFirst() {
            XCTAssertEqual(r.0.bitPattern, results[0].0.bitPattern)
            XCTAssertEqual(r.1.map { $0.map(\.bitPattern) }, results[0].1.map { $0.map(\.bitPattern) })
        }
    }

    /// A batch of empty sequences has loss 0 and no gradient; an empty sequence in a batch adds 0
    /// and counts in the mean (half the loss of the same batch without it, here).
    func testEmptySequences() {
        let crf = CRFTestSupport.makeCRF(tags: 3, seed: 13)
        let allEmpty = CRFTestSupport.run(crf, Tensor([0, 2, 3]), [], [0, 0])
        XCTAssertEqual(allEmpty.loss, 0)
        XCTAssertTrue(allEmpty.grads.allSatisfy { $0.allSatisfy { $0 == 0 } })
        let e = LayerTestSupport.randomTensor([2, 1, 3], seed: 14)
        let alone = CRFTestSupport.run(crf, e, [1, 2], [2]).loss
        let withEmpty = Tensor([2, 2, 3])
        for t in 0..<2 { for c in 0..<3 { withEmpty[(t * 2) * 3 + c] = e[t * 3 + c] } }
        let both = CRFTestSupport.run(crf, withEmpty, [1, -1, 2, -1], [2, 0]).loss
        XCTAssertEqual(both, alone / 2, accuracy: 1e-6)
    }

    /// Same inputs give the same bits with 1 and 2 threads and with a reused, larger workspace
    /// (K = 40, B = 24: the matmuls take the threaded, blocked path).
    func testBitwiseDeterministicAcrossThreadsAndWorkspaceReuse() {
        let lengths = (0..<24).map { ($0 * 7) % 13 }, k = 40, steps = 12
        let crf = CRFTestSupport.makeCRF(tags: k, seed: 15)
        let e = LayerTestSupport.randomTensor([steps, lengths.count, k], seed: 16, scale: 3)
        let tags = CRFTestSupport.tags(lengths: lengths, steps: steps, k: k, seed: 17)
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        Parallel.threadCount = 1
        let one = CRFTestSupport.run(crf, e, tags, lengths)
        Parallel.threadCount = 2
        let ws = CRFWorkspace()
        _ = CRFTestSupport.run(crf, LayerTestSupport.randomTensor([20, 30, k], seed: 18), CRFTestSupport.tags(lengths: Array(repeating: 20, count: 30), steps: 20, k: k, seed: 19), Array(repeating: 20, count: 30), ws)
        let two = CRFTestSupport.run(crf, e, tags, lengths, ws)
        XCTAssertEqual(one.loss.bitPattern, two.loss.bitPattern)
        XCTAssertEqual(one.grads.map { $0.map(\.bitPattern) }, two.grads.map { $0.map(\.bitPattern) })
    }
}
