/// A trainable tensor and its gradient, registered by name.
///
/// Names follow PyTorch's `named_parameters()` (`lstm.weight_ih_l0`,
/// `lstm.weight_hh_l1_reverse`, `fc.bias`) so weights can be exchanged.
/// Gradients accumulate (`+=`) in backward and are zeroed explicitly. The gradient is allocated
/// (zero-filled) on first use: a model loaded only to predict never pays for it, which halves its
/// memory. Training touches every gradient in `zeroGrads` on the calling thread before any
/// parallel work, so the first use is never concurrent.
public final class Parameter {
    public let name: String
    public let value: Tensor
    public private(set) lazy var grad = Tensor(value.shape)
    /// A frozen parameter gets no gradient and is skipped by optimizers.
    public var frozen: Bool
    /// This parameter's rate is the step's rate times this (ULMFiT discriminative fine-tuning,
    /// `training.discriminative_lr`); 1 for everything else.
    public var learningRateScale: Float = 1

    public init(name: String, shape: [Int], frozen: Bool = false) {
        self.name = name
        self.value = Tensor(shape)
        self.frozen = frozen
    }

    public var shape: [Int] { value.shape }

    public func zeroGrad() { grad.zero() }
}

/// Anything that owns parameters, in a fixed order.
public protocol ParameterOwner: AnyObject {
    var parameters: [Parameter] { get }
}

extension Array where Element == Parameter {
    public func zeroGrads() { for p in self { p.zeroGrad() } }
}
