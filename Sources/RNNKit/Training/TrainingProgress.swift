/// Training state that must survive a stop: saved in every checkpoint so a
/// resumed run continues bitwise where the interrupted one stopped.
///
/// Fields added after the first version are optional, so the progress of older
/// checkpoints still decodes.
public struct TrainingProgress: Codable, Equatable {
    /// Epochs fully completed.
    public var epochsDone = 0
    /// Batches of epoch `epochsDone + 1` already applied (non-zero only after an interrupt).
    public var batchesDoneInEpoch = 0
    /// Optimizer steps taken since the start of the run.
    public var step = 0
    /// Best dev metric so far, oriented so that higher is better (a loss is negated).
    public var bestMetric: Double?
    public var bestEpoch = 0
    /// Epochs since the best one (early stopping).
    public var epochsWithoutImprovement = 0
    public var stoppedEarly = false
    /// Dropout random state: four words as decimal strings (JSON numbers cannot hold a UInt64).
    public var dropoutState: [String] = []
    /// Running sums of the epoch in progress, so an interrupted epoch reports the same loss.
    public var epochLossSum = 0.0
    public var epochGradNormSum = 0.0
    public var epochExamples = 0
    public var epochBatches = 0
    public var scheduleState: [String: Double] = [:]
    /// Mid-epoch only: the interrupted epoch's batch size. Its batch plan depends on it, so a
    /// resumed run finishes that epoch with it whatever `training.batch_size` says now.
    /// (Older checkpoints lack it: their stored config's batch size is the epoch's.)
    public var epochBatchSize: Int?
    /// Mid-epoch only: seconds the interrupted epoch had run, so its log row counts them.
    /// (The only wall-clock value in a checkpoint; checkpoints at epoch ends have none.)
    public var epochSecondsBefore: Double?

    public init() {}

    /// The best-epoch and early-stopping bookkeeping, stored in the fields above.
    public var best: BestTracker {
        get { BestTracker(metric: bestMetric, epoch: bestEpoch, epochsWithoutImprovement: epochsWithoutImprovement, stopped: stoppedEarly) }
        set {
            bestMetric = newValue.metric
            bestEpoch = newValue.epoch
            epochsWithoutImprovement = newValue.epochsWithoutImprovement
            stoppedEarly = newValue.stopped
        }
    }

    /// Clears the running sums and the mid-epoch fields at the end of epoch `epoch`.
    mutating func finishEpoch(_ epoch: Int) {
        epochsDone = epoch
        batchesDoneInEpoch = 0
        epochLossSum = 0
        epochGradNormSum = 0
        epochExamples = 0
        epochBatches = 0
        epochBatchSize = nil
        epochSecondsBefore = nil
    }
}
