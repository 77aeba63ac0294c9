import XCTest
@testable import RNNKit

/// The recurrent regularisers (`Regularisation`) and adversarial perturbation through the whole
/// model: finite differences in training mode with fixed masks (the generator is copied, so every
/// pass draws the same masks), inference untouched, padding invariance, 1 vs 2 threads.
///
/// Mutations each shown once to fail these checks (one build with all three, each check then
/// failing on its own lever only): the last layer's output not unmasked in backward
/// (`LockedDropout.backward(dEncoded...)` removed) fails the locked check on the encoder and
/// embedding weights; dW_hh not multiplied by the weight-drop mask fails the weight-drop check on
/// `weight_hh`; the embedding-dropout mask left out of the table's gradient fails the embedding
/// check on `embedding.weight` (each with relative errors of order 1).
final class RegularisationTests: XCTestCase {
    private static let batch = Batch(sequences: [[1, 2, 3, 4, 1], [5, 1], [], [2, 3, 2]], labels: [0, 2, 1, 1], padId: 6)

    private func spec(_ r: Regularisation, cell: CellKind = .lstm, layers: Int = 2, kind: ModelKind = .textrnn,
                      pooling: PoolingKind = .mean, dropout: Float = 0) -> ModelSpec {
        ModelSpec(kind: kind, cell: cell, vocabularySize: 7, embeddingDim: 3, hiddenSize: 3, layers: layers,
                  bidirectional: true, dropout: dropout, pooling: pooling, rcnnProjectionSize: 4, classCount: 3, padId: 6,
                  regularisation: r)
    }

    /// Mean cross-entropy in Double (the numeric gradient's loss).
    private func crossEntropy(_ logits: Tensor, _ labels: [Int]) -> Double {
        let k = logits.shape[1]
        var total = 0.0
        for row in 0..<logits.shape[0] {
            let z = (0..<k).map { Double(logits[row * k + $0]) }, top = z.max()!
            total += top + log(z.map { exp($0 - top) }.reduce(0, +)) - z[labels[row]]
        }
        return total / Double(logits.shape[0])
    }

    /// Every parameter's gradient against central differences, the masks fixed by `seed`;
    /// `perturbation` (rows of the batch's distinct tokens) is added as adversarial training does.
    private func checkGradients(_ spec: ModelSpec, seed: UInt64, perturbation: Tensor? = nil,
                                file: StaticString = #filePath, line: UInt = #line) {
        var rng = RandomSource(seed: seed)
        let model = TextClassifier(spec: spec, rng: &rng)
        let batch = Self.batch, masks = RandomSource(seed: seed + 1), ws = model.makeWorkspace()
        func loss() -> Double {
            var r = masks
            return crossEntropy(model.forward(batch, workspace: ws, rng: &r, perturbation: perturbation), batch.labels)
        }
        model.parameters.zeroGrads()
        var r = masks
        let logits = model.forward(batch, workspace: ws, rng: &r, perturbation: perturbation)
        model.backward(SoftmaxCrossEntropy().forward(logits: logits, labels: batch.labels).dLogits, workspace: ws)
        let check = GradientCheck()
        for p in model.parameters {
            check.check(analytic: p.grad.array, values: p.value.data, count: p.value.count, "\(p.name)", file: file, line: line, loss: loss)
        }
    }

    func testEmbeddingDropoutGradient() {
        checkGradients(spec(Regularisation(embeddingDropout: 0.4)), seed: 1)
    }

    func testLockedDropoutGradient() {
        checkGradients(spec(Regularisation(lockedDropout: 0.3)), seed: 2)
        checkGradients(spec(Regularisation(lockedDropout: 0.3), cell: .gru, dropout: 0.2), seed: 3)
    }

    func testWeightDropGradient() {
        checkGradients(spec(Regularisation(weightDrop: 0.5)), seed: 4)
        checkGradients(spec(Regularisation(weightDrop: 0.5), cell: .gru, layers: 1), seed: 5)
    }

    /// Everything at once, on TextRCNN too (its head reads the embedding rows beside the encoder).
    func testAllTogetherGradient() {
        let all = Regularisation(embeddingDropout: 0.2, tokenDropout: 0.2, lockedDropout: 0.2, weightDrop: 0.3)
        checkGradients(spec(all, dropout: 0.2), seed: 6)
        checkGradients(spec(all, cell: .gru, layers: 1, kind: .textrcnn, pooling: .last), seed: 7)
    }

    /// The adversarial pass's forward and backward: a fixed perturbation of the rows.
    func testPerturbedForwardGradient() {
        let batch = Self.batch, tokens = TokenRows(batch, vocabularySize: 7)
        let r = LayerTestSupport.randomTensor([tokens.count, 3], seed: 9, scale: 0.5)
        checkGradients(spec(Regularisation(embeddingDropout: 0.2, lockedDropout: 0.2)), seed: 8, perturbation: r)
    }

