/// Order of examples into mini-batches, one epoch at a time.
///
/// The order of epoch k depends on (seed, k) alone, so a resumed run
/// regenerates it without replaying earlier epochs; only integer draws of
/// `RandomSource` are used, so it is the same on every machine.
///
/// Without buckets: shuffle all indices, cut into batches.
/// With buckets: shuffle all indices, then within each chunk of
/// `chunkBatches` (50) batches sort by length (ties keep the shuffled order),
/// cut the chunk into batches, and finally shuffle the order of all batches.
/// Batches then hold similar lengths (less padding) while their order and
/// make-up still change every epoch. Every example appears exactly once per
/// epoch; the last partial batch is kept. Within a batch, examples are ordered
/// by descending length (ties keep their order): the encoder then stops each
/// step at the last sequence still running (`SequenceMask.activeRows`).
public struct Batcher {
    public let lengths: [Int]
    public let batchSize: Int
    public let lengthBuckets: Bool
    public let seed: UInt64
    public static let chunkBatches = 50

    public init(lengths: [Int], batchSize: Int, lengthBuckets: Bool, seed: UInt64) {
        precondition(batchSize >= 1, "batch size must be >= 1")
        self.lengths = lengths
        self.batchSize = batchSize
        self.lengthBuckets = lengthBuckets
        self.seed = seed
    }

    /// The generator of one epoch, derived from the seed and epoch number only.
    public static func epochRandomSource(seed: UInt64, epoch: Int) -> RandomSource {
        RandomSource(seed: seed ^ ((UInt64(truncatingIfNeeded: epoch) &+ 1) &* 0xD1B5_4A32_D192_ED03))
    }

    /// Example indices per batch for `epoch` (any integer; usually 0-based).
    public func batches(epoch: Int) -> [[Int]] {
        var rng = Batcher.epochRandomSource(seed: seed, epoch: epoch)
        var order = Array(lengths.indices)
        rng.shuffle(&order)
        guard lengthBuckets else { return Batcher.cut(order, batchSize: batchSize).map(longestFirst) }
        var result: [[Int]] = []
        let chunk = batchSize * Batcher.chunkBatches
        var start = 0
        while start < order.count {
            let end = min(start + chunk, order.count)
            // Sort by (length, position in the shuffled order): a total order, so deterministic.
            let sorted = (start..<end).sorted { a, b in
                let la = lengths[order[a]], lb = lengths[order[b]]
                return la != lb ? la < lb : a < b
            }.map { order[$0] }
            result.append(contentsOf: Batcher.cut(sorted, batchSize: batchSize))
            start = end
        }
        rng.shuffle(&result)
        return result.map(longestFirst)
    }

    /// The batch's examples by descending length, ties in their given order.
    private func longestFirst(_ batch: [Int]) -> [Int] {
        batch.indices.sorted { a, b in
            let la = lengths[batch[a]], lb = lengths[batch[b]]
            return la != lb ? la > lb : a < b
        }.map { batch[$0] }
    }

    /// Batches for evaluation: no randomness, sorted by descending length to reduce padding
    /// (callers map each batch row back to its example through the returned index lists).
    public func evaluationBatches() -> [[Int]] {
        let sorted = lengths.indices.sorted { a, b in lengths[a] != lengths[b] ? lengths[a] > lengths[b] : a < b }
        return Batcher.cut(sorted, batchSize: batchSize)
    }

    static func cut(_ indices: [Int], batchSize: Int) -> [[Int]] {
        stride(from: 0, to: indices.count, by: batchSize).map { Array(indices[$0..<min($0 + batchSize, indices.count)]) }
    }
}
