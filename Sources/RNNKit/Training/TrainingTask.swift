/// What a run trains, and the one place "one label per text" lives: a task owns its data, its
/// model and that model's loss, and scores a dev set. The trainer (`Trainer`, `TrainingStep`)
/// only sees this protocol, so classification, token tagging, multi-label classification and
/// language modelling share one loop, one checkpoint format and one resume logic.
///
/// To add a task: a class conforming to it (one file, as `ClassificationTask`), and its line in
/// `TrainingTasks.make(config:resume:initRandom:log:)`.
public protocol TrainingTask: AnyObject {
    /// Every trainable parameter, in checkpoint order.
    var parameters: [Parameter] { get }
    /// Tables trained row-sparsely (the n-gram bag's), saved after the parameters; none by default.
    var sparseTables: [EmbeddingBag] { get }
    /// The dev metrics this task reports (log.csv columns `dev_<name>`; higher is better except
    /// `perplexity`), in order; `training.early_stopping.metric` must be one of them, an alias, or `loss`.
    var metricNames: [String] { get }
    /// Other names `training.early_stopping.metric` may give a metric by (name: metric); `scoreDev`
    /// reports them too. Default none.
    var metricAliases: [String: String] { get }
    /// Lengths of the training examples (the batcher buckets by them).
    var trainLengths: [Int] { get }
    /// Whether there is a dev set to score.
    var hasDev: Bool { get }
    /// A summary of the model for the log (`textrnn, lstm bidirectional, 1234 parameters`).
    var modelDescription: String { get }

    /// The training examples at `indices` as a batch (targets included).
    func trainingBatch(_ indices: [Int]) -> Batch
    /// Forward, loss and backward of one batch: accumulates every parameter's gradient and returns
    /// the batch's mean loss. Dropout and any other randomness draw from `rng`.
    func lossAndGradients(_ batch: Batch, rng: inout RandomSource) -> Float
    /// The dev set's loss and metrics on an inference plan of the current weights (nil: no dev set).
    func scoreDev() -> DevScores?
    /// The checkpoint of the current weights with the metadata a model needs to be rebuilt and
    /// used (config, vocabulary, labels, ...); the trainer adds optimizer and progress.
    func checkpoint() -> Checkpoint
    /// Called before the first batch of every epoch (1-based), and on resume before the
    /// optimizer state is restored, with the epoch that state was saved in: a task that trains
    /// different parameters per epoch (gradual unfreezing) sets them here.
    func beginEpoch(_ epoch: Int)
    /// The parameters `model.init_from` gives (`training.pretrained_anchor` pulls them towards
    /// their loaded values); none by default.
    var pretrainedParameters: [Parameter] { get }
}

extension TrainingTask {
    public func beginEpoch(_ epoch: Int) {}
}

extension TrainingTask {
    public var metricAliases: [String: String] { [:] }
    public var sparseTables: [EmbeddingBag] { [] }
    public var pretrainedParameters: [Parameter] { [] }
}

/// A dev set's scores: the mean loss and the task's metrics by name.
public struct DevScores: Equatable {
    public var loss: Double?
    public var metrics: [String: Double]

    public init(loss: Double?, metrics: [String: Double]) {
        self.loss = loss
        self.metrics = metrics
    }

    /// The early-stopping score of `metric`, higher is better: a metric as it is, the loss negated.
    public func score(_ metric: String) -> Double? {
        switch metric {
        case "loss": return loss.map { -$0 }
        case "perplexity": return metrics[metric].map { -$0 }   // lower is better, like a loss
        default: return metrics[metric]
        }
    }
}

/// The tasks a config can ask for.
public enum TrainingTasks {
    /// The task of `config`, its data read (a resumed run keeps the checkpoint's vocabulary and
    /// labels) and its model's initial weights drawn from `initRandom`.
    public static func make(config: RunConfig, resume: ResumeState?, initRandom: inout RandomSource,
                            log: @escaping (String) -> Void) throws -> TrainingTask {
        let task: TrainingTask
        switch config.task {
        case .classification:
            task = config.model.kind == .tagger
                ? try TaggingTask(config: config, resume: resume, initRandom: &initRandom, log: log) as TrainingTask
                : config.data.multiLabel
                ? try MultiLabelTask(config: config, resume: resume, initRandom: &initRandom, log: log) as TrainingTask
                : try ClassificationTask(config: config, resume: resume, initRandom: &initRandom, log: log) as TrainingTask
        case .languageModel: task = try LanguageModelTask(config: config, resume: resume, initRandom: &initRandom, log: log)
        }
        let metric = config.training.earlyStopping.metric.rawValue
        guard metric == "loss" || task.metricNames.contains(metric) || task.metricAliases[metric] != nil else {
            throw RNNError.input("this task reports \((task.metricNames + ["loss"]).joined(separator: ", ")), not \(metric)",
                                 file: config.sourcePath, field: "training.early_stopping.metric")
        }
        return task
    }
}
