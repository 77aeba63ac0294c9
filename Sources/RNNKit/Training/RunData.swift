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
    public static func load(config: RunConfig, vocabulary saved: Vocabulary? = nil, labelNames: [String]? = nil,
                            log: (String) -> Void) throws -> RunData {
        // A resumed run keeps the checkpoint's classes: a label they lack is an error, not a new class.
        let hasClassesFile = config.data.classes != nil
        var labels = try labelNames.map { try LabelSet(names: $0, isFixed: true, acceptsIndices: hasClassesFile) }
            ?? CorpusReader.initialLabels(for: config.data)
        let trainExamples = try CorpusReader.read(path: config.data.train, config: config.data, labels: &labels,
                                                  allowNewLabels: labelNames == nil && !labels.isFixed, log: log)
        if trainExamples.isEmpty {
            throw RNNError.input("no examples: the training file has no usable lines", file: config.data.train)
        }
        if labels.count < 2 {
            throw RNNError.input("the training data has only one class (\(labels.names.first ?? "?")): a classifier needs at least two",
                                 file: config.data.train)
        }
        let tokenizer = Tokenizer(config: config.tokenizer)
        let vocabulary = saved ?? Vocabulary.build(examples: trainExamples, tokenizer: tokenizer, config: config.vocab)
        let train = EncodedDataset(examples: trainExamples, tokenizer: tokenizer, vocabulary: vocabulary)
        var dev: EncodedDataset?
        if let devPath = config.data.dev {
            var fixed = try LabelSet(names: labels.names, isFixed: true, acceptsIndices: hasClassesFile)
            let devExamples = try CorpusReader.read(path: devPath, config: config.data, labels: &fixed,
                                                    allowNewLabels: false, log: log)
            if devExamples.isEmpty { throw RNNError.input("no examples: the dev file has no usable lines", file: devPath) }
            dev = EncodedDataset(examples: devExamples, tokenizer: tokenizer, vocabulary: vocabulary)
        }
        log("vocabulary: \(vocabulary.count) tokens (min_freq \(config.vocab.minFreq), max_size \(config.vocab.maxSize)), \(labels.count) classes")
        return RunData(labels: labels, tokenizer: tokenizer, vocabulary: vocabulary, train: train, dev: dev)
    }
}