    /// r = ε g / ‖g‖: norm ε, direction g; nothing for a zero gradient.
    func testPerturbationHasNormEpsilonAlongTheGradient() {
        let g = LayerTestSupport.randomTensor([4, 3], seed: 10), r = Tensor([0])
        XCTAssertTrue(AdversarialTraining(epsilon: 0.7).perturbation(along: g, into: r))
        let norm = (0..<r.count).map { Double(r[$0]) * Double(r[$0]) }.reduce(0, +).squareRoot()
        XCTAssertEqual(norm, 0.7, accuracy: 1e-6)
        let gNorm = (0..<g.count).map { Double(g[$0]) * Double(g[$0]) }.reduce(0, +).squareRoot()
        for i in 0..<g.count { XCTAssertEqual(Double(r[i]), Double(g[i]) / gNorm * 0.7, accuracy: 1e-6) }
        XCTAssertFalse(AdversarialTraining(epsilon: 0.7).perturbation(along: Tensor([2, 3], repeating: 0), into: r))
    }

    /// Each lever changes the training forward, none the inference plan: a model built with them
    /// (same weights: they draw nothing at initialisation) predicts bitwise as the plain one.
    func testInferenceUnaffectedAndTrainingAffected() {
        let levers = [Regularisation(embeddingDropout: 0.5), Regularisation(tokenDropout: 0.5),
                      Regularisation(lockedDropout: 0.5), Regularisation(weightDrop: 0.5)]
        var plainRng = RandomSource(seed: 12)
        let plain = TextClassifier(spec: spec(Regularisation()), rng: &plainRng)
        var masks = RandomSource(seed: 13)
        let plainTraining = plain.trainingForward(Self.batch, rng: &masks).logits.array
        XCTAssertEqual(plainTraining, plain.planLogits(Self.batch).array, "without regularisation training = inference")
        for r in levers {
            var rng = RandomSource(seed: 12)
            let model = TextClassifier(spec: spec(r), rng: &rng)
            XCTAssertEqual(model.planLogits(Self.batch).array, plain.planLogits(Self.batch).array, "\(r): inference")
            XCTAssertEqual(model.planLogits(Self.batch, tables: false).array, plain.planLogits(Self.batch).array, "\(r): inference")
            var m = RandomSource(seed: 13)
            XCTAssertNotEqual(model.trainingForward(Self.batch, rng: &m).logits.array, plainTraining, "\(r): training")
        }
    }

    /// Token dropout reads `<unk>` (id 1) at real positions only, one draw each, the pads kept.
    func testTokenDropoutReplacesRealPositionsOnly() {
        var rng = RandomSource(seed: 14)
        let dropped = TokenDropout.apply(Self.batch, probability: 0.5, unknownId: 1, rng: &rng)
        var changed = 0
        for t in 0..<Self.batch.steps {
            for b in 0..<Self.batch.size {
                let i = t * Self.batch.size + b, real = t < Self.batch.lengths[b]
                XCTAssertTrue(dropped.ids[i] == Self.batch.ids[i] || (real && dropped.ids[i] == 1), "position \(t), \(b)")
                if dropped.ids[i] != Self.batch.ids[i] { changed += 1 }
            }
        }
        XCTAssertGreaterThan(changed, 0)
        var again = RandomSource(seed: 14)
        XCTAssertEqual(TokenDropout.apply(Self.batch, probability: 0.5, unknownId: 1, rng: &again).ids, dropped.ids)
    }

    /// A sentence's training logits (same draws) do not depend on extra padded steps: every mask
    /// is drawn per sequence, per distinct token or per real position, never per padded step.
    func testTrainingLogitsDoNotDependOnPadding() {
        let s: [Int32] = [1, 2, 3, 1]
        let alone = Batch(sequences: [s], labels: [2], padId: 6)
        let padded = Batch(ids: s + [Int32](repeating: 6, count: 5), lengths: [4], steps: 9, labels: [2])
        let all = Regularisation(embeddingDropout: 0.3, tokenDropout: 0.3, lockedDropout: 0.3, weightDrop: 0.3)
        var rng = RandomSource(seed: 15)
        // (No `dropout`: its element-wise masks between layers are drawn per padded step too.)
        let model = TextClassifier(spec: spec(all), rng: &rng)
        var results: [[Float]] = []
        for batch in [alone, padded] {
            var m = RandomSource(seed: 16)
            results.append(model.trainingForward(batch, rng: &m).logits.array)
        }
        XCTAssertEqual(results[0], results[1])
    }

    func testForwardBackwardBitwiseForOneAndTwoThreads() {
        defer { Parallel.threadCount = 0; RecurrentEncoder.concurrentDirectionsMinimumWork = 1 << 22 }
        RecurrentEncoder.concurrentDirectionsMinimumWork = 0
        let all = Regularisation(embeddingDropout: 0.2, tokenDropout: 0.2, lockedDropout: 0.2, weightDrop: 0.3)
        var results: [[[Float]]] = []
        for threads in [1, 2] {
            Parallel.threadCount = threads
            var rng = RandomSource(seed: 17)
            let model = TextClassifier(spec: spec(all, dropout: 0.2), rng: &rng)
            var m = RandomSource(seed: 18)
            let (logits, ws) = model.trainingForward(Self.batch, rng: &m)
            model.backward(SoftmaxCrossEntropy().forward(logits: logits, labels: Self.batch.labels).dLogits, workspace: ws)
            results.append([logits.array] + model.parameters.map(\.grad.array))
        }
        XCTAssertEqual(results[0], results[1])
    }
}
