import Foundation

/// Adam (Kingma & Ba) as PyTorch defines it, and AdamW with `decoupled: true`.
///
///     m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g*g            (m, v start at 0)
///     p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
///
/// Weight decay: coupled (Adam) adds `wd*p` to the gradient first; decoupled
/// (AdamW) first scales `p *= 1 - lr*wd`. State tensors: `adam.m.<name>`, `adam.v.<name>`.
public final class Adam: Optimizer {
    public let beta1: Float
    public let beta2: Float
    public let eps: Float
    public let weightDecay: Float
    public let decoupled: Bool
    public var stepCount: Int = 0

    private var moments: [String: (m: Tensor, v: Tensor)] = [:]

    public init(beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8, weightDecay: Float = 0, decoupled: Bool = false) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weightDecay = weightDecay
        self.decoupled = decoupled
    }

    private func state(for p: Parameter) -> (m: Tensor, v: Tensor) {
        if let s = moments[p.name], s.m.count == p.value.count { return s }
        let s = (m: Tensor(p.shape), v: Tensor(p.shape))
        moments[p.name] = s
        return s
    }

    public func step(_ parameters: [Parameter], learningRate lr: Float) {
        stepCount += 1
        let t = Double(stepCount)
        // Bias corrections in Double, then rounded once, as PyTorch does with Python floats.
        let stepSize = Float(Double(lr) / (1 - pow(Double(beta1), t)))
        let sqrtCorrection2 = Float((1 - pow(Double(beta2), t)).squareRoot())
        let b1 = beta1, b2 = beta2, oneMinusB1 = 1 - beta1, oneMinusB2 = 1 - beta2, eps = eps
        let wd = weightDecay
        let decay: Float = 1 - lr * weightDecay
        for p in parameters where !p.frozen {
            let s = state(for: p)
            let n = p.value.count
            let w = p.value.data, g = p.grad.data, m = s.m.data, v = s.v.data
            let coupled = !decoupled && wd != 0
            // Every element is updated on its own, so splitting the elements over threads gives
            // the same bits for any thread count (the embedding alone is millions of elements).
            Parallel.forRanges(count: n, minimumPerTask: Adam.minimumElementsPerTask) { range in
                if decoupled && wd != 0 {
                    for i in range { w[i] *= decay }
                }
                // SIMD8 body and scalar tail run the same operations in the same order (IEEE
                // sqrt and division are exact per lane), so every element rounds the same either way.
                typealias V = SIMD8<Float>
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
    }

    /// Below this many elements per task a parameter is updated on one thread.
    static let minimumElementsPerTask = 1 << 15

    public func stateTensors(_ parameters: [Parameter]) -> [(name: String, values: [Float])] {
        var out: [(name: String, values: [Float])] = []
        for p in parameters where !p.frozen {
            let s = state(for: p)
            out.append((name: "adam.m.\(p.name)", values: s.m.array))
            out.append((name: "adam.v.\(p.name)", values: s.v.array))
        }
        return out
    }

    public func loadState(_ tensors: [String: [Float]], parameters: [Parameter]) throws {
        try Self.checkNoExtraState(tensors, prefixes: ["adam.m.", "adam.v."], parameters: parameters)
        for p in parameters where !p.frozen {
            let s = state(for: p)
            for (key, tensor) in [("adam.m.\(p.name)", s.m), ("adam.v.\(p.name)", s.v)] {
                guard let values = tensors[key] else { throw RNNError.input("optimizer state \(key) is missing") }
                try Self.restore(tensor, from: values, name: key)
            }
        }
    }
}
