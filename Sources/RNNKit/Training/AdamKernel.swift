import Foundation

/// One Adam update of a run of elements, shared by the dense `Adam` and the row-sparse
/// `RowSparseAdam` so both round every element the same way:
///
///     g += wd*w (coupled decay only);  m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g*g
///     w -= stepSize * m / (sqrt(v) / sqrtCorrection2 + eps)
///
/// The SIMD8 body and the scalar tail run the same operations in the same order (IEEE sqrt and
/// division are exact per lane), so an element rounds the same whichever path it takes, and the
/// result does not depend on how the elements were split over threads.
struct AdamKernel {
    let b1: Float, b2: Float, eps: Float
    /// lr / (1 - b1^t), computed in Double and rounded once, as PyTorch does with Python floats.
    let stepSize: Float
    /// sqrt(1 - b2^t), the same way.
    let sqrtCorrection2: Float
    /// Coupled (Adam-style, not AdamW) weight decay; 0 for none.
    let coupledDecay: Float

    init(beta1: Float, beta2: Float, eps: Float, learningRate lr: Float, step t: Int, coupledDecay: Float = 0) {
        b1 = beta1
        b2 = beta2
        self.eps = eps
        stepSize = Float(Double(lr) / (1 - pow(Double(beta1), Double(t))))
        sqrtCorrection2 = Float((1 - pow(Double(beta2), Double(t))).squareRoot())
        self.coupledDecay = coupledDecay
    }

    /// Updates elements `range` of `w`, `m`, `v` from the gradient `g` (same indexing).
    @inline(__always)
    func update(w: UnsafeMutablePointer<Float>, g: UnsafePointer<Float>, m: UnsafeMutablePointer<Float>,
                v: UnsafeMutablePointer<Float>, range: Range<Int>) {
        typealias V = SIMD8<Float>
        let oneMinusB1 = 1 - b1, oneMinusB2 = 1 - b2, wd = coupledDecay, coupled = coupledDecay != 0
        let vb1 = V(repeating: b1), vb2 = V(repeating: b2), v1b1 = V(repeating: oneMinusB1)
        let v1b2 = V(repeating: oneMinusB2), vEps = V(repeating: eps), vWd = V(repeating: wd)
        let vCorr = V(repeating: sqrtCorrection2), vStep = V(repeating: stepSize)
        var i = range.lowerBound
        while i + 8 <= range.upperBound {
            let wi = UnsafeRawPointer(w + i).loadUnaligned(as: V.self)
            var gi = UnsafeRawPointer(g + i).loadUnaligned(as: V.self)
            if coupled { gi = gi + vWd * wi }
            let mi = vb1 * UnsafeRawPointer(m + i).loadUnaligned(as: V.self) + v1b1 * gi
            let vi = vb2 * UnsafeRawPointer(v + i).loadUnaligned(as: V.self) + v1b2 * (gi * gi)
            UnsafeMutableRawPointer(m + i).storeBytes(of: mi, as: V.self)
            UnsafeMutableRawPointer(v + i).storeBytes(of: vi, as: V.self)
            let denom = vi.squareRoot() / vCorr + vEps
            UnsafeMutableRawPointer(w + i).storeBytes(of: wi - vStep * (mi / denom), as: V.self)
            i += 8
        }
        while i < range.upperBound {
            let gi = coupled ? g[i] + wd * w[i] : g[i]
            let mi = b1 * m[i] + oneMinusB1 * gi
            let vi = b2 * v[i] + oneMinusB2 * (gi * gi)
            m[i] = mi
            v[i] = vi
            let denom = vi.squareRoot() / sqrtCorrection2 + eps
            w[i] -= stepSize * (mi / denom)
            i += 1
        }
    }
}
