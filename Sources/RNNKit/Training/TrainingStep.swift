/// One optimizer step on one batch: zero the gradients, forward, loss, backward, clip, update.
///
/// The trainer and `rnn-bench model --what train` both run this, so the benchmark measures
/// exactly what training does. The task does forward, loss and backward; this adds what every
/// task shares: zeroing, the finite checks, clipping and the optimizer.
public final class TrainingStep {
    public let task: TrainingTask
    public let optimizer: Optimizer
    /// The row-sparse tables' update (the n-gram bag's), same rule and rate.
    public let sparseOptimizer: SparseTableOptimizer
    /// 0 = off.
    public let clipNorm: Float
    /// 0 = off.
    public let clipValue: Float
    let parameters: [Parameter]
    /// `training.pretrained_anchor`; nil = off. Coupled: its gradient joins the task's before
    /// clipping; decoupled (adamw): it pulls the weights before the optimizer's update.
    public var anchor: PretrainedAnchor?

    public struct Result: Equatable {
        /// The batch's mean loss (before the update).
        public var loss: Float
        /// The global gradient norm before clipping.
        public var gradientNorm: Float
    }

    /// A value that would poison the weights; the step stops before the update.
    public enum Failure: Error, Equatable {
        case lossNotFinite(Float)
        case gradientNotFinite(Float)
    }

    public init(task: TrainingTask, optimizer: Optimizer, sparseOptimizer: SparseTableOptimizer, clipNorm: Float, clipValue: Float) {
        self.task = task
        self.optimizer = optimizer
        self.sparseOptimizer = sparseOptimizer
        self.clipNorm = clipNorm
        self.clipValue = clipValue
        self.parameters = task.parameters
    }

    /// The step a run's training section describes (optimizer, clipping).
    public convenience init(task: TrainingTask, training t: TrainingConfig) {
        self.init(task: task, optimizer: Optimizers.make(t), sparseOptimizer: SparseTableOptimizer(training: t, tables: task.sparseTables),
                  clipNorm: Float(t.clipNorm), clipValue: Float(t.clipValue))
    }

    /// Trains on `batch` with `learningRate`; dropout draws from `rng`. On a `Failure` the
    /// weights and optimizer state are as before the step.
    public func run(_ batch: Batch, learningRate: Float, rng: inout RandomSource) throws -> Result {
        parameters.zeroGrads()
        let loss = task.lossAndGradients(batch, rng: &rng)
        guard loss.isFinite else { throw Failure.lossNotFinite(loss) }
        if let anchor, !anchor.decoupled { anchor.addGradient() }
        // The bag's gradient holds only the rows this batch touched (its backward replaced it).
        let sparse = sparseOptimizer.tables.filter { !$0.frozen }.map(\.gradient)
        let norm = clipNorm > 0 ? clipGradientNorm(parameters, sparse: sparse, maxNorm: clipNorm)
                                : globalGradientNorm(parameters, sparse: sparse)
        guard norm.isFinite else { throw Failure.gradientNotFinite(norm) }
        if clipValue > 0 { clipGradientValue(parameters, sparse: sparse, limit: clipValue) }
        if let anchor, anchor.decoupled { anchor.pull(learningRate: learningRate) }
        optimizer.step(parameters, learningRate: learningRate)
        sparseOptimizer.step(learningRate: learningRate)
        return Result(loss: loss, gradientNorm: norm)
    }
}
