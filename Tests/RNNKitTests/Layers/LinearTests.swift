import XCTest
@testable import RNNKit

final class LinearTests: XCTestCase {
    func testForwardIsXWTransposePlusBias() {
        var rng = RandomSource(seed: 1)
        let linear = Linear(inputSize: 2, outputSize: 3, name: "fc", rng: &rng)
        XCTAssertEqual(linear.parameters.map(\.name), ["fc.weight", "fc.bias"])
        linear.weight.value.copy(from: Tensor([3, 2], values: [1, 2, 3, 4, 5, 6]))
        linear.bias.value.copy(from: Tensor([3], values: [0.5, -1, 2]))
        let y = linear.forward(Tensor([2, 2], values: [1, -1, 2, 0.5]), into: Tensor([0]))
        XCTAssertEqual(y.shape, [2, 3])
        XCTAssertEqual(y.array, [-0.5, -2, 1, 3.5, 7, 15])
    }

    func testInitialisationBound() {
        var rng = RandomSource(seed: 2)
        let linear = Linear(inputSize: 16, outputSize: 40, name: "proj", rng: &rng)
        let values = linear.weight.value.array + linear.bias.value.array
        XCTAssertTrue(values.allSatisfy { abs($0) <= 0.25 })
        XCTAssertGreaterThan(values.map { abs($0) }.max()!, 0.2)
    }

    /// Finite differences for x, W and b on a [2, 3, 4] input (leading axes are rows).
    /// Checked against a broken backward (db left out, or dX = dY W^T with the wrong
    /// weight layout): tried the first, rel error 1.0.
    func testGradientsMatchFiniteDifferences() {
        var rng = RandomSource(seed: 3)
        let linear = Linear(inputSize: 4, outputSize: 3, name: "fc", rng: &rng)
        let x = LayerTestSupport.randomTensor([2, 3, 4], seed: 4)
        let r = LayerTestSupport.randomValues(2 * 3 * 3, seed: 5)
        let y = linear.forward(x, into: Tensor([0]))
        XCTAssertEqual(y.shape, [2, 3, 3])
        let dx = linear.backward(Tensor(y.shape, values: r), input: x, into: Tensor([0]), scratch: Tensor([0]))
        let check = GradientCheck()
        let loss = { weightedSum(linear.forward(x, into: Tensor([0])), r) }
        check.check(analytic: dx.array, values: x.data, count: x.count, "dx", loss: loss)
        check.check(analytic: linear.weight.grad.array, values: linear.weight.value.data, count: 12, "dW", loss: loss)
        check.check(analytic: linear.bias.grad.array, values: linear.bias.value.data, count: 3, "db", loss: loss)
    }
}
