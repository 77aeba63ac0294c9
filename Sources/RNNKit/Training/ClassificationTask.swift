import Foundation

/// One label per text: a `TextClassifier` trained with softmax cross-entropy (class weights,
/// label smoothing), scored by accuracy and macro-F1.
public final class ClassificationTask: TrainingTask {
    public let config: RunConfig
    public let data: RunData
    public let model: TextClassifier
    let loss: SoftmaxCrossEntropy
    let workspace: TrainingWorkspace
    let lossWorkspace = SoftmaxCrossEntropy.Workspace()
    /// The bag expert's loss (`WideCombine.experts`).
    let bagLossWorkspace = SoftmaxCrossEntropy.Workspace()
    let groups: FineTuneGroups
    /// `training.adversarial`; nil when off or the model reads no embedding (`fasttext`).
    let adversarial: AdversarialTraining?
    let perturbation = Tensor([0])

    public var parameters: [Parameter] { model.parameters }
    public var sparseTables: [EmbeddingBag] { model.sparseTables }
    public var metricNames: [String] { EpochRecord.classificationMetrics }
    public var trainLengths: [Int] { data.train.lengths }
    public var hasDev: Bool { data.dev != nil }
    public var pretrainedParameters: [Parameter] {
        config.model.initFrom == nil ? [] : PretrainedStart.sharedParameters(of: model)
    }

    /// Reads the data and builds the model: initialised from the training seed (and pretrained
    /// vectors) for a new run; a resumed run keeps the checkpoint's vocabulary and labels (the
    /// trainer then loads the weights).
    public init(config: RunConfig, resume: ResumeState?, initRandom: inout RandomSource, log: @escaping (String) -> Void) throws {
        self.config = config
        // model.init_from: the source's vocabulary (and label order); a resumed run has both in its checkpoint.
        let start = try resume == nil ? config.model.initFrom.map { try PretrainedStart.load($0) } : nil
        try start?.check(config)
        if let start, config.vocab != VocabConfig() {
            log("note: vocab.min_freq and vocab.max_size are not used: the vocabulary is \(start.path)'s (\(start.vocabulary.count) tokens)")
        }
        let savedVocabulary = try resume.map { try Vocabulary(tokens: $0.checkpoint.metadata.vocabulary) } ?? start?.vocabulary
        data = try RunData.load(config: config, vocabulary: savedVocabulary, labelNames: resume?.checkpoint.metadata.labels,
                                firstLabels: start?.labels, log: log)
        let spec = ModelSpec(config: config, vocabularySize: data.vocabulary.count, classCount: data.labels.count,
                             padId: Int(data.vocabulary.padId))
        do { try spec.validate() } catch var error as RNNError {
            error.file = error.file ?? config.sourcePath
            throw error
        }
        model = TextClassifier(spec: spec, tokens: data.vocabulary.tokens, rng: &initRandom)
        let weights = try ClassificationTask.classWeights(config.training, labels: data.train.labels,
                                                          classCount: data.labels.count, file: config.sourcePath)
        loss = SoftmaxCrossEntropy(classWeights: weights, labelSmoothing: Float(config.training.labelSmoothing))
        workspace = model.makeWorkspace()
        adversarial = ClassificationTask.adversarial(config, model)
        if resume == nil { try model.loadPretrainedVectors(config, vocabulary: data.vocabulary, log: log) }
        if let start { log("model.init_from: loaded " + (try start.load(into: model, labels: data.labels.names)) + " of \(start.path)") }
        groups = FineTuneGroups(model)
        if config.training.discriminativeLR != 1 { groups.applyRates(factor: config.training.discriminativeLR) }
        ClassificationTask.rateBagExpert(model, config)
    }

    /// Gradual unfreezing (`training.gradual_unfreezing`): the groups this epoch trains.
    public func beginEpoch(_ epoch: Int) {
        guard config.training.gradualUnfreezing else { return }
        groups.unfreeze(epoch: epoch, embeddingFrozen: config.embedding.freeze)
    }

    /// The task around an existing model and data (benchmarks).
    public init(model: TextClassifier, data: RunData, config: RunConfig) throws {
        self.config = config
        self.data = data
        self.model = model
        loss = SoftmaxCrossEntropy(classWeights: try ClassificationTask.classWeights(config.training, labels: data.train.labels,
                                                                                      classCount: data.labels.count),
                                   labelSmoothing: Float(config.training.labelSmoothing))
        workspace = model.makeWorkspace()
        groups = FineTuneGroups(model)
        adversarial = ClassificationTask.adversarial(config, model)
        ClassificationTask.rateBagExpert(model, config)
    }

