import Foundation

/// A tag per token (slot filling, NER), and with `# intent` lines a label per sentence too
/// (ATIS): a `TokenTagger` trained on CoNLL files with `TaggerLoss`, scored on dev by span F1
/// (`slot_f1`, conlleval's exact-chunk convention), token accuracy and, for joint models,
/// intent accuracy and sentence accuracy (intent and every tag right).
public final class TaggingTask: TrainingTask {
    public let config: RunConfig
    public let vocabulary: TaggerVocabulary
    public let train: TaggedDataset
    public let dev: TaggedDataset?
    public let model: TokenTagger
    let loss: TaggerLoss
    let workspace: TaggerWorkspace

    /// The dev metrics of a tagger with (joint) or without sentence labels.
    public static func metricNames(joint: Bool) -> [String] {
        joint ? ["slot_f1", "intent_accuracy", "sentence_accuracy", "token_accuracy"] : ["slot_f1", "sentence_accuracy", "token_accuracy"]
    }

    public var parameters: [Parameter] { model.parameters }
    public var metricNames: [String] { Self.metricNames(joint: vocabulary.isJoint) }
    public var trainLengths: [Int] { train.lengths }
    public var hasDev: Bool { dev != nil }

    /// Reads the CoNLL files and builds the model; a resumed run keeps the checkpoint's
    /// vocabulary, tags and intents (the trainer then loads the weights).
    public init(config: RunConfig, resume: ResumeState?, initRandom: inout RandomSource, log: @escaping (String) -> Void) throws {
        self.config = config
        let data = config.data
        let trainSentences = try ConllReader.read(path: data.train, invalidUTF8: data.invalidUTF8, log: log).sentences
        guard !trainSentences.isEmpty else { throw RNNError.input("no sentences: the training file has no token lines", file: data.train) }
        try Self.checkIntents(trainSentences, path: data.train)
        let lowercase = config.tokenizer.lowercase
        if let resume {
            let saved = resume.checkpoint
            vocabulary = TaggerVocabulary(words: try Vocabulary(tokens: saved.metadata.vocabulary), tags: saved.metadata.labels,
                                          intents: try TrainedTagger.intents(in: saved, path: resume.path), lowercase: lowercase,
                                          ngramBuckets: config.model.charNgramBuckets)
        } else {
            let words = Vocabulary.build(sequences: trainSentences.lazy.map { $0.tokens.map { lowercase ? $0.lowercased() : $0 } },
                                         minFreq: config.vocab.minFreq, maxSize: config.vocab.maxSize)
            let tags = Set(trainSentences.flatMap(\.tags)).sorted { ($0 == "O" ? 0 : 1, $0) < ($1 == "O" ? 0 : 1, $1) }
            let intents = Set(trainSentences.compactMap(\.intent)).sorted()
            vocabulary = TaggerVocabulary(words: words, tags: tags, intents: intents, lowercase: lowercase,
                                          ngramBuckets: config.model.charNgramBuckets)
        }
        let vocabulary = self.vocabulary
        for sentence in trainSentences {
            if let (i, tag) = sentence.tags.enumerated().first(where: { vocabulary.tagId($1) < 0 }) {
                throw RNNError.input("tag \"\(tag)\" is not one of the run's tags (the checkpoint's)", file: data.train, line: sentence.line + i)
            }
            if vocabulary.isJoint, vocabulary.intentId(sentence.intent) < 0 {
                throw RNNError.input("intent \"\(sentence.intent ?? "")\" is not one of the run's intents (the checkpoint's)",
                                     file: data.train, line: sentence.line)
            }
        }
        guard vocabulary.tags.count >= 2 else {
            throw RNNError.input("the training data has only one tag (\(vocabulary.tags[0])): a tagger needs at least two", file: data.train)
        }
        guard vocabulary.intents.count != 1 else {
            throw RNNError.input("the training data has only one intent (\(vocabulary.intents[0])): a joint model needs at least two",
                                 file: data.train)
        }
        if config.model.crf {
            do { _ = try TransitionConstraints(tags: vocabulary.tags, scheme: TagScheme.detect(tags: vocabulary.tags)) } catch var error as RNNError {
                error.message += "; the CRF decodes IOB2 or BIOES tags"
                error.file = data.train
                throw error
            }
        }
        train = TaggedDataset(sentences: trainSentences, vocabulary: vocabulary)
        if let devPath = data.dev {
            let sentences = try ConllReader.read(path: devPath, invalidUTF8: data.invalidUTF8, log: log).sentences
            guard !sentences.isEmpty else { throw RNNError.input("no sentences: the dev file has no token lines", file: devPath) }
            dev = TaggedDataset(sentences: sentences, vocabulary: vocabulary)
        } else {
            dev = nil
        }
        let spec = TaggerSpec(config: config, vocabularySize: vocabulary.words.count, tagCount: vocabulary.tags.count,
                              intentCount: vocabulary.intents.count, padId: Int(vocabulary.words.padId))
        do { try spec.validate() } catch var error as RNNError {
            error.file = error.file ?? config.sourcePath
            throw error
        }
        model = TokenTagger(spec: spec, rng: &initRandom)
        loss = TaggerLoss(intentWeight: Float(config.model.intentWeight))
        workspace = model.makeWorkspace()
        if resume == nil, let path = config.embedding.pretrained {
            let vectors = try PretrainedVectors.load(path: path, vocabulary: vocabulary.words, dim: config.embedding.dim, log: log)
            try model.embedding.load(matrix: vectors.matrix, hasVector: vectors.hasVector)
        }
        log("vocabulary: \(vocabulary.words.count) tokens (min_freq \(config.vocab.minFreq), max_size \(config.vocab.maxSize)), "
            + "\(vocabulary.tags.count) tags" + (vocabulary.isJoint ? ", \(vocabulary.intents.count) intents" : ""))
    }

