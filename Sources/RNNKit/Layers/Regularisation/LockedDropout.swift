/// Locked (variational) dropout (Gal & Ghahramani 2016; Merity et al. 2017): one inverted-dropout
/// mask per sequence, shared by all its steps, on a time-major `[T, B, W]` tensor.
///
/// Why: element-wise dropout on a recurrent layer's input or output draws a new mask at every
/// step, which the recurrence averages away; one mask per sequence drops the same units all
/// along it, which regularises the recurrence (AWD-LSTM's `dropouti`/`dropouth`/`dropout`).
///
/// The mask is `[B, W]`, drawn from the training `RandomSource` one element at a time in index
/// order (B*W draws whatever T is, so padding does not shift later draws). Padded steps are zero
/// in the recurrent tensors and stay zero.
public struct LockedDropout {
    public let probability: Float

    public init(probability: Float) {
        precondition(probability >= 0 && probability < 1, "locked dropout probability \(probability) outside [0, 1)")
        self.probability = probability
    }

    /// Draws `mask` `[B, W]` with elements in {0, 1/(1-p)}.
    public func drawMask(batchSize b: Int, width w: Int, into mask: Tensor, rng: inout RandomSource) {
        mask.resize([b, w])
        let keep: Float = 1 / (1 - probability), m = mask.data
        for i in 0..<b * w { m[i] = rng.nextUnitFloat() < probability ? 0 : keep }
    }

    /// y[t, b, :] = x[t, b, :] * mask[b, :] (`output` may be `x`: in place).
    public static func forward(_ x: Tensor, mask: Tensor, into output: Tensor) {
        precondition(x.shape.count == 3 && mask.count == x.shape[1] * x.shape[2], "locked dropout: x \(x.shape), mask \(mask.shape)")
        output.resize(x.shape)
        let rows = x.shape[0], width = mask.count, src = x.data, dst = output.data, m = mask.data
        for t in 0..<rows {
            let offset = t * width
            for i in 0..<width { dst[offset + i] = src[offset + i] * m[i] }
        }
    }

    /// dx[t, b, :] = dy[t, b, :] * mask[b, :]: the same product (the op is linear and diagonal).
    public static func backward(_ dOutput: Tensor, mask: Tensor, into dInput: Tensor) {
        forward(dOutput, mask: mask, into: dInput)
    }

    /// mask[t*B + b, :] *= lock[b, :] for every step: folds a per-sequence mask into a per-element
    /// one `[T*B, W]`, so a layer that already keeps an element mask applies both with one product.
    static func fold(_ lock: Tensor, into mask: Tensor) {
        let width = lock.count, m = mask.data, l = lock.data
        precondition(width > 0 && mask.count % width == 0, "locked dropout: mask \(mask.shape), lock \(lock.shape)")
        for t in 0..<mask.count / width {
            let offset = t * width
            for i in 0..<width { m[offset + i] *= l[i] }
        }
    }
}