    /// The bag expert's classifier learns at the rate of its table (`training.bag_lr_scale`), as
    /// fastText's model learns both at one rate. A function of the config: resume sets it again.
    private static func rateBagExpert(_ model: TextClassifier, _ config: RunConfig) {
        for p in model.bagClassifier?.parameters ?? [] { p.learningRateScale = Float(config.training.bagLRScale) }
    }

    private static func adversarial(_ config: RunConfig, _ model: TextClassifier) -> AdversarialTraining? {
        let epsilon = config.training.adversarial.epsilon
        return epsilon > 0 && model.embedding != nil ? AdversarialTraining(epsilon: Float(epsilon)) : nil
    }

    public var modelDescription: String {
        let e = model.spec, weights = model.parameters.reduce(0) { $0 + $1.value.count }
        let bag = model.bag.map { ", n-gram bag \($0.table.rowCount) x \($0.table.dimension) (\($0.table.rowCount * $0.table.dimension) weights)" } ?? ""
        if e.kind == .fasttext { return "fasttext, \(weights) dense parameters" + bag }
        return "\(e.kind.rawValue), \(e.cell.rawValue) \(e.bidirectional ? "bidirectional" : "unidirectional"), "
            + "\(weights) parameters" + bag
    }

    public func trainingBatch(_ indices: [Int]) -> Batch { data.train.batch(indices, padId: data.vocabulary.padId) }

    /// The batch's clean loss; with adversarial training the gradient also holds the second,
    /// perturbed pass's (`AdversarialTraining`), whose loss must be finite too.
    public func lossAndGradients(_ batch: Batch, rng: inout RandomSource) -> Float {
        let before = rng
        let logits = model.forward(batch, workspace: workspace, rng: &rng)
        var value = loss.forward(logits: logits, labels: batch.labels, workspace: lossWorkspace)
        guard value.isFinite else { return value }
        var dBagLogits: Tensor?
        if model.bagClassifier != nil {
            // Experts: the bag's own loss, its gradient to the bag alone; the reported loss is the sum.
            let bagValue = loss.forward(logits: workspace.bagLogits, labels: batch.labels, workspace: bagLossWorkspace)
            guard bagValue.isFinite else { return bagValue }
            value += bagValue
            dBagLogits = bagLossWorkspace.dLogits
        }
        model.backward(lossWorkspace.dLogits, dBagLogits: dBagLogits, workspace: workspace)
        guard let adversarial, let gradient = workspace.rowGradient,
              adversarial.perturbation(along: gradient, into: perturbation) else { return value }
        var replay = before
        let perturbed = model.forward(batch, workspace: workspace, rng: &replay, perturbation: perturbation)
        let adversarialValue = loss.forward(logits: perturbed, labels: batch.labels, workspace: lossWorkspace)
        guard adversarialValue.isFinite else { return adversarialValue }
        model.backward(lossWorkspace.dLogits, workspace: workspace)
        return value
    }

    /// On an inference plan of the current weights (the same logits bitwise as the training
    /// forward without dropout). When the dev set has more tokens than the vocabulary has
    /// entries, the plan builds the per-token tables: on THUCNews (10,000 dev titles, ~4,200
    /// characters) evaluation then skips most of the first layer's work.
    public func scoreDev() -> DevScores? {
        guard let dev = data.dev else { return nil }
        let plan = model.makeInferencePlan(tables: dev.lengths.reduce(0, +) > model.spec.vocabularySize)
        let predictions = plan.predict(dev, padId: data.vocabulary.padId)
        let matrix = predictions.confusion(labels: dev.labels)
        return DevScores(loss: predictions.loss, metrics: ["accuracy": matrix.accuracy, "macro_f1": matrix.macroF1])
    }

    public func checkpoint() -> Checkpoint {
        TrainedModel(config: config, tokenizer: data.tokenizer, vocabulary: data.vocabulary, labels: data.labels.names,
                     model: model).checkpoint()
    }

    /// Per-class loss weights: none, given, or "balanced" = N / (K * count of the class).
    public static func classWeights(_ t: TrainingConfig, labels: [Int], classCount: Int, file: String? = nil) throws -> [Float]? {
        switch t.classWeights {
        case .none: return nil
        case .balanced:
            var counts = [Int](repeating: 0, count: classCount)
            for l in labels { counts[l] += 1 }
            return counts.map { $0 == 0 ? 0 : Float(Double(labels.count) / Double(classCount * $0)) }
        case .explicit(let w):
            guard w.count == classCount else {
                throw RNNError.input("\(w.count) class weights for \(classCount) classes", file: file, field: "training.class_weights")
            }
            return w.map { Float($0) }
        }
    }
}
