import Foundation

/// Several labels per text (`data.multi_label`): a `TextClassifier` with one sigmoid per label,
/// trained with binary cross-entropy (`SigmoidBinaryCrossEntropy`), scored by micro/macro F1,
/// subset accuracy and Hamming loss at the decision thresholds.
///
/// With `data.threshold: "tune"` every dev evaluation chooses each label's threshold on dev
/// (`MultiLabelMetrics.tuneThresholds`) and scores with them, and the checkpoint written after
/// it stores them: best.ckpt holds the thresholds of its own epoch. A resumed run starts from
/// the checkpoint's thresholds, so an interrupted run ends with the same bytes as an
/// uninterrupted one.
public final class MultiLabelTask: TrainingTask {
    public let config: RunConfig
    public let data: RunData
    public let model: TextClassifier
    let workspace: TrainingWorkspace
    /// The loss's outputs, sized by the first batch and reused.
    let probabilities = Tensor([0]), dLogits = Tensor([0])
    /// The decision thresholds: the configured one, or the last tuned per label.
    public private(set) var thresholds: [Float]

    public static let metrics = ["micro_f1", "macro_f1", "subset_accuracy", "hamming_loss"]
    public var parameters: [Parameter] { model.parameters }
    public var sparseTables: [EmbeddingBag] { model.sparseTables }
    /// Hamming loss is a column of log.csv but, lower being better, no early-stopping metric.
    public var metricNames: [String] { Self.metrics }
    /// `accuracy` (the config's default metric) is subset accuracy, scikit-learn's `accuracy_score`
    /// on multi-label data.
    public var metricAliases: [String: String] { ["accuracy": "subset_accuracy"] }
    public var trainLengths: [Int] { data.train.lengths }
    public var hasDev: Bool { data.dev != nil }

    public init(config: RunConfig, resume: ResumeState?, initRandom: inout RandomSource, log: @escaping (String) -> Void) throws {
        precondition(config.data.multiLabel, "MultiLabelTask needs data.multi_label")
        self.config = config
        let savedVocabulary = try resume.map { try Vocabulary(tokens: $0.checkpoint.metadata.vocabulary) }
        data = try RunData.load(config: config, vocabulary: savedVocabulary, labelNames: resume?.checkpoint.metadata.labels, log: log)
        let spec = ModelSpec(config: config, vocabularySize: data.vocabulary.count, classCount: data.labels.count,
                             padId: Int(data.vocabulary.padId))
        do { try spec.validate() } catch var error as RNNError {
            error.file = error.file ?? config.sourcePath
            throw error
        }
        model = TextClassifier(spec: spec, rng: &initRandom)
        workspace = model.makeWorkspace()
        if let resume {
            thresholds = try TrainedModel.storedThresholds(resume.checkpoint.metadata, labelCount: data.labels.count, path: resume.path)
        } else {
            thresholds = Self.initialThresholds(config.data.threshold)
        }
        if resume == nil { try model.loadPretrainedVectors(config, vocabulary: data.vocabulary, log: log) }
    }

    /// The threshold before any dev evaluation: the configured one, or 0.5 until tuned.
    static func initialThresholds(_ setting: DataConfig.LabelThreshold) -> [Float] {
        if case .fixed(let t) = setting { return [Float(t)] }
        return [0.5]
    }

    public var modelDescription: String {
        let e = model.spec
        return "\(e.kind.rawValue), \(e.cell.rawValue) \(e.bidirectional ? "bidirectional" : "unidirectional"), "
            + "\(e.classCount) sigmoid outputs (multi-label), \(model.parameters.reduce(0) { $0 + $1.value.count }) parameters"
    }

    public func trainingBatch(_ indices: [Int]) -> Batch { data.train.batch(indices, padId: data.vocabulary.padId) }

    public func lossAndGradients(_ batch: Batch, rng: inout RandomSource) -> Float {
        let logits = model.forward(batch, workspace: workspace, rng: &rng)
        let value = SigmoidBinaryCrossEntropy().forward(logits: logits, targets: batch.targets, probabilities: probabilities,
                                                        dLogits: dLogits)
        guard value.isFinite else { return value }
        model.backward(dLogits, workspace: workspace)
        return value
    }

    /// On an inference plan of the current weights; with `threshold: "tune"` the thresholds are
    /// tuned on these dev predictions first (and kept for the next checkpoint).
    public func scoreDev() -> DevScores? {
        guard let dev = data.dev else { return nil }
        let plan = model.makeInferencePlan(tables: dev.lengths.reduce(0, +) > model.spec.vocabularySize)
        let predictions = plan.predictMultiLabel(dev, padId: data.vocabulary.padId)
        if config.data.threshold == .tune { thresholds = predictions.tunedThresholds(targets: dev.labelSets) }
        let m = predictions.metrics(targets: dev.labelSets, thresholds: thresholds)
        return DevScores(loss: predictions.loss, metrics: [
            "micro_f1": m.microF1, "macro_f1": m.macroF1, "subset_accuracy": m.subsetAccuracy, "hamming_loss": m.hammingLoss,
            "accuracy": m.subsetAccuracy,
        ])
    }

    public func checkpoint() -> Checkpoint {
        TrainedModel(config: config, tokenizer: data.tokenizer, vocabulary: data.vocabulary, labels: data.labels.names,
                     model: model, thresholds: thresholds).checkpoint()
    }
}
