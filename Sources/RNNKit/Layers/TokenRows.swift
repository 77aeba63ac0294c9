/// The distinct tokens of a batch, and for every real position the row it reads.
///
/// Why: the first encoder layer multiplies every position's embedding by W_ih, but a batch of
/// 128 Chinese titles (about 2,400 characters) holds only about 950 distinct characters. Projecting
/// the distinct rows once and letting each position read its row through its slot gives the same
/// forward values bitwise (matmul computes each row independently); in backward the gradients of the
/// positions that share a token are summed first, so dW_ih and the embedding gradient each
/// become one matmul over the distinct rows instead of over all positions (a different, fixed
/// summation order: deterministic, not bitwise the per-position sum).
public struct TokenRows {
    /// Distinct ids at real positions, in order of first occurrence (time-major).
    public let ids: [Int32]
    /// `[T * B]` time-major: index into `ids` of each position; -1 at padded positions.
    public let slots: [Int32]
    public let steps: Int
    public let batchSize: Int

    public var count: Int { ids.count }

    /// Ids must lie in `0..<vocabularySize` at real positions (padded ones are not read).
    public init(_ batch: Batch, vocabularySize: Int) {
        let t = batch.steps, b = batch.size
        var slotOfId = [Int32](repeating: -1, count: vocabularySize)
        var ids = [Int32]()
        var slots = [Int32](repeating: -1, count: t * b)
        let lengths = batch.lengths
        for s in 0..<t {
            for j in 0..<b where s < lengths[j] {
                let id = batch.ids[s * b + j]
                precondition(id >= 0 && Int(id) < vocabularySize, "token id \(id) outside the vocabulary")
                var slot = slotOfId[Int(id)]
                if slot < 0 {
                    slot = Int32(ids.count)
                    slotOfId[Int(id)] = slot
                    ids.append(id)
                }
                slots[s * b + j] = slot
            }
        }
        self.ids = ids
        self.slots = slots
        self.steps = t
        self.batchSize = b
    }

    /// rows[u] += x[p] for every real position p with slot u, positions in time-major order
    /// (so each sum is formed in the same order every time). `x` is `[T * B, width]`.
    func accumulate(_ x: UnsafePointer<Float>, width: Int, into rows: UnsafeMutablePointer<Float>) {
        slots.withUnsafeBufferPointer { slots in
            for p in 0..<slots.count where slots[p] >= 0 {
                Elementwise.add(x + p * width, into: rows + Int(slots[p]) * width, count: width)
            }
        }
    }
}
