/// Examples turned into token ids: what the batcher and the model consume.
public struct EncodedDataset {
    public var sequences: [[Int32]]
    /// Class per example; empty for unlabelled text (prediction).
    public var labels: [Int]
    /// Source line per example.
    public var lines: [Int]
    /// Multi-label data: the label ids of each example (then `labels` is empty); else empty.
    public var labelSets: [[Int]]

    public init(sequences: [[Int32]], labels: [Int], lines: [Int], labelSets: [[Int]] = []) {
        precondition((labels.isEmpty || sequences.count == labels.count) && sequences.count == lines.count)
        precondition(labelSets.isEmpty || (labels.isEmpty && labelSets.count == sequences.count))
        self.sequences = sequences
        self.labels = labels
        self.lines = lines
        self.labelSets = labelSets
    }

    /// Tokenizes (with truncation) and encodes. A sequence is empty only when its
    /// text has no token (e.g. only spaces with keep_spaces false); the readers
    /// already skip empty texts, so this mainly happens in prediction.
    public init(examples: [Example], tokenizer: Tokenizer, vocabulary: Vocabulary) {
        let multiLabel = examples.contains { !$0.labelSet.isEmpty }
        self.init(sequences: examples.map { vocabulary.encode(tokenizer.tokens($0.text)) },
                  labels: multiLabel ? [] : examples.map(\.label), lines: examples.map(\.line),
                  labelSets: multiLabel ? examples.map(\.labelSet) : [])
    }

    /// Unlabelled texts (prediction): no labels, lines count from 1.
    public init(texts: [String], tokenizer: Tokenizer, vocabulary: Vocabulary) {
        self.init(sequences: texts.map { vocabulary.encode(tokenizer.tokens($0)) },
                  labels: [], lines: texts.indices.map { $0 + 1 })
    }

    public var isLabelled: Bool { !labels.isEmpty || !labelSets.isEmpty || sequences.isEmpty }

    public var count: Int { sequences.count }
    public var lengths: [Int] { sequences.map(\.count) }

    /// A padded, time-major batch of the given examples, in the given order.
    public func batch(_ indices: [Int], padId: Int32) -> Batch {
        Batch(sequences: indices.map { sequences[$0] }, labels: labels.isEmpty ? [] : indices.map { labels[$0] },
              targets: labelSets.isEmpty ? [] : indices.map { labelSets[$0] }, padId: padId)
    }
}
