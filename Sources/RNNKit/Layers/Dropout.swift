/// Inverted dropout: in training each element is zeroed with probability p and the survivors
/// are scaled by 1/(1-p), so evaluation (an inference plan, which has no dropout) is the identity.
///
/// The mask is drawn from the `RandomSource` on the calling thread, one draw per element in
/// index order, so a seed fixes it. p = 1 drops everything (no division). Buffers come from the
/// caller's workspace; with p = 0 nothing is drawn and the output is the input copied.
public struct Dropout {
    public let probability: Float

    public init(probability: Float) {
        precondition(probability >= 0 && probability <= 1, "dropout probability \(probability) outside [0, 1]")
        self.probability = probability
    }

    /// y = x * mask with mask[i] in {0, 1/(1-p)}; `mask` and `output` are resized to x's shape.
    public func forward(_ x: Tensor, mask: Tensor, into output: Tensor, rng: inout RandomSource) {
        mask.resize(x.shape)
        output.resize(x.shape)
        let n = x.count, m = mask.data, src = x.data, dst = output.data
        guard probability > 0 else {
            m.update(repeating: 1, count: n)
            dst.update(from: src, count: n)
            return
        }
        let keep: Float = probability < 1 ? 1 / (1 - probability) : 0
        for i in 0..<n { m[i] = rng.nextUnitFloat() < probability ? 0 : keep }
        for i in 0..<n { dst[i] = src[i] * m[i] }
    }

    /// y = x * mask with a given mask (e.g. one that folds in a locked mask, `LockedDropout.fold`).
    static func apply(_ mask: Tensor, to x: Tensor, into output: Tensor) {
        precondition(mask.count == x.count, "dropout mask \(mask.shape) for \(x.shape)")
        output.resize(x.shape)
        let m = mask.data, src = x.data, dst = output.data
        for i in 0..<x.count { dst[i] = src[i] * m[i] }
    }

    /// dx = dy * mask (`dInput` may be `dOutput` itself: updated in place).
    public func backward(_ dOutput: Tensor, mask: Tensor, into dInput: Tensor) {
        precondition(mask.count == dOutput.count, "dropout gradient shape \(dOutput.shape)")
        dInput.resize(dOutput.shape)
        let dy = dOutput.data, m = mask.data, dx = dInput.data
        for i in 0..<dOutput.count { dx[i] = dy[i] * m[i] }
    }
}
