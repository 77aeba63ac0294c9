import XCTest
@testable import RNNKit

final class AttentionPoolingTests: XCTestCase {
    /// Direct evaluation of the definition in Double for one sequence.
    private func reference(_ x: Tensor, _ w: [Float], lengths: [Int]) -> [Double] {
        let b = lengths.count, f = w.count
        var out = [Double](repeating: 0, count: b * f)
        for j in 0..<b where lengths[j] > 0 {
            let scores = (0..<lengths[j]).map { s in (0..<f).reduce(0.0) { $0 + tanh(Double(x[(s * b + j) * f + $1])) * Double(w[$1]) } }
            let top = scores.max()!
            let e = scores.map { exp($0 - top) }, total = e.reduce(0, +)
            for s in 0..<lengths[j] { for k in 0..<f { out[j * f + k] += e[s] / total * Double(x[(s * b + j) * f + k]) } }
        }
        return out
    }

    private func pooled(_ attention: AttentionPooling, _ x: Tensor, _ mask: SequenceMask) -> Tensor {
        let y = Tensor([0])
        attention.forward(x, mask: mask, into: y, cache: AttentionPooling.Cache())
        return y
    }

    func testForwardMatchesDefinitionAndIgnoresPadding() {
        let attention = AttentionPooling(featureSize: 4)
        XCTAssertEqual(attention.parameters.map(\.name), ["attention.w"])
        XCTAssertEqual(attention.weight.value.array, [0, 0, 0, 0])
        let w = LayerTestSupport.randomValues(4, seed: 1, scale: 2)
        attention.weight.value.copy(from: Tensor([4], values: w))
        let x = LayerTestSupport.randomTensor([5, 2, 4], seed: 2)
        let mask = SequenceMask(lengths: [5, 3], steps: 5)
        let y = pooled(attention, x, mask)
        assertGoldenClose(y.array, reference(x, w, lengths: [5, 3]), "pooled")
        // Garbage at padded steps changes nothing.
        for s in 3..<5 { for k in 0..<4 { x[(s * 2 + 1) * 4 + k] = 50 } }
        XCTAssertEqual(pooled(attention, x, mask).array, y.array)
        // Zero weights: uniform attention, i.e. the mean over real steps.
        attention.weight.value.zero()
        assertGoldenClose(pooled(attention, x, mask).array,
                          { let y = Tensor([0]); MeanPooling().forward(x, mask: mask, into: y); return y }().array.map(Double.init),
                          "zero-w mean")
    }

    /// Finite differences for H and w. Checked against broken backwards: without the
    /// softmax-centering term (ds = alpha * da) or without tanh' the rel errors are > 0.3 (tried the first: 0.47 on dH, 0.71 on dw).
    func testGradientsMatchFiniteDifferences() {
        let attention = AttentionPooling(featureSize: 3)
        attention.weight.value.copy(from: Tensor([3], values: LayerTestSupport.randomValues(3, seed: 3, scale: 1.5)))
        let mask = SequenceMask(lengths: [4, 2, 0, 1], steps: 4)
        let x = LayerTestSupport.randomTensor([4, 4, 3], seed: 4, scale: 1.5)
        let r = LayerTestSupport.randomValues(4 * 3, seed: 5)
        let cache = AttentionPooling.Cache(), dx = Tensor([0])
        attention.forward(x, mask: mask, into: Tensor([0]), cache: cache)
        attention.backward(Tensor([4, 3], values: r), input: x, mask: mask, cache: cache, into: dx)
        assertExactlyZero(dx.array, at: LayerTestSupport.paddedIndices(lengths: mask.lengths, steps: 4, features: 3), "padded dx")
        let check = GradientCheck()
        let loss = { weightedSum(self.pooled(attention, x, mask), r) }
        check.check(analytic: dx.array, values: x.data, count: x.count, "dH", loss: loss)
        check.check(analytic: attention.weight.grad.array, values: attention.weight.value.data, count: 3, "dw", loss: loss)
    }
}
