import XCTest
@testable import RNNKit

final class LearningRateScheduleTests: XCTestCase {
    func testConstantWithLinearWarmup() {
        let s = LearningRateSchedule(kind: .constant, baseLR: 0.1, warmupSteps: 4)
        let rates = (0..<6).map { s.learningRate(step: $0, epoch: 0) }
        XCTAssertEqual(rates[0], 0.025, accuracy: 1e-7)
        XCTAssertEqual(rates[1], 0.05, accuracy: 1e-7)
        XCTAssertEqual(rates[2], 0.075, accuracy: 1e-7)
        XCTAssertEqual(rates[3], 0.1, accuracy: 1e-7)
        XCTAssertEqual(rates[5], 0.1)
        // Equal increments: the ramp is linear.
        XCTAssertEqual(rates[2] - rates[1], rates[1] - rates[0], accuracy: 1e-7)
    }

    func testStepHalvesEveryStepSizeEpochs() {
        let s = LearningRateSchedule(kind: .step, baseLR: 0.8, stepSize: 2, gamma: 0.5)
        XCTAssertEqual((0..<7).map { s.learningRate(step: 1000 * $0, epoch: $0) }, [0.8, 0.8, 0.4, 0.4, 0.2, 0.2, 0.1])
    }

    func testCosineWarmupThenDecayToMinimum() {
        let s = LearningRateSchedule(kind: .cosine, baseLR: 1.0, warmupSteps: 10, minLR: 0.1, totalSteps: 110)
        XCTAssertEqual(s.learningRate(step: 0, epoch: 0), 0.1, accuracy: 1e-7)
        XCTAssertEqual(s.learningRate(step: 4, epoch: 0), 0.5, accuracy: 1e-7)
        XCTAssertEqual(s.learningRate(step: 9, epoch: 0), 1.0, accuracy: 1e-7)
        XCTAssertEqual(s.learningRate(step: 10, epoch: 0), 1.0, accuracy: 1e-7)
        XCTAssertEqual(s.learningRate(step: 60, epoch: 0), 0.55, accuracy: 1e-6, "halfway: mean of base and min")
        XCTAssertEqual(s.learningRate(step: 110, epoch: 0), 0.1, accuracy: 1e-7)
        XCTAssertEqual(s.learningRate(step: 500, epoch: 0), 0.1, accuracy: 1e-7)
        let rates = (10...110).map { s.learningRate(step: $0, epoch: 0) }
        XCTAssertTrue(zip(rates, rates.dropFirst()).allSatisfy { $0 >= $1 }, "monotone decay")
    }

    func testPlateauReducesAfterPatienceBadEpochs() {
        var s = LearningRateSchedule(kind: .plateau, baseLR: 1.0, minLR: 0.2, patience: 2, factor: 0.5)
        var rates: [Float] = []
        for accuracy in [0.5, 0.6, 0.6, 0.55, 0.59, 0.7, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1] {
            s.observe(metric: accuracy, higherIsBetter: true)
            rates.append(s.learningRate(step: 0, epoch: 0))
        }
        // Bad epochs: 0.6 (equal), 0.55, 0.59 -> third in a row reduces; 0.7 improves;
        // then every third bad epoch reduces again, down to the minLR floor.
        XCTAssertEqual(rates, [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.2, 0.2, 0.2, 0.2])

        var loss = LearningRateSchedule(kind: .plateau, baseLR: 1.0, patience: 0, factor: 0.1)
        loss.observe(metric: 2.0, higherIsBetter: false)
        loss.observe(metric: 1.0, higherIsBetter: false)
        XCTAssertEqual(loss.learningRate(step: 0, epoch: 0), 1.0)
        loss.observe(metric: 1.5, higherIsBetter: false)
        XCTAssertEqual(loss.learningRate(step: 0, epoch: 0), 0.1, accuracy: 1e-7)
        loss.observe(metric: .nan, higherIsBetter: false)
        XCTAssertEqual(loss.learningRate(step: 0, epoch: 0), 0.01, accuracy: 1e-8)
    }

    func testPlateauStateRoundTrip() {
        var s = LearningRateSchedule(kind: .plateau, baseLR: 1.0, patience: 1, factor: 0.5)
        for m in [0.9, 0.8, 0.8, 0.7] { s.observe(metric: m, higherIsBetter: true) }
        XCTAssertEqual(s.state["factor"], 0.5)
        XCTAssertEqual(s.state["best"], 0.9)
        XCTAssertEqual(s.state["bad_epochs"], 1)
        var resumed = LearningRateSchedule(kind: .plateau, baseLR: 1.0, patience: 1, factor: 0.5, state: s.state)
        XCTAssertEqual(resumed, s)
        s.observe(metric: 0.85, higherIsBetter: true)
        resumed.observe(metric: 0.85, higherIsBetter: true)
        XCTAssertEqual(resumed.learningRate(step: 0, epoch: 0), 0.25)
        XCTAssertEqual(resumed, s)
        XCTAssertNil(LearningRateSchedule(kind: .plateau, baseLR: 1).state["best"])
    }
}
