import XCTest
@testable import RNNKit

final class PretrainedAnchorTests: XCTestCase {
    private func parameters() -> [Parameter] {
        let a = Parameter(name: "a", shape: [3]), b = Parameter(name: "b", shape: [2], frozen: true)
        a.value.copy(from: Tensor([3], values: [1, 2, 3]))
        b.value.copy(from: Tensor([2], values: [5, 7]))
        return [a, b]
    }

    /// The gradient added is strength · (w − w₀) on top of what is there, frozen parameters get
    /// none, and it is the derivative of `penalty()` (central differences in Double).
    func testGradientIsThePenaltysDerivative() {
        let ps = parameters(), anchor = PretrainedAnchor(strength: 0.5, parameters: ps)
        ps[0].value.copy(from: Tensor([3], values: [1.5, 1, 3.25]))
        ps[1].value.copy(from: Tensor([2], values: [6, 7]))
        ps[0].grad.copy(from: Tensor([3], values: [0.1, 0.2, 0.3]))
        anchor.addGradient()
        let expected: [Float] = [0.1 + 0.25, 0.2 - 0.5, 0.3 + 0.125]
        XCTAssertEqual(ps[0].grad.array, expected)
        XCTAssertEqual(ps[1].grad.array, [0, 0], "a frozen parameter is not pulled")
        let squares = 0.25 + 1 + 0.0625 + 1.0
        XCTAssertEqual(anchor.penalty(), 0.25 * squares, accuracy: 1e-12)
        for i in 0..<3 {
            let w = ps[0].value.data[i], h: Float = 1.0 / 64
            ps[0].value.data[i] = w + h
            let up = anchor.penalty()
            ps[0].value.data[i] = w - h
            let down = anchor.penalty()
            ps[0].value.data[i] = w
            let start: [Float] = [1, 2, 3]
            XCTAssertEqual((up - down) / Double(2 * h), Double(0.5 * (w - start[i])), accuracy: 1e-9)
        }
    }

    /// The decoupled pull (adamw): w -= lr · scale · strength · (w − w₀), at the parameter's own
    /// rate; the gradient is untouched and frozen parameters do not move.
    func testDecoupledPullMovesTheWeightsTowardsTheAnchor() {
        let ps = parameters(), anchor = PretrainedAnchor(strength: 2, decoupled: true, parameters: ps)
        ps[0].value.copy(from: Tensor([3], values: [2, 0, 3]))
        ps[0].learningRateScale = 0.5
        ps[1].value.copy(from: Tensor([2], values: [6, 7]))
        anchor.pull(learningRate: 0.25)
        let expected: [Float] = [2 - 0.25 * 1, 0 + 0.25 * 2, 3]
        XCTAssertEqual(ps[0].value.array, expected)
        XCTAssertEqual(ps[1].value.array, [6, 7], "a frozen parameter is not pulled")
        XCTAssertEqual(ps[0].grad.array, [0, 0, 0])
    }

    /// w₀ round-trips through checkpoint state; a checkpoint without it, or with a mis-sized one,
    /// is refused with the tensor's name.
    func testStateRoundTripsAndMissingStateIsRefused() throws {
        let ps = parameters(), anchor = PretrainedAnchor(strength: 1, parameters: ps)
        var state: [String: [Float]] = [:]
        for t in anchor.stateTensors() { state[t.name] = t.values }
        XCTAssertEqual(state, ["anchor.a": [1, 2, 3], "anchor.b": [5, 7]])
        ps[0].value.copy(from: Tensor([3], values: [9, 9, 9]))
        let restored = PretrainedAnchor(strength: 1, parameters: ps)
        try restored.loadState(state)
        XCTAssertEqual(restored.anchors.map(\.array), [[1, 2, 3], [5, 7]])
        XCTAssertThrowsError(try restored.loadState(["anchor.a": [1, 2, 3]])) { XCTAssertTrue("\($0)".contains("anchor.b"), "\($0)") }
        XCTAssertThrowsError(try restored.loadState(["anchor.a": [1], "anchor.b": [5, 7]])) { XCTAssertTrue("\($0)".contains("anchor.a"), "\($0)") }
    }
}
