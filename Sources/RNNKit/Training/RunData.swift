import Foundation

/// Text turned into what training needs: labels, tokenizer, vocabulary and
/// encoded train/dev sets. Built from a config (a new run) or from a
/// checkpoint's vocabulary and labels (a resumed run), so both read the data
/// the same way.
public struct RunData {
    public let labels: LabelSet
    public let tokenizer: Tokenizer
    public let vocabulary: Vocabulary
    public let train: EncodedDataset
    public let dev: EncodedDataset?

    /// Reads train (and dev) as the config says. With `vocabulary` and
    /// `labelNames` from a checkpoint, the vocabulary is not rebuilt and the
    /// label order is the checkpoint's.
    /// `firstLabels` (a model to start from): the classes in that order first, new ones after.
    public static func load(config: RunConfig, vocabulary saved: Vocabulary? = nil, labelNames: [String]? = nil,
                            firstLabels: [String]? = nil, log: (String) -> Void) throws -> RunData {
        // A resumed run keeps the checkpoint's classes: a label they lack is an error, not a new class.
        let hasClassesFile = config.data.classes != nil
        var labels = try labelNames.map { try LabelSet(names: $0, isFixed: true, acceptsIndices: hasClassesFile) }
            ?? firstLabels.flatMap { hasClassesFile || $0.isEmpty ? nil : try LabelSet(names: $0, isFixed: false) }
            ?? CorpusReader.initialLabels(for: config.data)
        // Texts are encoded as they are read and never kept (see CorpusEncoder).
        let tokenizer = Tokenizer(config: config.tokenizer)
        let train: EncodedDataset
        let vocabulary: Vocabulary
        if let saved {
            vocabulary = saved
            train = try CorpusEncoder.encode(path: config.data.train, config: config.data, labels: &labels,
                                             allowNewLabels: labelNames == nil && !labels.isFixed, tokenizer: tokenizer, vocabulary: saved, log: log)
        } else {
            (train, vocabulary) = try CorpusEncoder.encodeBuildingVocabulary(
                path: config.data.train, config: config.data, labels: &labels, allowNewLabels: labelNames == nil && !labels.isFixed,
                tokenizer: tokenizer, vocab: config.vocab, log: log)
        }
        if train.count == 0 {
            throw RNNError.input("no examples: the training file has no usable lines", file: config.data.train)
        }
        if labels.count < 2 {
            throw RNNError.input("the training data has only one class (\(labels.names.first ?? "?")): a classifier needs at least two",
                                 file: config.data.train)
        }
        var dev: EncodedDataset?
        if let devPath = config.data.dev {
            var fixed = try LabelSet(names: labels.names, isFixed: true, acceptsIndices: hasClassesFile)
            let devSet = try CorpusEncoder.encode(path: devPath, config: config.data, labels: &fixed, allowNewLabels: false,
                                                  tokenizer: tokenizer, vocabulary: vocabulary, log: log)
            if devSet.count == 0 { throw RNNError.input("no examples: the dev file has no usable lines", file: devPath) }
            dev = devSet
        }
        let held = [train] + (dev.map { [$0] } ?? [])
        let tokenIds = held.reduce(0) { $0 + $1.sequences.reduce(0) { $0 + $1.count } }
        let bytes = held.reduce(0) { $0 + CorpusEncoder.approximateBytes($1) }
        log("data in memory: \(held.reduce(0) { $0 + $1.count }) examples as \(tokenIds) token ids, about "
            + String(format: "%.1f MiB", Double(bytes) / 1_048_576) + " (texts are not kept)")
        log("vocabulary: \(vocabulary.count) tokens (min_freq \(config.vocab.minFreq), max_size \(config.vocab.maxSize)), \(labels.count) classes")
        warnAboutUnknownTokens(vocabulary: vocabulary, dev: dev, config: config, log: log)
        return RunData(labels: labels, tokenizer: tokenizer, vocabulary: vocabulary, train: train, dev: dev)
    }

    /// Warnings for data the model cannot learn from: a vocabulary of only `<pad>`/`<unk>`
    /// (every text reads as unknown tokens), or a dev set whose tokens are all unknown
    /// (dev scores then say nothing about the texts).
    static func warnAboutUnknownTokens(vocabulary: Vocabulary, dev: EncodedDataset?, config: RunConfig, log: (String) -> Void) {
        if vocabulary.count <= 2 {
            log("warning: the vocabulary holds only \(Vocabulary.padToken) and \(Vocabulary.unkToken): every token of every text "
                + "is unknown, so the model can learn nothing from the words (check vocab.min_freq \(config.vocab.minFreq), "
                + "vocab.max_size \(config.vocab.maxSize) and the tokenizer)")
            return
        }
        guard let dev, let devPath = config.data.dev else { return }
        var tokens = 0, unknown = 0
        for sequence in dev.sequences {
            tokens += sequence.count
            for id in sequence where id == vocabulary.unkId { unknown += 1 }
        }
        if tokens > 0 && unknown == tokens {
            log("\((devPath as NSString).lastPathComponent): warning: all \(tokens) tokens of the dev set are out of the vocabulary "
                + "(\(Vocabulary.unkToken)): dev scores will not reflect the texts (is it the same language, format and tokenizer as train?)")
        }
    }
}
