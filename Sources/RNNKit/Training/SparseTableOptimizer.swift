/// The update of the row-sparse tables (the n-gram bag's `bag.weight`): `training.optimizer`'s
/// rule on the rows a batch touched only (Training/RowSparseUpdate.swift), beside the dense
/// `Optimizer` of the parameters, with the same learning rate and step count.
///
/// - `adam`, `adamw`: lazy Adam (`RowSparseAdam`) with the run's β1, β2, ε; no weight decay on
///   the table (decaying untouched rows would need the dense pass this exists to avoid).
///   Memory: two moments of the table's size (rows x dim x 4 bytes each), allocated on the
///   first step and saved in checkpoints as `sparse.adam.m.<table>` and `sparse.adam.v.<table>`.
/// - `sgd`: plain SGD on the touched rows (fastText's update); no momentum, no state.
public final class SparseTableOptimizer {
    public let tables: [EmbeddingBag]
    private let adams: [RowSparseAdam]?
    /// `training.bag_lr_scale`: the tables' rate is the step's times this.
    public let learningRateScale: Float

    /// Prefix of this optimizer's checkpoint tensors (one of `Checkpoint.optimizerStatePrefixes`).
    public static let statePrefix = "sparse."

    public init(training t: TrainingConfig, tables: [EmbeddingBag]) {
        self.tables = tables
        learningRateScale = Float(t.bagLRScale)
        switch t.optimizer {
        case .adam, .adamw:
            adams = tables.map { _ in RowSparseAdam(beta1: Float(t.beta1), beta2: Float(t.beta2), eps: Float(t.eps)) }
        case .sgd:
            adams = nil
        }
    }

    /// Steps taken (Adam's bias correction); set it from the progress before `loadState` on resume.
    public var stepCount: Int {
        get { adams?.first?.stepCount ?? 0 }
        set { adams?.forEach { $0.stepCount = newValue } }
    }

    /// One update of every table from its `gradient` (the rows its last backward touched), at
    /// `learningRate` (the step's) times `learningRateScale`.
    public func step(learningRate stepRate: Float) {
        let learningRate = stepRate * learningRateScale
        for (i, table) in tables.enumerated() where !table.frozen {
            if let adams {
                adams[i].step(table: table.weight, gradient: table.gradient, learningRate: learningRate)
            } else {
                RowSparseSGD.step(table: table.weight, gradient: table.gradient, learningRate: learningRate)
            }
        }
    }

    /// State tensors for checkpoints (empty for SGD and before Adam's first step).
    public func stateTensors() -> [(name: String, values: [Float])] {
        guard let adams else { return [] }
        return zip(tables, adams).flatMap { table, adam in
            adam.stateTensors(name: table.name).map { (name: Self.statePrefix + $0.name, values: $0.values) }
        }
    }

    /// Restores what `stateTensors` saved; a missing or mis-sized moment is an `RNNError.input`.
    public func loadState(_ tensors: [String: [Float]]) throws {
        guard let adams else { return }
        var own: [String: [Float]] = [:]
        for (key, values) in tensors where key.hasPrefix(Self.statePrefix) { own[String(key.dropFirst(Self.statePrefix.count))] = values }
        for (table, adam) in zip(tables, adams) {
            try adam.loadState(own, name: table.name, shape: table.weight.shape)
        }
    }
}
