/// How a run ended.
public enum TrainingOutcome: Equatable {
    case completed
    case stoppedEarly(epoch: Int)
    /// A signal asked to stop; a checkpoint was written to resume from.
    case interrupted(signal: String)
}

/// What a run reports when it ends.
public struct TrainingSummary {
    public var outcome: TrainingOutcome
    public var runDirectory: String
    public var bestEpoch: Int
    /// The best epoch's score as its metric reads: accuracy and macro-F1 as they are, a loss as a loss.
    public var bestMetric: Double?
    /// `accuracy`, `macro_f1` or `loss` (on dev), or `train_loss` when there is no dev set
    /// (then `best.ckpt` is the epoch with the lowest training loss).
    public var metricName: String
    public var epochsDone: Int

    init(outcome: TrainingOutcome, progress: TrainingProgress, config: RunConfig, runDirectory: String) {
        // A language model holding out part of data.train has a held-out set without data.dev.
        let hasDev = config.data.dev != nil || (config.task == .languageModel && config.data.holdoutEvery > 0)
        let metric = config.training.earlyStopping.metric
        self.outcome = outcome
        self.runDirectory = runDirectory
        bestEpoch = progress.bestEpoch
        metricName = hasDev ? metric.rawValue : "train_loss"
        // Progress keeps scores oriented higher-is-better: a loss is stored negated.
        bestMetric = progress.bestMetric.map { !hasDev || metric == .loss || metric == .perplexity ? -$0 : $0 }
        epochsDone = progress.epochsDone
    }
}
