import Foundation

/// A model with everything needed to read text: what a checkpoint holds, loaded.
///
/// `rnn-eval` and `rnn-predict` need nothing but this; `rnn-train --resume`
/// also takes the optimizer and progress state from the same file.
public struct TrainedModel {
    public let config: RunConfig
    public let tokenizer: Tokenizer
    public let vocabulary: Vocabulary
    public let labels: [String]
    public let model: TextClassifier
    /// Multi-label models (`config.data.multiLabel`): the decision threshold, one for every label
    /// or one per label (tuned on dev); empty for single-label models.
    public let thresholds: [Float]

    /// Metadata keys of the checkpoints this tool writes.
    enum Key {
        static let format = "format"
        static let config = "config"
        static let progress = "progress"
        static let optimizer = "optimizer"
        static let role = "role"
        /// Multi-label thresholds, `Float` descriptions joined by commas (they read back exactly).
        static let thresholds = "thresholds"
    }
    static let formatName = "rnn-text-classifier"

    public init(config: RunConfig, tokenizer: Tokenizer, vocabulary: Vocabulary, labels: [String], model: TextClassifier,
                thresholds: [Float] = []) {
        self.config = config
        self.tokenizer = tokenizer
        self.vocabulary = vocabulary
        self.labels = labels
        self.model = model
        self.thresholds = thresholds
    }

    public var isMultiLabel: Bool { config.data.multiLabel }

    /// Reads and validates a checkpoint, then rebuilds the model from it.
    public static func load(checkpoint path: String) throws -> (TrainedModel, Checkpoint) {
        let checkpoint = try readFile(path)
        return (try load(checkpoint, path: path), checkpoint)
    }

    /// The checkpoint file (or export folder) at `path`, not yet interpreted.
    public static func readFile(_ path: String) throws -> Checkpoint {
        // An export folder (rnn-export) holds a checkpoint's model part: read it as one.
        ExportFolder.isFolder(path) ? try ExportFolder.read(from: path) : try Checkpoint.read(from: path)
    }

    /// The text classifier of a checkpoint already read from `path`.
    public static func load(_ checkpoint: Checkpoint, path: String) throws -> TrainedModel {
        let meta = checkpoint.metadata
        if meta.values[Key.format] == TrainedTagger.formatName {
            throw RNNError.input("this checkpoint is a token tagger (model.kind \"tagger\"), not a text classifier: "
                                 + "this command reads text classifiers only", file: path)
        }
        if meta.values[Key.format] == LanguageModelTask.formatName {
            throw RNNError.input("this is a language model (task \"language_model\"): it predicts tokens, not labels; "
                                 + "fine-tune a classifier from it with model.init_from", file: path)
        }
        guard meta.values[Key.format] == formatName, let configText = meta.values[Key.config] else {
            throw RNNError.input("this checkpoint was not written by rnn-train (no model description in its header)", file: path)
        }
        let config: RunConfig
        do {
            config = try RunConfig.parse(json: configText, path: path, checkFiles: false)
        } catch let error as RNNError {
            throw RNNError.input("the config stored in this checkpoint is invalid: \(error.message)", file: path, field: error.field)
        }
        let vocabulary: Vocabulary
        do { vocabulary = try Vocabulary(tokens: meta.vocabulary) } catch let error as RNNError {
            throw RNNError.input("the vocabulary stored in this checkpoint is invalid: \(error.message)", file: path)
        }
        guard meta.labels.count >= 2, Set(meta.labels).count == meta.labels.count else {
            throw RNNError.input("the label names stored in this checkpoint are invalid", file: path)
        }
        let spec = ModelSpec(config: config, vocabularySize: vocabulary.count, classCount: meta.labels.count,
                             padId: Int(vocabulary.padId))
        do { try spec.validate() } catch let error as RNNError {
            throw RNNError.input("the model stored in this checkpoint is invalid: \(error.message)", file: path, field: error.field)
        }
        // The header's model must be paid for by the file's data before it is allocated.
        let stored = checkpoint.tensors.reduce(0) { $0 + $1.values.count }
        guard stored >= spec.weightCountLowerBound else {
            throw RNNError.input("checkpoint does not fit the model its header describes: \(stored) floats of data, "
                                 + "the model needs at least \(spec.weightCountLowerBound)", file: path)
        }
        let model = TextClassifier.forLoading(spec: spec, tokens: vocabulary.tokens)
        do { try checkpoint.load(into: model.parameters, tables: model.sparseTables) } catch let error as RNNError {
            throw RNNError.input(error.message, file: path)
        }
        let thresholds = try config.data.multiLabel ? storedThresholds(meta, labelCount: meta.labels.count, path: path) : []
        return TrainedModel(config: config, tokenizer: Tokenizer(config: config.tokenizer),
                            vocabulary: vocabulary, labels: meta.labels, model: model, thresholds: thresholds)
    }

