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
        let wd = weightDecay
        for p in parameters where !p.frozen {
            // The rate of this parameter (a discriminative fine-tuning group scales it).
            let lr = p.learningRateScale == 1 ? lr : lr * p.learningRateScale
            let decay: Float = 1 - lr * weightDecay
            let kernel = AdamKernel(beta1: beta1, beta2: beta2, eps: eps, learningRate: lr, step: stepCount,
                                    coupledDecay: decoupled ? 0 : wd)
            let s = state(for: p)
            let n = p.value.count
            let w = p.value.data, g = UnsafePointer(p.grad.data), m = s.m.data, v = s.v.data
            let decoupled = decoupled
            // Every element is updated on its own, so splitting the elements over threads gives
            // the same bits for any thread count (the embedding alone is millions of elements).
            Parallel.forRanges(count: n, minimumPerTask: Adam.minimumElementsPerTask) { range in
                if decoupled && wd != 0 {
                    for i in range { w[i] *= decay }
                }
                kernel.update(w: w, g: g, m: m, v: v, range: range)
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
