import XCTest
@testable import RNNKit

final class WeightAverageTests: XCTestCase {
    private func parameters() -> [Parameter] {
        let a = Parameter(name: "a", shape: [3]), b = Parameter(name: "b", shape: [2], frozen: true)
        a.value.copy(from: Tensor([3], values: [1, 2, 3]))
        b.value.copy(from: Tensor([2], values: [5, 7]))
        return [a, b]
    }

    /// avg += (1 - decay)(w - avg) per update; frozen parameters keep their value exactly.
    func testUpdateFollowsTheFormula() {
        let ps = parameters(), ema = WeightAverage(decay: 0.75, parameters: ps)
        ps[0].value.copy(from: Tensor([3], values: [5, 2, -1]))
        ema.update()
        ps[0].value.copy(from: Tensor([3], values: [9, 2, 3]))
        ema.update()
        var want: [Float] = [1, 2, 3]
        for w in [[5, 2, -1], [9, 2, 3]] as [[Float]] { for i in 0..<3 { want[i] += 0.25 * (w[i] - want[i]) } }
        XCTAssertEqual(ema.averages[0].array, want)
        XCTAssertEqual(ema.averages[1].array, [5, 7])
    }

    /// The average is in the parameters inside the closure, and the live weights come back bitwise.
    func testSwapRestoresLiveWeightsAndStateRoundTrips() throws {
        let ps = parameters(), ema = WeightAverage(decay: 0.5, parameters: ps)
        ps[0].value.copy(from: Tensor([3], values: [0.1, 0.2, 0.3]))
        ema.update()
        let inside = ema.withAveragedWeights { ps[0].value.array }
        XCTAssertEqual(inside, ema.averages[0].array)
        XCTAssertEqual(ps[0].value.array, [0.1, 0.2, 0.3])
        var state: [String: [Float]] = [:]
        for t in ema.stateTensors() { state[t.name] = t.values }
        XCTAssertEqual(Set(state.keys), ["ema.a", "ema.b"])
        let restored = WeightAverage(decay: 0.5, parameters: ps)
        XCTAssertTrue(try restored.loadState(state))
        XCTAssertEqual(restored.averages.map(\.array), ema.averages.map(\.array))
        XCTAssertFalse(try restored.loadState(["adam.m.a": [0, 0, 0]]), "no average in the checkpoint: starts from the weights")
        XCTAssertEqual(restored.averages[0].array, [0.1, 0.2, 0.3])
        XCTAssertThrowsError(try restored.loadState(["ema.a": [1]]))
    }
}
