/// Dropout of whole token types (Merity et al. 2017, `embedded_dropout`; Gal & Ghahramani 2016):
/// every row of the embedding that a batch reads is kept or zeroed as a whole, the survivors
/// scaled by 1/(1-p), so a word dropped in a batch is dropped at each of its positions.
///
/// Why on the distinct rows: the model already reads a batch's distinct tokens once
/// (`TokenRows`), so one draw per row is exactly AWD-LSTM's mask over the table's rows restricted
/// to the rows the batch uses. Draws: one per distinct token, in `TokenRows.ids` order (first
/// occurrence, time-major), from the training `RandomSource`.
public struct EmbeddingDropout {
    public let probability: Float

    public init(probability: Float) {
        precondition(probability >= 0 && probability < 1, "embedding dropout probability \(probability) outside [0, 1)")
        self.probability = probability
    }

    /// out[u] = rows[u] * mask[u] with `mask` `[U]` drawn here, elements in {0, 1/(1-p)}.
    public func forward(_ rows: Tensor, mask: Tensor, into output: Tensor, rng: inout RandomSource) {
        let u = rows.shape[0], e = rows.count / max(u, 1)
        mask.resize([u])
        let keep: Float = 1 / (1 - probability), m = mask.data
        for i in 0..<u { m[i] = rng.nextUnitFloat() < probability ? 0 : keep }
        Self.scaleRows(rows, by: mask, width: e, into: output)
    }

    /// dRows[u] = dOut[u] * mask[u] (`dInput` may be `dOutput`).
    public static func backward(_ dOutput: Tensor, mask: Tensor, into dInput: Tensor) {
        scaleRows(dOutput, by: mask, width: dOutput.count / max(mask.count, 1), into: dInput)
    }

    private static func scaleRows(_ x: Tensor, by mask: Tensor, width e: Int, into y: Tensor) {
        precondition(x.count == mask.count * e, "embedding dropout: rows \(x.shape), mask \(mask.shape)")
        y.resize(x.shape)
        let src = x.data, dst = y.data, m = mask.data
        for u in 0..<mask.count {
            for j in 0..<e { dst[u * e + j] = src[u * e + j] * m[u] }
        }
    }
}

/// Token dropout (word dropout to `<unk>`, Bowman et al. 2016; one of AWD-LSTM's neighbours): each
/// real position of a training batch reads `<unk>` instead of its token with probability p, so
/// the model learns to classify without any single word and `<unk>`'s row learns from real
/// contexts (dev and test texts hold words the vocabulary lacks). The input changes, nothing
/// is differentiated: no backward.
public enum TokenDropout {
    /// The batch with ids replaced; one draw per real position in time-major order (padded ones
    /// draw nothing, so padding does not shift the draws).
    public static func apply(_ batch: Batch, probability p: Float, unknownId: Int32, rng: inout RandomSource) -> Batch {
        var ids = batch.ids
        let b = batch.size, lengths = batch.lengths
        for t in 0..<batch.steps {
            for j in 0..<b where t < lengths[j] {
                if rng.nextUnitFloat() < p { ids[t * b + j] = unknownId }
            }
        }
        return Batch(ids: ids, lengths: lengths, steps: batch.steps, labels: batch.labels)
    }
}
