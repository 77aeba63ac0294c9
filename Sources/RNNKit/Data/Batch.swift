/// One mini-batch of token ids, time-major and padded, with its mask and labels.
public struct Batch {
    /// T: the longest sequence in the batch.
    public let steps: Int
    /// B: number of sequences.
    public let size: Int
    /// `[T * B]`, time-major: `ids[t * size + b]`; padded positions hold the pad id.
    public let ids: [Int32]
    public let mask: SequenceMask
    /// Class index per sequence; -1 when unknown (prediction).
    public let labels: [Int]
    /// Index of each sequence in its dataset, to restore order or look it up.
    public let exampleIndices: [Int]

    public init(ids: [Int32], lengths: [Int], steps: Int, labels: [Int], exampleIndices: [Int]) {
        precondition(ids.count == steps * lengths.count)
        precondition(labels.count == lengths.count && exampleIndices.count == lengths.count)
        self.steps = steps
        self.size = lengths.count
        self.ids = ids
        self.mask = SequenceMask(lengths: lengths, steps: steps)
        self.labels = labels
        self.exampleIndices = exampleIndices
    }

    public var lengths: [Int] { mask.lengths }

    /// Builds a batch from token-id sequences, padding to the longest.
    public init(sequences: [[Int32]], labels: [Int], exampleIndices: [Int], padId: Int32) {
        let lengths = sequences.map(\.count)
        let t = lengths.max() ?? 0
        let b = sequences.count
        var ids = [Int32](repeating: padId, count: t * b)
        for (j, seq) in sequences.enumerated() {
            for (s, id) in seq.enumerated() { ids[s * b + j] = id }
        }
        self.init(ids: ids, lengths: lengths, steps: t, labels: labels, exampleIndices: exampleIndices)
    }
}
