/// Inverted dropout: in training each element is zeroed with probability p and the
/// survivors are scaled by 1/(1-p), so evaluation is the identity.
///
/// The mask is drawn from the `RandomSource` on the calling thread, one draw per
/// element in index order, so a seed fixes it. p = 1 drops everything (no division).
/// When it is the identity (evaluation, or p = 0), forward returns `x` itself and draws
/// nothing, and backward returns `dOutput` itself: callers must not write into them.
public struct Dropout {
    public let probability: Float

    public init(probability: Float) {
        precondition(probability >= 0 && probability <= 1, "dropout probability \(probability) outside [0, 1]")
        self.probability = probability
    }

    /// The scale per element (0 or 1/(1-p)); nil when forward was the identity.
    public struct Cache {
        public let mask: Tensor?
    }

    public func forward(_ x: Tensor, training: Bool, rng: inout RandomSource) -> (output: Tensor, cache: Cache) {
        guard training && probability > 0 else { return (x, Cache(mask: nil)) }
        let mask = Tensor(x.shape)
        let keep: Float = probability < 1 ? 1 / (1 - probability) : 0
        let m = mask.data
        for i in 0..<x.count { m[i] = rng.nextUnitFloat() < probability ? 0 : keep }
        let y = Tensor(x.shape)
        let src = x.data, dst = y.data
        for i in 0..<x.count { dst[i] = src[i] * m[i] }
        return (y, Cache(mask: mask))
    }

    /// dx = dy * mask (dy itself when forward was the identity).
    public func backward(_ dOutput: Tensor, cache: Cache) -> Tensor {
        guard let mask = cache.mask else { return dOutput }
        precondition(mask.count == dOutput.count, "dropout gradient shape \(dOutput.shape)")
        let dx = Tensor(dOutput.shape)
        let dy = dOutput.data, m = mask.data, out = dx.data
        for i in 0..<dOutput.count { out[i] = dy[i] * m[i] }
        return dx
    }
}
