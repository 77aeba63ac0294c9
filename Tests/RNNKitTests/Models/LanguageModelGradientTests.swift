import XCTest
@testable import RNNKit

/// The language model's loss and every parameter's gradient against finite differences, in
/// training mode with dropout (the generator is copied so every pass draws the same masks).
///
/// Mutations each tried once and seen to fail here, then restored:
/// - `TiedSoftmax.backward` without the `dW += dz^T X` matmul (the output side of the tied
///   table): `embedding.weight` failed in both models (rel err 0.24 and 1.0) and in the tied test;
/// - `LanguageModel.lossAndGradients` without `embedding.backward` (the input side):
///   `embedding.weight` failed in both models (rel err 0.76 and 0.20) and in the tied test;
/// - `scatter` writing the backward direction's state gradients into the forward direction's
///   columns: the bidirectional check failed on the encoder's weights (rel err up to 1.0).
/// - `LanguageModel.lossAndGradients` without the output lock's backward: the every-regulariser
///   check failed on `embedding.weight` and every `lstm.*` parameter (rel err 0.02 to 0.30).
final class LanguageModelGradientTests: XCTestCase {
    private func model(bidirectional: Bool, cell: CellKind, layers: Int = 1, dropout: Float,
                       regularisation: Regularisation = Regularisation(), seed: UInt64) -> LanguageModel {
        var rng = RandomSource(seed: seed)
        let m = LanguageModel(vocabularySize: 7, embeddingDim: 3, cell: cell, layers: layers, bidirectional: bidirectional,
                              dropout: dropout, regularisation: regularisation, padId: 6, rng: &rng)
        // Non-zero biases exercise their gradient through the softmax.
        for d in m.decoders { d.bias.value.copy(from: LayerTestSupport.randomTensor([7], seed: seed + 5, scale: 0.5)) }
        return m
    }

    private func check(_ m: LanguageModel, _ batch: Batch, seed: UInt64, file: StaticString = #filePath, line: UInt = #line) {
        let ws = m.makeWorkspace()
        let dropoutSeed = RandomSource(seed: seed)
        func loss() -> Double {
            var r = dropoutSeed
            return Double(m.lossAndGradients(batch, workspace: ws, rng: &r))
        }
        m.parameters.zeroGrads()
        var r = dropoutSeed
        let value = m.lossAndGradients(batch, workspace: ws, rng: &r)
        XCTAssertTrue(value.isFinite && value > 0, file: file, line: line)
        let analytic = m.parameters.map { $0.grad.array }
        let check = GradientCheck()
        for (p, grad) in zip(m.parameters, analytic) {
            check.check(analytic: grad, values: p.value.data, count: p.value.count, p.name, file: file, line: line, loss: loss)
        }
        // The padding row is never read at a real position and never a target: no gradient.
        XCTAssertEqual(Array(analytic[0][18..<21]), [0, 0, 0], "padding row", file: file, line: line)
    }

    func testBidirectionalLSTMWithDropout() {
        let batch = Batch(sequences: [[1, 2, 3, 4, 1], [5, 1], [2], [2, 3, 2, 0]], padId: 6)
        check(model(bidirectional: true, cell: .lstm, dropout: 0.2, seed: 1), batch, seed: 2)
    }

    /// AWD-LSTM's regularisers all on (the masks are fixed by the copied generator): embedding
    /// dropout, token dropout, locked dropout of the encoder's input and output, weight-drop.
    func testBidirectionalLSTMWithEveryRegulariser() {
        let batch = Batch(sequences: [[1, 2, 3, 4, 1], [5, 1, 2], [2, 4], [2, 3, 2, 0]], padId: 6)
        let all = Regularisation(embeddingDropout: 0.2, tokenDropout: 0.2, lockedDropout: 0.3, weightDrop: 0.3)
        check(model(bidirectional: true, cell: .lstm, dropout: 0.1, regularisation: all, seed: 11), batch, seed: 12)
    }

    func testForwardTwoLayerGRU() {
        let batch = Batch(sequences: [[1, 2, 3, 4, 1], [5, 1, 4], [2, 3, 2, 0]], padId: 6)
        check(model(bidirectional: false, cell: .gru, layers: 2, dropout: 0.1, seed: 3), batch, seed: 4)
    }

    /// The tied table's gradient is the sum of the lookup's (input side) and the softmax's
    /// (output side: every row is a class of every prediction). In a forward model token 5 is
    /// only ever a last token: no predicting state reads it, so its row's gradient is the
    /// softmax's alone; token 1 is read and never a target, so its row gets both sides. Finite
    /// differences agree on both rows (dropping either side fails here).
    func testTiedTableReceivesBothGradients() {
        let m = model(bidirectional: false, cell: .lstm, dropout: 0, seed: 7)
        let batch = Batch(sequences: [[1, 2, 3, 5], [1, 3, 2, 5]], padId: 6)
        let ws = m.makeWorkspace()
        m.parameters.zeroGrads()
        var rng = RandomSource(seed: 1)
        _ = m.lossAndGradients(batch, workspace: ws, rng: &rng)
        let g = m.embedding.weight.grad.array
        func row(_ r: Int) -> [Float] { Array(g[r * 3..<(r + 1) * 3]) }
        for r in [1, 2, 3, 5] { XCTAssertNotEqual(row(r), [0, 0, 0], "row \(r) has no gradient") }
        let numeric = GradientCheck().numericalGradient(values: m.embedding.weight.value.data, count: 21) {
            var r = RandomSource(seed: 1)
            return Double(m.lossAndGradients(batch, workspace: ws, rng: &r))
        }
        for r in [1, 5] {
            for k in 0..<3 {
                XCTAssertEqual(Double(g[r * 3 + k]), numeric[r * 3 + k], accuracy: 2e-2 * max(1e-2, abs(numeric[r * 3 + k])) + 1e-3)
            }
        }
    }

    /// The held-out evaluation (an encoder plan, no dropout) gives the training forward's loss.
    func testEvaluationEqualsTrainingLossWithoutDropout() {
        let m = model(bidirectional: true, cell: .gru, dropout: 0, seed: 9)
        let batch = Batch(sequences: [[1, 2, 3, 4, 1], [5, 1], [2, 3, 2, 0]], padId: 6)
        let ws = m.makeWorkspace()
        var rng = RandomSource(seed: 1)
        let training = m.lossAndGradients(batch, workspace: ws, rng: &rng)
        let r = m.evaluate(batch, plan: m.encoder.makePlan(), workspace: m.makeWorkspace())
        XCTAssertEqual(r.count, (4 + 1 + 3) * 2)
        XCTAssertEqual(Float(r.loss / Double(r.count)), training)
    }
}