    /// The checkpoint of this model: its weights, config, vocabulary and labels.
    func checkpoint() -> Checkpoint {
        var values: [String: String] = [Key.format: Self.formatName, Key.config: config.resolvedJSON()]
        if isMultiLabel { values[Key.thresholds] = thresholds.map { String($0) }.joined(separator: ",") }
        return Checkpoint(metadata: CheckpointMetadata(values: values, vocabulary: vocabulary.tokens, labels: labels),
                          tensors: Checkpoint.tensors(from: model.parameters) + Checkpoint.tensors(from: model.sparseTables))
    }

    /// A multi-label checkpoint's thresholds: one, or one per label, each in (0, 1).
    static func storedThresholds(_ meta: CheckpointMetadata, labelCount: Int, path: String) throws -> [Float] {
        let text = meta.values[Key.thresholds] ?? ""
        let values = text.split(separator: ",").compactMap { Float($0) }
        guard !text.isEmpty, values.count == text.split(separator: ",", omittingEmptySubsequences: false).count,
              values.count == 1 || values.count == labelCount, values.allSatisfy({ $0 > 0 && $0 < 1 }) else {
            throw RNNError.input("the multi-label thresholds stored in this checkpoint are missing or invalid "
                                 + "(expected 1 or \(labelCount) numbers in (0, 1))", file: path)
        }
        return values
    }

    /// Encodes raw texts the way training did (same tokenizer, vocabulary, truncation).
    public func encode(_ texts: [String]) -> EncodedDataset {
        EncodedDataset(texts: texts, tokenizer: tokenizer, vocabulary: vocabulary)
    }
}

extension TrainingProgress {
    /// The progress saved in a checkpoint, if it has one.
    static func saved(in checkpoint: Checkpoint, path: String) throws -> TrainingProgress? {
        guard let text = checkpoint.metadata.values[TrainedModel.Key.progress] else { return nil }
        do { return try JSONDecoder().decode(TrainingProgress.self, from: Data(text.utf8)) } catch {
            throw RNNError.input("the training state stored in this checkpoint is unreadable", file: path)
        }
    }
}

extension Checkpoint {
    /// This checkpoint with what resuming needs added: the progress record and the optimizer's
    /// state tensors (for `parameters`, named `<optimizer>.<moment>.<parameter>`).
    func withTrainingState(progress: TrainingProgress, optimizer: Optimizer, named optimizerName: String,
                           parameters: [Parameter], sparseOptimizer: SparseTableOptimizer? = nil) -> Checkpoint {
        var c = self
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        c.metadata.values[TrainedModel.Key.progress] = String(decoding: try! encoder.encode(progress), as: UTF8.self)
        c.metadata.values[TrainedModel.Key.optimizer] = optimizerName
        c.tensors += Checkpoint.tensors(fromOptimizerState: optimizer.stateTensors(parameters))
        if let sparseOptimizer { c.tensors += Checkpoint.tensors(fromOptimizerState: sparseOptimizer.stateTensors()) }
        return c
    }
}
