import Foundation

/// Reads a corpus file straight into token ids: texts are tokenized as they
/// stream past and never held, so a run's memory is its token ids (about 4
/// bytes per kept token plus ~60 bytes per example), not its raw text.
enum CorpusEncoder {
    /// Encodes with a known vocabulary (dev files, resumed runs).
    static func encode(path: String, config: DataConfig, labels: inout LabelSet, allowNewLabels: Bool,
                       tokenizer: Tokenizer, vocabulary: Vocabulary, log: (String) -> Void) throws -> EncodedDataset {
        var sequences: [[Int32]] = [], classes: [Int] = [], lines: [Int] = [], sets: [[Int]] = []
        try CorpusReader.forEachExample(path: path, config: config, labels: &labels, allowNewLabels: allowNewLabels,
                                        log: log) { example in
            sequences.append(vocabulary.encode(tokenizer.tokens(example.text)))
            if config.multiLabel { sets.append(example.labelSet) } else { classes.append(example.label) }
            lines.append(example.line)
        }
        return EncodedDataset(sequences: sequences, labels: classes, lines: lines, labelSets: sets)
    }

    /// Reads the training file once, building its vocabulary on the way: every
    /// token of the whole text is counted (the vocabulary sees texts before
    /// truncation), the first `max_length` tokens are kept as provisional ids
    /// (first-seen order), and once the counts are complete the provisional ids
    /// are mapped to the vocabulary's. Same vocabulary and ids as
    /// `Vocabulary.build(examples:)` followed by `EncodedDataset(examples:)`,
    /// since the truncated tokens are a prefix of the whole text's.
    static func encodeBuildingVocabulary(path: String, config: DataConfig, labels: inout LabelSet, allowNewLabels: Bool,
                                         tokenizer: Tokenizer, vocab: VocabConfig,
                                         log: (String) -> Void) throws -> (EncodedDataset, Vocabulary) {
        var provisionalId: [String: Int32] = [:]
        var tokenNames: [String] = []
        var tokenCounts: [Int] = []
        var total = 0
        let maxLength = tokenizer.config.maxLength
        var sequences: [[Int32]] = [], classes: [Int] = [], lines: [Int] = [], sets: [[Int]] = []
        try CorpusReader.forEachExample(path: path, config: config, labels: &labels, allowNewLabels: allowNewLabels,
                                        log: log) { example in
            let tokens = tokenizer.tokens(example.text, truncate: false)
            total += tokens.count
            var ids: [Int32] = []
            ids.reserveCapacity(min(tokens.count, maxLength))
            for (position, token) in tokens.enumerated() {
                let id: Int32
                if let known = provisionalId[token] {
                    id = known
                    tokenCounts[Int(id)] += 1
                } else {
                    guard tokenNames.count < Int(Int32.max) else {
                        throw RNNError.input("more than \(Int32.max) distinct tokens", file: path, line: example.line)
                    }
                    id = Int32(tokenNames.count)
                    provisionalId[token] = id
                    tokenNames.append(token)
                    tokenCounts.append(1)
                }
                if position < maxLength { ids.append(id) }
            }
            sequences.append(ids)
            if config.multiLabel { sets.append(example.labelSet) } else { classes.append(example.label) }
            lines.append(example.line)
        }
        provisionalId = [:]
        let vocabulary = Vocabulary.build(counts: Dictionary(uniqueKeysWithValues: zip(tokenNames, tokenCounts)),
                                          totalOccurrences: total, minFreq: vocab.minFreq, maxSize: vocab.maxSize)
        let finalId = tokenNames.map { vocabulary.id(of: $0) }
        for i in sequences.indices {
            sequences[i].withUnsafeMutableBufferPointer { ids in
                for j in ids.indices { ids[j] = finalId[Int(ids[j])] }
            }
        }
        return (EncodedDataset(sequences: sequences, labels: classes, lines: lines, labelSets: sets), vocabulary)
    }

    /// Approximate heap bytes of an encoded dataset: per example the id array's
    /// storage (32-byte header, ids rounded up to 16 bytes) and three 8-byte
    /// slots (sequence reference, label, line).
    static func approximateBytes(_ dataset: EncodedDataset) -> Int {
        var bytes = 24 * dataset.count
        for s in dataset.sequences where !s.isEmpty { bytes += 32 + (s.count * 4 + 15) / 16 * 16 }
        return bytes
    }
}
