/// The distinct tokens of a batch, and for every real position the row it reads.
///
/// Why: the first encoder layer multiplies every position's embedding by W_ih, but a batch of
/// 128 Chinese titles (about 2,400 characters) holds only about 950 distinct characters. Projecting
/// the distinct rows once and letting each position read its row through its slot gives the same
/// forward values bitwise (matmul computes each row independently); in backward the gradients of the
/// positions that share a token are summed first, so dW_ih and the embedding gradient each
/// become one matmul over the distinct rows instead of over all positions (a different, fixed
/// summation order: deterministic, not bitwise the per-position sum).
///
/// A class that a workspace keeps and `rebuild`s for each batch: its arrays keep their capacity.
public final class TokenRows {
    /// Distinct ids at real positions, in order of first occurrence (time-major).
    public private(set) var ids: [Int32] = []
    /// `[T * B]` time-major: index into `ids` of each position; -1 at padded positions.
    public private(set) var slots: [Int32] = []
    public private(set) var steps = 0
    public private(set) var batchSize = 0
    /// Scratch: the slot of each vocabulary id, -1 when unseen (reset after each rebuild).
    private var slotOfId: [Int32] = []

    public var count: Int { ids.count }

    public init() {}

    /// Ids must lie in `0..<vocabularySize` at real positions (padded ones are not read).
    public convenience init(_ batch: Batch, vocabularySize: Int) {
        self.init()
        rebuild(batch, vocabularySize: vocabularySize)
    }

    public func rebuild(_ batch: Batch, vocabularySize: Int) {
        let t = batch.steps, b = batch.size
        if slotOfId.count < vocabularySize { slotOfId = [Int32](repeating: -1, count: vocabularySize) }
        ids.removeAll(keepingCapacity: true)
        slots.removeAll(keepingCapacity: true)
        slots.append(contentsOf: repeatElement(-1, count: t * b))
        steps = t
        batchSize = b
        batch.lengths.withUnsafeBufferPointer { lengths in
            batch.ids.withUnsafeBufferPointer { batchIds in
                slotOfId.withUnsafeMutableBufferPointer { slotOf in
                    slots.withUnsafeMutableBufferPointer { slots in
                        for s in 0..<t {
                            for j in 0..<b where s < lengths[j] {
                                let id = batchIds[s * b + j]
                                precondition(id >= 0 && Int(id) < vocabularySize, "token id \(id) outside the vocabulary")
                                var slot = slotOf[Int(id)]
                                if slot < 0 {
                                    slot = Int32(ids.count)
                                    slotOf[Int(id)] = slot
                                    ids.append(id)
                                }
                                slots[s * b + j] = slot
                            }
                        }
                        for id in ids { slotOf[Int(id)] = -1 }
                    }
                }
            }
        }
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

    /// x[p] = rows[slot of p] for real positions, zero at padded ones: the per-position tensor
    /// `[T * B, width]` the slots describe.
    func gather(_ rows: UnsafePointer<Float>, width: Int, into x: UnsafeMutablePointer<Float>) {
        slots.withUnsafeBufferPointer { slots in
            for p in 0..<slots.count {
                let row = x + p * width
                if slots[p] < 0 { row.update(repeating: 0, count: width) } else {
                    row.update(from: rows + Int(slots[p]) * width, count: width)
                }
            }
        }
    }
}
