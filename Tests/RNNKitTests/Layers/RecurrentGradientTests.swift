import XCTest
@testable import RNNKit

/// Finite-difference checks of `RecurrentEncoder.backward` for every cell kind, uni and bi,
/// two layers, lengths including 0 and the full T, H = 5 (the partial SIMD chunk) and H = 8
/// (the full-width chunk).
///
/// Tolerance: GradientCheck's default (eps 1e-2, relative 2e-2 with floor 1e-2); relu uses
/// eps 1e-3 so that a perturbation rarely crosses the kink. Verified to catch a broken backward:
/// dropping the `* f` in LSTM's dc_prev, the `dh * z` direct term of the GRU, the `(1 - h^2)`
/// factor in JordanCell.backwardHidden, or the beta = 1 of the W_hh carry matmul (so the
/// recurrent gradient is lost), or skipping the dropout mask in backward, each made these tests
/// fail with relative errors of 0.05 to 1.9.
final class RecurrentGradientTests: XCTestCase {
    private let inputSize = 3, steps = 5
    private let lengths = [5, 0, 3, 1]

    private func randomValues(_ count: Int, _ rng: inout RandomSource, scale: Float = 1) -> [Float] {
        (0..<count).map { _ in rng.uniform(-scale, scale) }
    }

    private func check(_ cell: CellKind, bidirectional: Bool, dropout: Float = 0, hidden: Int = 5,
                       file: StaticString = #filePath, line: UInt = #line) {
        // Thousands of tiny forward passes: one thread keeps them fast (threads are covered by
        // RecurrentBehaviourTests.testDeterministicAcrossThreadCounts).
        let savedThreads = Parallel.threadCount
        Parallel.threadCount = 1
        defer { Parallel.threadCount = savedThreads }
        var rng = RandomSource(seed: 42)
        let encoder = RecurrentEncoder(cell: cell, inputSize: inputSize, hiddenSize: hidden, layers: 2,
                                       bidirectional: bidirectional, dropout: dropout, name: "enc", rng: &rng)
        // Larger weights than PyTorch's init so that every path carries a visible gradient.
        for p in encoder.parameters {
            let v = randomValues(p.value.count, &rng, scale: 0.6)
            for i in 0..<v.count { p.value[i] = v[i] }
        }
        let batch = lengths.count
        let mask = SequenceMask(lengths: lengths, steps: steps)
        let x = Tensor([steps, batch, inputSize], values: randomValues(steps * batch * inputSize, &rng))
        let outCount = steps * batch * encoder.outputSize
        let stateCount = 2 * encoder.directions * batch * hidden
        let wOut = randomValues(outCount, &rng), wH = randomValues(stateCount, &rng)
        let wC = randomValues(stateCount, &rng)
        let dropoutSeed: UInt64 = 7

        func loss() -> Double {
            var dropRng = RandomSource(seed: dropoutSeed)
            let r = encoder.run(x, mask: mask, rng: &dropRng)
            var s = weightedSum(r.output, wOut) + weightedSum(r.finalHidden, wH)
            if let c = r.finalCell { s += weightedSum(c, wC) }
            return s
        }

        encoder.parameters.zeroGrads()
        var dropRng = RandomSource(seed: dropoutSeed)
        let r = encoder.run(x, mask: mask, rng: &dropRng)
        let dx = encoder.backward(Tensor(r.output.shape, values: wOut),
                                  dFinalHidden: Tensor(r.finalHidden.shape, values: wH),
                                  dFinalCell: cell == .lstm ? Tensor(r.finalHidden.shape, values: wC) : nil,
                                  run: r)
        var gc = GradientCheck()
        if cell == .rnnRelu { gc.eps = 1e-3 }
        let tag = "\(cell.rawValue) \(bidirectional ? "bi" : "uni")"
        gc.check(analytic: dx.array, values: x.data, count: x.count, "\(tag) dx", file: file, line: line, loss: loss)
        for p in encoder.parameters {
            gc.check(analytic: p.grad.array, values: p.value.data, count: p.value.count, "\(tag) \(p.name)",
                     file: file, line: line, loss: loss)
        }
        // Sanity: the gradients are not trivially zero.
        XCTAssertGreaterThan(dx.array.map(abs).max() ?? 0, 1e-3, file: file, line: line)
        for p in encoder.parameters {
            XCTAssertGreaterThan(p.grad.array.map(abs).max() ?? 0, 1e-4, "\(tag) \(p.name) all zero", file: file, line: line)
        }
    }

    func testLSTMUni() { check(.lstm, bidirectional: false) }
    func testLSTMBi() { check(.lstm, bidirectional: true) }
    func testGRUUni() { check(.gru, bidirectional: false) }
    func testGRUBi() { check(.gru, bidirectional: true) }
    func testRNNTanhUni() { check(.rnnTanh, bidirectional: false) }
    func testRNNTanhBi() { check(.rnnTanh, bidirectional: true) }
    func testRNNReluUni() { check(.rnnRelu, bidirectional: false) }
    func testRNNReluBi() { check(.rnnRelu, bidirectional: true) }
    func testJordanUni() { check(.jordan, bidirectional: false) }
    func testJordanBi() { check(.jordan, bidirectional: true) }
    /// Dropout between the layers: the same rng seed gives the same masks, so the check holds.
    func testLSTMBiDropout() { check(.lstm, bidirectional: true, dropout: 0.4, hidden: 8) }
    func testGRUUniDropout() { check(.gru, bidirectional: false, dropout: 0.4, hidden: 8) }
    func testJordanUniWide() { check(.jordan, bidirectional: false, hidden: 8) }
    func testRNNTanhBiWide() { check(.rnnTanh, bidirectional: true, hidden: 8) }
}
