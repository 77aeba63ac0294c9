import XCTest
@testable import RNNKit

final class OptimizerTests: XCTestCase {
    private func runGolden(_ optimizer: Optimizer, lr: Float, prefix: String) throws {
        let golden = try GoldenFile("optimizers")
        let p = Parameter(name: "w", shape: golden.shape("initial"))
        let frozen = Parameter(name: "frozen", shape: [3], frozen: true)
        frozen.value.fill(2)
        frozen.grad.fill(1)
        p.value.copy(from: Tensor(p.shape, values: golden.floats("initial")))
        for t in 1...3 {
            p.grad.copy(from: Tensor(p.shape, values: golden.floats("grad_step\(t)")))
            optimizer.step([frozen, p], learningRate: lr)
            assertGoldenClose(p.value.array, golden.doubles("\(prefix)_after_step\(t)"), "\(prefix) step \(t)")
        }
        XCTAssertEqual(optimizer.stepCount, 3)
        XCTAssertEqual(frozen.value.array, [2, 2, 2], "frozen parameters are untouched")
    }

    func testAdamMatchesPyTorch() throws {
        try runGolden(Adam(beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false), lr: 0.01, prefix: "adam")
    }

    func testAdamWMatchesPyTorch() throws {
        try runGolden(Adam(beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, decoupled: true), lr: 0.01, prefix: "adamw")
    }

    func testSGDMomentumMatchesPyTorch() throws {
        try runGolden(SGD(momentum: 0.9, nesterov: false, weightDecay: 0), lr: 0.1, prefix: "sgd_momentum")
    }

    func testSGDNesterovWeightDecayMatchesPyTorch() throws {
        try runGolden(SGD(momentum: 0.9, nesterov: true, weightDecay: 0.01), lr: 0.1, prefix: "sgd_momentum_nesterov_wd")
    }

    func testPlainSGDAndCoupledWeightDecay() {
        let p = Parameter(name: "w", shape: [2])
        p.value.copy(from: Tensor([2], values: [1, -2]))
        p.grad.copy(from: Tensor([2], values: [0.5, 0.25]))
        SGD(weightDecay: 0.1).step([p], learningRate: 0.1)
        // p - 0.1 * (g + 0.1 p)
        XCTAssertEqual(p.value[0], 1 - 0.1 * (0.5 + 0.1), accuracy: 1e-7)
        XCTAssertEqual(p.value[1], -2 - 0.1 * (0.25 - 0.2), accuracy: 1e-7)

        // Adam's first step moves each weight by lr*sign(g) (bias-corrected m/sqrt(v) = g/|g|).
        let q = Parameter(name: "q", shape: [2])
        q.value.copy(from: Tensor([2], values: [1, 1]))
        q.grad.copy(from: Tensor([2], values: [3, -0.001]))
        Adam().step([q], learningRate: 0.01)
        XCTAssertEqual(q.value[0], 0.99, accuracy: 1e-6)
        XCTAssertEqual(q.value[1], 1.01, accuracy: 1e-5)
    }

    /// Saving after step 1 and restoring into a fresh optimizer must continue exactly as the original.
    private func checkResume(_ make: () -> Optimizer) throws {
        let golden = try GoldenFile("optimizers")
        func fresh() -> Parameter {
            let p = Parameter(name: "lstm.weight_ih_l0", shape: golden.shape("initial"))
            p.value.copy(from: Tensor(p.shape, values: golden.floats("initial")))
            return p
        }
        let a = fresh(), b = fresh()
        let original = make()
        a.grad.copy(from: Tensor(a.shape, values: golden.floats("grad_step1")))
        original.step([a], learningRate: 0.05)
        b.value.copy(from: a.value)
        var saved: [String: [Float]] = [:]
        for s in original.stateTensors([a]) { saved[s.name] = s.values }
        XCTAssertFalse(saved.isEmpty)
        let resumed = make()
        resumed.stepCount = original.stepCount
        try resumed.loadState(saved.merging(["lstm.weight_ih_l0": [0]]) { x, _ in x }, parameters: [b])
        for t in 2...3 {
            a.grad.copy(from: Tensor(a.shape, values: golden.floats("grad_step\(t)")))
            b.grad.copy(from: a.grad)
            original.step([a], learningRate: 0.05)
            resumed.step([b], learningRate: 0.05)
        }
        XCTAssertEqual(a.value.array, b.value.array, "bitwise equal after resume")
    }

    func testAdamStateRoundTrip() throws {
        try checkResume { Adam(weightDecay: 0.1, decoupled: true) }
        XCTAssertEqual(Adam().stateTensors([Parameter(name: "x", shape: [2])]).map(\.name), ["adam.m.x", "adam.v.x"])
    }

    func testSGDStateRoundTrip() throws {
        try checkResume { SGD(momentum: 0.9, nesterov: true, weightDecay: 0.01) }
    }

    func testLoadStateRejectsMismatches() {
        let p = Parameter(name: "w", shape: [3])
        let adam = Adam()
        XCTAssertThrowsError(try adam.loadState(["adam.m.w": [0, 0, 0]], parameters: [p])) { error in
            XCTAssertEqual((error as? RNNError)?.kind, .input)
            XCTAssertTrue("\(error)".contains("adam.v.w"), "\(error)")
        }
        XCTAssertThrowsError(try adam.loadState(["adam.m.w": [0, 0], "adam.v.w": [0, 0, 0]], parameters: [p])) { error in
            XCTAssertTrue("\(error)".contains("adam.m.w"), "\(error)")
        }
        XCTAssertThrowsError(try adam.loadState(["adam.m.w": [0, 0, 0], "adam.v.w": [0, 0, 0], "adam.m.other": [1]],
                                                parameters: [p])) { error in
            XCTAssertTrue("\(error)".contains("adam.m.other"), "\(error)")
        }
        let sgd = SGD(momentum: 0.9)
        sgd.stepCount = 4
        XCTAssertThrowsError(try sgd.loadState([:], parameters: [p]))
        XCTAssertNoThrow(try SGD(momentum: 0.9).loadState([:], parameters: [p]), "no buffers before the first step")
    }
}
