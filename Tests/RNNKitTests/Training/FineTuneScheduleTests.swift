import XCTest
@testable import RNNKit

/// ULMFiT's fine-tuning options: slanted triangular rates, discriminative rates per layer group,
/// gradual unfreezing.
final class FineTuneScheduleTests: XCTestCase {
    /// Howard & Ruder's eq. 3 with T = 100, cut_frac 0.1, ratio 32: lr/32 at step 0, lr at the
    /// cut (step 10), half-way down at step 55, back to lr/32 at the last step.
    func testSlantedTriangularRates() {
        var config = TrainingConfig()
        config.lr = 0.01
        config.schedule.kind = .slantedTriangular
        let s = LearningRateSchedule(config: config, totalSteps: 100)
        XCTAssertEqual(s.learningRate(step: 0, epoch: 0), 0.01 / 32, accuracy: 1e-9)
        XCTAssertEqual(s.learningRate(step: 5, epoch: 0), 0.01 * (1 + 0.5 * 31) / 32, accuracy: 1e-9)
        XCTAssertEqual(s.learningRate(step: 10, epoch: 0), 0.01, accuracy: 1e-9)
        XCTAssertEqual(s.learningRate(step: 55, epoch: 0), 0.01 * (1 + 0.5 * 31) / 32, accuracy: 1e-9)
        XCTAssertEqual(s.learningRate(step: 100, epoch: 0), 0.01 / 32, accuracy: 1e-9)
        XCTAssertLessThan(s.learningRate(step: 30, epoch: 0), s.learningRate(step: 20, epoch: 0))
    }

    private func model(layers: Int) -> TextClassifier {
        var rng = RandomSource(seed: 1)
        return TextClassifier(spec: ModelSpec(vocabularySize: 9, embeddingDim: 4, hiddenSize: 4, layers: layers,
                                              bidirectional: true, classCount: 3, padId: 0), rng: &rng)
    }

    func testDiscriminativeRatesDivideByTheFactorPerGroup() {
        let m = model(layers: 2)
        let groups = FineTuneGroups(m)
        XCTAssertEqual(groups.groups.count, 4)   // head+fc, layer 1, layer 0, embedding
        groups.applyRates(factor: 2.6)
        XCTAssertEqual(m.classifier.parameters.map(\.learningRateScale), [1, 1])
        for p in m.encoder!.parameters {
            XCTAssertEqual(p.learningRateScale, p.name.contains("_l1") ? Float(1 / 2.6) : Float(1 / (2.6 * 2.6)), accuracy: 1e-7, p.name)
        }
        XCTAssertEqual(m.embedding!.weight.learningRateScale, Float(1 / (2.6 * 2.6 * 2.6)), accuracy: 1e-7)
    }

    /// Adam moves a parameter of scale s exactly as a plain Adam step at rate lr*s would.
    func testAdamAppliesTheScale() {
        let a = Parameter(name: "a", shape: [3]), b = Parameter(name: "b", shape: [3])
        for p in [a, b] { for i in 0..<3 { p.value[i] = 1; p.grad[i] = Float(i) - 1 } }
        a.learningRateScale = 0.25
        Adam().step([a], learningRate: 0.4)
        Adam().step([b], learningRate: 0.1)
        XCTAssertEqual(a.value.array, b.value.array)
    }

    func testGradualUnfreezingAddsOneGroupPerEpoch() {
        let m = model(layers: 2)
        let groups = FineTuneGroups(m)
        func trainable() -> [Bool] { groups.groups.map { !$0[0].frozen } }
        groups.unfreeze(epoch: 1, embeddingFrozen: false)
        XCTAssertEqual(trainable(), [true, false, false, false])
        groups.unfreeze(epoch: 3, embeddingFrozen: false)
        XCTAssertEqual(trainable(), [true, true, true, false])
        groups.unfreeze(epoch: 9, embeddingFrozen: false)
        XCTAssertEqual(trainable(), [true, true, true, true])
        groups.unfreeze(epoch: 9, embeddingFrozen: true)
        XCTAssertEqual(trainable(), [true, true, true, false])
    }
}