    /// Sentence labels are all or nothing: a joint model needs one for every sentence.
    static func checkIntents(_ sentences: [TaggedSentence], path: String) throws {
        guard let labelled = sentences.first(where: { $0.intent != nil }),
              let missing = sentences.first(where: { $0.intent == nil }) else { return }
        throw RNNError.input("this sentence has no \"# intent = NAME\" line, but others have one (line \(labelled.line)): "
                             + "a joint model needs the label of every sentence", file: path, line: missing.line)
    }

    public var modelDescription: String {
        let s = model.spec
        return "tagger, \(s.base.cell.rawValue) \(s.base.bidirectional ? "bidirectional" : "unidirectional"), "
            + (s.crf ? "CRF" : "softmax") + " over \(s.tagCount) tags"
            + (s.intentCount > 0 ? ", \(s.intentCount) intents" : "") + (s.charBuckets > 0 ? ", character n-grams" : "")
            + ", \(model.parameters.reduce(0) { $0 + $1.value.count }) parameters"
    }

    public func trainingBatch(_ indices: [Int]) -> Batch { train.batch(indices, padId: vocabulary.words.padId) }

    public func lossAndGradients(_ batch: Batch, rng: inout RandomSource) -> Float {
        let (emissions, intentLogits) = model.forward(batch, workspace: workspace, rng: &rng)
        let result = loss.evaluate(emissions: emissions, intentLogits: intentLogits, batch: batch, crf: model.crf, gradient: true)
        guard result.loss.isFinite, let dEmissions = result.dEmissions else { return result.loss }
        model.backward(dEmissions: dEmissions, dIntentLogits: result.dIntentLogits, workspace: workspace)
        return result.loss
    }

    public func scoreDev() -> DevScores? {
        guard let dev else { return nil }
        let plan = model.makeInferencePlan(tags: vocabulary.tags, tables: dev.lengths.reduce(0, +) > vocabulary.words.count)
        let padId = vocabulary.words.padId
        let metrics = plan.predict(dev, padId: padId).metrics(against: dev, vocabulary: vocabulary)
        var scores = ["slot_f1": metrics.overall.f1, "sentence_accuracy": metrics.sentenceAccuracy, "token_accuracy": metrics.tokenAccuracy]
        if vocabulary.isJoint { scores["intent_accuracy"] = metrics.intentAccuracy }
        return DevScores(loss: plan.meanLoss(dev, loss: loss, padId: padId), metrics: scores)
    }

    public func checkpoint() -> Checkpoint {
        TrainedTagger(config: config, vocabulary: vocabulary, model: model).checkpoint()
    }
}
