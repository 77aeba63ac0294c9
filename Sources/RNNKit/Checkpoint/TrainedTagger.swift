import Foundation

/// A token tagger with everything needed to read sentences: what a tagger checkpoint holds.
///
/// The checkpoint is the classifiers' format with its own `format` name, so a tagger given to a
/// classifier's reader (and the reverse) is told apart before anything is built: the metadata's
/// `labels` are the tag names, `intents` a JSON array of the sentence labels (empty: none).
public struct TrainedTagger {
    public let config: RunConfig
    public let vocabulary: TaggerVocabulary
    public let model: TokenTagger

    static let formatName = "rnn-token-tagger"
    static let intentsKey = "intents"

    public init(config: RunConfig, vocabulary: TaggerVocabulary, model: TokenTagger) {
        self.config = config
        self.vocabulary = vocabulary
        self.model = model
    }

    /// Whether a checkpoint holds a tagger.
    public static func isTagger(_ checkpoint: Checkpoint) -> Bool {
        checkpoint.metadata.values[TrainedModel.Key.format] == formatName
    }

    /// The checkpoint of this tagger: weights, config, vocabulary, tags and intents.
    func checkpoint() -> Checkpoint {
        let values: [String: String] = [TrainedModel.Key.format: Self.formatName, TrainedModel.Key.config: config.resolvedJSON(),
                                        Self.intentsKey: JSONValue.array(vocabulary.intents.map { .string($0) }).compactText]
        return Checkpoint(metadata: CheckpointMetadata(values: values, vocabulary: vocabulary.words.tokens, labels: vocabulary.tags),
                          tensors: Checkpoint.tensors(from: model.parameters))
    }

    /// The intents stored in a tagger checkpoint.
    static func intents(in checkpoint: Checkpoint, path: String) throws -> [String] {
        guard let text = checkpoint.metadata.values[intentsKey], case .array(let items)? = try? JSONParser.parse(text).root else {
            throw RNNError.input("the intent names stored in this checkpoint are unreadable", file: path)
        }
        return try items.map {
            guard case .string(let name) = $0 else { throw RNNError.input("the intent names stored in this checkpoint are unreadable", file: path) }
            return name
        }
    }

    /// Rebuilds the tagger of a checkpoint read from `path`; a classifier is refused by name.
    public static func load(_ checkpoint: Checkpoint, path: String) throws -> TrainedTagger {
        let meta = checkpoint.metadata
        guard isTagger(checkpoint) else {
            if meta.values[TrainedModel.Key.format] == TrainedModel.formatName {
                throw RNNError.input("this checkpoint is a text classifier, not a token tagger (model.kind \"tagger\")", file: path)
            }
            throw RNNError.input("this checkpoint was not written by rnn-train (no model description in its header)", file: path)
        }
        guard let configText = meta.values[TrainedModel.Key.config] else {
            throw RNNError.input("this checkpoint has no model description in its header", file: path)
        }
        let config: RunConfig
        do { config = try RunConfig.parse(json: configText, path: path, checkFiles: false) } catch let error as RNNError {
            throw RNNError.input("the config stored in this checkpoint is invalid: \(error.message)", file: path, field: error.field)
        }
        let words: Vocabulary
        do { words = try Vocabulary(tokens: meta.vocabulary) } catch let error as RNNError {
            throw RNNError.input("the vocabulary stored in this checkpoint is invalid: \(error.message)", file: path)
        }
        let intents = try Self.intents(in: checkpoint, path: path)
        guard meta.labels.count >= 2, Set(meta.labels).count == meta.labels.count, Set(intents).count == intents.count,
              intents.count != 1 else {
            throw RNNError.input("the tag or intent names stored in this checkpoint are invalid", file: path)
        }
        let vocabulary = TaggerVocabulary(words: words, tags: meta.labels, intents: intents, lowercase: config.tokenizer.lowercase,
                                          ngramBuckets: config.model.charNgramBuckets)
        let spec = TaggerSpec(config: config, vocabularySize: words.count, tagCount: meta.labels.count, intentCount: intents.count,
                              padId: Int(words.padId))
        do { try spec.validate() } catch let error as RNNError {
            throw RNNError.input("the model stored in this checkpoint is invalid: \(error.message)", file: path, field: error.field)
        }
        let stored = checkpoint.tensors.reduce(0) { $0 + $1.values.count }
        guard stored >= spec.base.weightCountLowerBound + spec.charBuckets * spec.charDim else {
            throw RNNError.input("checkpoint does not fit the model its header describes: \(stored) floats of data", file: path)
        }
        let model = TokenTagger.forLoading(spec: spec)
        do { try checkpoint.load(into: model.parameters) } catch let error as RNNError {
            throw RNNError.input(error.message, file: path)
        }
        return TrainedTagger(config: config, vocabulary: vocabulary, model: model)
    }
}
