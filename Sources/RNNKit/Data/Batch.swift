/// One mini-batch of token ids, time-major and padded, with its mask and (when labelled) labels.
public struct Batch {
    /// T: the longest sequence in the batch.
    public let steps: Int
    /// B: number of sequences.
    public let size: Int
    /// `[T * B]`, time-major: `ids[t * size + b]`; padded positions hold the pad id.
    public let ids: [Int32]
    public let mask: SequenceMask
    /// Class index per sequence; empty for unlabelled text (prediction).
    public let labels: [Int]
    /// Label ids per sequence for multi-label data (`labels` is then empty); else empty.
    public let targets: [[Int]]
    /// Taggers: the tag id of every position `[T * B]` time-major, -1 at padded positions (and,
    /// in scoring, for a gold tag the model does not know); empty otherwise.
    public var tokenTags: [Int32] = []
    /// Taggers with character features: the hashed n-gram rows of every position `[T * B]`
    /// (empty bags at padded positions); empty otherwise.
    public var tokenNgrams = RaggedRows()

    public init(ids: [Int32], lengths: [Int], steps: Int, labels: [Int] = [], targets: [[Int]] = []) {
        precondition(ids.count == steps * lengths.count, "\(ids.count) ids for \(steps) steps of \(lengths.count) sequences")
        precondition(labels.isEmpty || labels.count == lengths.count, "\(labels.count) labels for \(lengths.count) sequences")
        precondition(targets.isEmpty || targets.count == lengths.count, "\(targets.count) label sets for \(lengths.count) sequences")
        self.steps = steps
        self.size = lengths.count
        self.ids = ids
        self.mask = SequenceMask(lengths: lengths, steps: steps)
        self.labels = labels
        self.targets = targets
    }

    public var lengths: [Int] { mask.lengths }

    /// Builds a batch from token-id sequences, padding to the longest.
    public init(sequences: [[Int32]], labels: [Int] = [], targets: [[Int]] = [], padId: Int32) {
        let lengths = sequences.map(\.count)
        let t = lengths.max() ?? 0
        let b = sequences.count
        var ids = [Int32](repeating: padId, count: t * b)
        ids.withUnsafeMutableBufferPointer { out in
            for (j, seq) in sequences.enumerated() {
                for (s, id) in seq.enumerated() { out[s * b + j] = id }
            }
        }
        self.init(ids: ids, lengths: lengths, steps: t, labels: labels, targets: targets)
    }
}
