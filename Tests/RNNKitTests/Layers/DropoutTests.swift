import XCTest
@testable import RNNKit

final class DropoutTests: XCTestCase {
    func testTrainingScalesAndDrawsTheSameMaskForASeed() {
        let dropout = Dropout(probability: 0.25)
        let x = LayerTestSupport.randomTensor([50, 40], seed: 1)
        var rng = RandomSource(seed: 2)
        let mask = Tensor([0]), y = Tensor([0])
        dropout.forward(x, mask: mask, into: y, rng: &rng)
        var dropped = 0
        for i in 0..<x.count {
            if y[i] == 0 { dropped += 1 } else { XCTAssertEqual(y[i], x[i] / 0.75, accuracy: 1e-6) }
        }
        XCTAssertEqual(Double(dropped) / 2000, 0.25, accuracy: 0.04)   // 2000 draws: std ~0.01
        // Same seed, same mask.
        var again = RandomSource(seed: 2)
        let y2 = Tensor([0])
        dropout.forward(x, mask: Tensor([0]), into: y2, rng: &again)
        XCTAssertEqual(y2.array, y.array)
        Dropout(probability: 1).forward(x, mask: mask, into: y2, rng: &rng)
        XCTAssertEqual(y2.array, [Float](repeating: 0, count: x.count))
        // p = 0 draws nothing and copies.
        let before = rng
        Dropout(probability: 0).forward(x, mask: mask, into: y2, rng: &rng)
        XCTAssertEqual(rng, before, "p = 0 draws nothing")
        XCTAssertEqual(y2.array, x.array)
    }

    /// Finite differences with the same mask (the generator is copied for every pass).
    /// A backward that forgets the 1/(1-p) scale gives a rel error of p = 0.5 (tried).
    func testGradientMatchesFiniteDifferences() {
        let dropout = Dropout(probability: 0.5)
        let x = LayerTestSupport.randomTensor([3, 4], seed: 3)
        let r = LayerTestSupport.randomValues(12, seed: 4)
        let seed = RandomSource(seed: 5)
        var rng = seed
        let mask = Tensor([0]), y = Tensor([0]), dx = Tensor([0])
        dropout.forward(x, mask: mask, into: y, rng: &rng)
        dropout.backward(Tensor(y.shape, values: r), mask: mask, into: dx)
        GradientCheck().check(analytic: dx.array, values: x.data, count: 12, "dx") {
            var copy = seed
            let out = Tensor([0])
            dropout.forward(x, mask: Tensor([0]), into: out, rng: &copy)
            return weightedSum(out, r)
        }
    }
}
