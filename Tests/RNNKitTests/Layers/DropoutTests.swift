import XCTest
@testable import RNNKit

final class DropoutTests: XCTestCase {
    func testEvaluationIsIdentityAndTrainingScales() {
        let dropout = Dropout(probability: 0.25)
        let x = LayerTestSupport.randomTensor([50, 40], seed: 1)
        var rng = RandomSource(seed: 2)
        let (same, noMask) = dropout.forward(x, training: false, rng: &rng)
        XCTAssertEqual(same.array, x.array)
        XCTAssertNil(noMask.mask)
        XCTAssertEqual(rng, RandomSource(seed: 2), "evaluation draws nothing")
        let (y, _) = dropout.forward(x, training: true, rng: &rng)
        var dropped = 0
        for i in 0..<x.count {
            if y[i] == 0 { dropped += 1 } else { XCTAssertEqual(y[i], x[i] / 0.75, accuracy: 1e-6) }
        }
        XCTAssertEqual(Double(dropped) / 2000, 0.25, accuracy: 0.04)   // 2000 draws: std ~0.01
        // Same seed, same mask.
        var again = RandomSource(seed: 2)
        XCTAssertEqual(dropout.forward(x, training: true, rng: &again).output.array, y.array)
        XCTAssertEqual(Dropout(probability: 1).forward(x, training: true, rng: &rng).output.array,
                       [Float](repeating: 0, count: x.count))
    }

    /// Finite differences with the same mask (the generator is copied for every pass).
    /// A backward that forgets the 1/(1-p) scale gives a rel error of p = 0.5 (tried).
    func testGradientMatchesFiniteDifferences() {
        let dropout = Dropout(probability: 0.5)
        let x = LayerTestSupport.randomTensor([3, 4], seed: 3)
        let r = LayerTestSupport.randomValues(12, seed: 4)
        let seed = RandomSource(seed: 5)
        var rng = seed
        let (y, cache) = dropout.forward(x, training: true, rng: &rng)
        let dx = dropout.backward(Tensor(y.shape, values: r), cache: cache)
        GradientCheck().check(analytic: dx.array, values: x.data, count: 12, "dx") {
            var copy = seed
            return weightedSum(dropout.forward(x, training: true, rng: &copy).output, r)
        }
    }
}
