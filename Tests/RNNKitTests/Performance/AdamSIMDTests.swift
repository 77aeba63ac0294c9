import XCTest
@testable import RNNKit

/// Adam's update runs on SIMD8 lanes with a scalar tail; each element must round exactly as
/// the one-element-at-a-time formula does, whatever its position (body or tail).
final class AdamSIMDTests: XCTestCase {
    private func scalarAdam(w: inout [Float], g: [Float], m: inout [Float], v: inout [Float], step: Int,
                            lr: Float, wd: Float, decoupled: Bool) {
        let b1: Float = 0.9, b2: Float = 0.999, eps: Float = 1e-8
        let t = Double(step)
        let stepSize = Float(Double(lr) / (1 - pow(Double(b1), t)))
        let corr = Float((1 - pow(Double(b2), t)).squareRoot())
        if decoupled && wd != 0 { for i in w.indices { w[i] *= 1 - lr * wd } }
        for i in w.indices {
            let gi = !decoupled && wd != 0 ? g[i] + wd * w[i] : g[i]
            let mi = b1 * m[i] + (1 - b1) * gi
            let vi = b2 * v[i] + (1 - b2) * (gi * gi)
            m[i] = mi; v[i] = vi
            w[i] -= stepSize * (mi / (vi.squareRoot() / corr + eps))
        }
    }

    func testSIMDUpdateEqualsScalarFormulaBitwise() {
        for (wd, decoupled) in [(Float(0), false), (0.01, false), (0.1, true)] {
            for count in [1, 7, 8, 13, 35] {
                let p = Parameter(name: "p", shape: [count])
                p.value.copy(from: LayerTestSupport.randomTensor([count], seed: UInt64(count)))
                var w = p.value.array, m = [Float](repeating: 0, count: count), v = m
                let adam = Adam(beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: wd, decoupled: decoupled)
                for step in 1...3 {
                    let g = LayerTestSupport.randomTensor([count], seed: UInt64(100 * step + count))
                    p.grad.copy(from: g)
                    adam.step([p], learningRate: 0.01)
                    scalarAdam(w: &w, g: g.array, m: &m, v: &v, step: step, lr: 0.01, wd: wd, decoupled: decoupled)
                    XCTAssertEqual(p.value.array.map(\.bitPattern), w.map(\.bitPattern),
                                   "count \(count), wd \(wd), decoupled \(decoupled), step \(step)")
                }
            }
        }
    }
}
