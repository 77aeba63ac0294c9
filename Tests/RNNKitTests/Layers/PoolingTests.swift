import XCTest
@testable import RNNKit

final class PoolingTests: XCTestCase {
    private func out(_ body: (Tensor) -> Void) -> Tensor {
        let t = Tensor([0])
        body(t)
        return t
    }

    func testMaxAndMeanMatchPyTorchGolden() throws {
        let golden = try GoldenFile("pooling_masked")
        let shape = golden.shape("x"), b = shape[0], t = shape[1], f = shape[2]
        let x = Tensor([t, b, f], values: golden.timeMajor("x"))
        let mask = SequenceMask(lengths: golden.ints("lengths"), steps: t)
        let padded = LayerTestSupport.paddedIndices(lengths: mask.lengths, steps: t, features: f)

        var maxCache = MaxPooling.Cache()
        let maxPooled = out { MaxPooling().forward(x, mask: mask, into: $0, cache: &maxCache) }
        assertGoldenClose(maxPooled.array, golden.doubles("max_pool"), "max_pool")
        let dMax = out { MaxPooling().backward(Tensor([b, f], values: golden.floats("upstream_max")), cache: maxCache, mask: mask, into: $0) }
        assertGoldenClose(dMax.array, golden.timeMajor("grad_x_max").map(Double.init), "grad_x_max")
        assertExactlyZero(dMax.array, at: padded, "grad_x_max padded")

        let meanPooled = out { MeanPooling().forward(x, mask: mask, into: $0) }
        assertGoldenClose(meanPooled.array, golden.doubles("mean_pool"), "mean_pool")
        let dMean = out { MeanPooling().backward(Tensor([b, f], values: golden.floats("upstream_mean")), mask: mask, into: $0) }
        assertGoldenClose(dMean.array, golden.timeMajor("grad_x_mean").map(Double.init), "grad_x_mean")
        assertExactlyZero(dMean.array, at: padded, "grad_x_mean padded")
    }

    func testLastStateReadsForwardAtEndAndBackwardAtStart() {
        // T=3, B=2, D=2, H=1: x[t, b, :] = [10t + b, 100 + 10t + b]
        var values: [Float] = []
        for s in 0..<3 { for j in 0..<2 { values += [Float(10 * s + j), Float(100 + 10 * s + j)] } }
        let x = Tensor([3, 2, 2], values: values)
        let mask = SequenceMask(lengths: [2, 3], steps: 3)
        let pooling = LastStatePooling(directions: 2, hiddenSize: 1)
        XCTAssertEqual(out { pooling.forward(x, mask: mask, into: $0) }.array, [10, 100, 21, 101])
        let dx = out { pooling.backward(Tensor([2, 2], values: [1, 2, 3, 4]), mask: mask, into: $0) }
        XCTAssertEqual(dx.array, [0, 2, 0, 4, 1, 0, 0, 0, 0, 0, 3, 0])
        let uni = out { LastStatePooling(directions: 1, hiddenSize: 2).forward(x, mask: mask, into: $0) }
        XCTAssertEqual(uni.array, [10, 110, 21, 121])
    }

    func testEmptySequencesPoolToZerosAndStaleBuffersDoNotLeak() {
        let x = LayerTestSupport.randomTensor([2, 2, 3], seed: 1)
        let mask = SequenceMask(lengths: [0, 2], steps: 2)
        let attention = AttentionPooling(featureSize: 3)
        // Buffers that held something before (a workspace reused between batches).
        let stale = { Tensor([2, 3], repeating: 7) }
        let outputs: [Tensor] = [
            { let y = stale(); LastStatePooling(directions: 1, hiddenSize: 3).forward(x, mask: mask, into: y); return y }(),
            { let y = stale(); MaxPooling().forward(x, mask: mask, into: y); return y }(),
            { let y = stale(); MeanPooling().forward(x, mask: mask, into: y); return y }(),
            { let y = stale(); attention.forward(x, mask: mask, into: y, cache: AttentionPooling.Cache()); return y }(),
        ]
        for y in outputs { XCTAssertEqual(Array(y.array[0..<3]), [0, 0, 0]) }
        var cache = MaxPooling.Cache()
        MaxPooling().forward(x, mask: mask, into: Tensor([0]), cache: &cache)
        let dx = Tensor([2, 2, 3], repeating: 7)
        MaxPooling().backward(Tensor([2, 3], repeating: 1), cache: cache, mask: mask, into: dx)
        XCTAssertEqual(Array(dx.array[0..<3]) + Array(dx.array[6..<9]), [Float](repeating: 0, count: 6))
    }

    /// Finite differences for every pooling on x [T=4, B=3, F=5] with lengths [4, 2, 1]
    /// and garbage at padded steps (whose numeric gradient is then zero too).
    /// Checked against broken backwards: mean without the 1/len, last-state with the
    /// backward half taken at len-1, max routed to the last step: rel errors >= 0.5
    /// (tried the mean one: 0.75).
    func testGradientsMatchFiniteDifferences() {
        let mask = SequenceMask(lengths: [4, 2, 1], steps: 4)
        let x = LayerTestSupport.randomTensor([4, 3, 6], seed: 2)
        let r = LayerTestSupport.randomValues(3 * 6, seed: 3)
        let check = GradientCheck()
        let dy = Tensor([3, 6], values: r)

        let last = LastStatePooling(directions: 2, hiddenSize: 3)
        check.check(analytic: out { last.backward(dy, mask: mask, into: $0) }.array, values: x.data, count: x.count, "last") {
            weightedSum(out { last.forward(x, mask: mask, into: $0) }, r)
        }
        var maxCache = MaxPooling.Cache()
        MaxPooling().forward(x, mask: mask, into: Tensor([0]), cache: &maxCache)
        check.check(analytic: out { MaxPooling().backward(dy, cache: maxCache, mask: mask, into: $0) }.array,
                    values: x.data, count: x.count, "max") {
            weightedSum(out { MaxPooling().forward(x, mask: mask, into: $0) }, r)
        }
        check.check(analytic: out { MeanPooling().backward(dy, mask: mask, into: $0) }.array, values: x.data, count: x.count, "mean") {
            weightedSum(out { MeanPooling().forward(x, mask: mask, into: $0) }, r)
        }
    }
}
