/// Training state that must survive a stop: saved in every checkpoint so a
/// resumed run continues bitwise where the interrupted one stopped.
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

    public init() {}
}
