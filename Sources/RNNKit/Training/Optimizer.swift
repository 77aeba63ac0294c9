/// Updates parameters from their gradients.
///
/// An optimizer keeps its per-parameter state (moments, momentum buffers) by
/// parameter name, allocated on the first step and reused afterwards, so a
/// step never allocates. Frozen parameters are skipped and get no state.
/// State is Float32 and every update is an elementwise loop in a fixed order,
/// so a step is deterministic.
public protocol Optimizer: AnyObject {
    /// One update of every non-frozen parameter from its grad, with learning rate `learningRate`.
    func step(_ parameters: [Parameter], learningRate: Float)
    /// State for checkpoints: named tensors (`adam.m.lstm.weight_ih_l0`), in parameter order.
    /// The step count is saved separately, as a scalar (`stepCount`).
    func stateTensors(_ parameters: [Parameter]) -> [(name: String, values: [Float])]
    /// Number of steps taken (Adam's bias correction uses it).
    var stepCount: Int { get set }
    /// Restores state saved by `stateTensors`. Keys that do not start with this
    /// optimizer's prefix are ignored, so a checkpoint's whole tensor table can be
    /// passed. Throws `RNNError.input` naming a missing, extra or mis-sized tensor.
    func loadState(_ tensors: [String: [Float]], parameters: [Parameter]) throws
}

/// The optimizer a run's training section names.
public enum Optimizers {
    public static func make(_ t: TrainingConfig) -> Optimizer {
        switch t.optimizer {
        case .adam, .adamw:
            return Adam(beta1: Float(t.beta1), beta2: Float(t.beta2), eps: Float(t.eps), weightDecay: Float(t.weightDecay),
                        decoupled: t.optimizer == .adamw)
        case .sgd:
            return SGD(momentum: Float(t.momentum), nesterov: t.nesterov, weightDecay: Float(t.weightDecay))
        }
    }
}

extension Optimizer {
    /// Helper for `loadState`: copies `values` into `tensor` after checking the size.
    static func restore(_ tensor: Tensor, from values: [Float], name: String) throws {
        guard values.count == tensor.count else {
            throw RNNError.input("optimizer state \(name) has \(values.count) values, expected \(tensor.count)")
        }
        guard tensor.count > 0 else { return }
        values.withUnsafeBufferPointer { tensor.data.update(from: $0.baseAddress!, count: tensor.count) }
    }

    /// Rejects state tensors with this optimizer's prefix that name no trainable parameter.
    static func checkNoExtraState(_ tensors: [String: [Float]], prefixes: [String], parameters: [Parameter]) throws {
        let trainable = Set(parameters.filter { !$0.frozen }.map(\.name))
        for key in tensors.keys.sorted() {
            for prefix in prefixes where key.hasPrefix(prefix) {
                let parameterName = String(key.dropFirst(prefix.count))
                if !trainable.contains(parameterName) {
                    throw RNNError.input("optimizer state \(key) names no trainable parameter")
                }
            }
        }
    }
}
