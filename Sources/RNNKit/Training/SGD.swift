/// Stochastic gradient descent with optional momentum, Nesterov and weight decay, as PyTorch defines it.
///
///     g += wd*p                               (when weightDecay != 0)
///     buf = g at the first step, then buf = momentum*buf + g
///     p -= lr * buf                           (plain momentum)
///     p -= lr * (g + momentum*buf)            (Nesterov)
///
/// Without momentum, `p -= lr*g`. State tensors: `sgd.momentum.<name>` (only once a buffer exists).
public final class SGD: Optimizer {
    public let momentum: Float
    public let nesterov: Bool
    public let weightDecay: Float
    public var stepCount: Int = 0

    private var buffers: [String: Tensor] = [:]

    public init(momentum: Float = 0, nesterov: Bool = false, weightDecay: Float = 0) {
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
    }

    public func step(_ parameters: [Parameter], learningRate lr: Float) {
        stepCount += 1
        let mu = momentum, wd = weightDecay
        for p in parameters where !p.frozen {
            let lr = p.learningRateScale == 1 ? lr : lr * p.learningRateScale
            let n = p.value.count
            let w = p.value.data, g = p.grad.data
            if mu == 0 {
                for i in 0..<n {
                    let gi = wd != 0 ? g[i] + wd * w[i] : g[i]
                    w[i] -= lr * gi
                }
                continue
            }
            let buffer: Tensor
            var first = false
            if let b = buffers[p.name], b.count == n {
                buffer = b
            } else {
                buffer = Tensor(p.shape)
                buffers[p.name] = buffer
                first = true
            }
            let b = buffer.data
            for i in 0..<n {
                let gi = wd != 0 ? g[i] + wd * w[i] : g[i]
                let bi = first ? gi : mu * b[i] + gi
                b[i] = bi
                w[i] -= lr * (nesterov ? gi + mu * bi : bi)
            }
        }
    }

    public func stateTensors(_ parameters: [Parameter]) -> [(name: String, values: [Float])] {
        var out: [(name: String, values: [Float])] = []
        for p in parameters where !p.frozen {
            if let b = buffers[p.name] { out.append((name: "sgd.momentum.\(p.name)", values: b.array)) }
        }
        return out
    }

    /// Restores momentum buffers. A missing buffer is an error only when `stepCount > 0`
    /// and momentum is on (before the first step there are none).
    public func loadState(_ tensors: [String: [Float]], parameters: [Parameter]) throws {
        try Self.checkNoExtraState(tensors, prefixes: ["sgd.momentum."], parameters: parameters)
        buffers = [:]
        guard momentum != 0 else { return }
        for p in parameters where !p.frozen {
            let key = "sgd.momentum.\(p.name)"
            guard let values = tensors[key] else {
                if stepCount > 0 { throw RNNError.input("optimizer state \(key) is missing") }
                continue
            }
            let buffer = Tensor(p.shape)
            try Self.restore(buffer, from: values, name: key)
            buffers[p.name] = buffer
        }
    }
}
