/// One optimizer step on one batch: zero the gradients, forward, loss, backward, clip, update.
///
/// The trainer and `rnn-bench model --what train` both run this, so the benchmark measures
/// exactly what training does. `run` is the only place that calls the model's training
/// forward and backward: a change of the model's training API is an edit here.
public final class TrainingStep {
    public let model: TextClassifier
    public let loss: SoftmaxCrossEntropy
    public let optimizer: Optimizer
    /// 0 = off.
    public let clipNorm: Float
    /// 0 = off.
    public let clipValue: Float
    let parameters: [Parameter]
    /// Every buffer of a step, kept between steps (sized by the largest batch seen).
    let workspace: TrainingWorkspace
    let lossWorkspace = SoftmaxCrossEntropy.Workspace()

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

    public init(model: TextClassifier, loss: SoftmaxCrossEntropy, optimizer: Optimizer, clipNorm: Float, clipValue: Float) {
        self.model = model
        self.loss = loss
        self.optimizer = optimizer
        self.clipNorm = clipNorm
        self.clipValue = clipValue
        self.parameters = model.parameters
        self.workspace = model.makeWorkspace()
    }

    /// The step a run's training section describes (optimizer, clipping, label smoothing),
    /// with per-class loss weights already resolved (`classWeights(_:labels:classCount:file:)`).
    public convenience init(model: TextClassifier, training t: TrainingConfig, classWeights: [Float]?) {
        self.init(model: model,
                  loss: SoftmaxCrossEntropy(classWeights: classWeights, labelSmoothing: Float(t.labelSmoothing)),
                  optimizer: Optimizers.make(t), clipNorm: Float(t.clipNorm), clipValue: Float(t.clipValue))
    }

    /// Trains on `batch` with `learningRate`; dropout draws from `rng`. On a `Failure` the
    /// weights and optimizer state are as before the step.
    public func run(_ batch: Batch, learningRate: Float, rng: inout RandomSource) throws -> Result {
        parameters.zeroGrads()
        let logits = model.forward(batch, workspace: workspace, rng: &rng)
        let batchLoss = loss.forward(logits: logits, labels: batch.labels, workspace: lossWorkspace)
        guard batchLoss.isFinite else { throw Failure.lossNotFinite(batchLoss) }
        model.backward(lossWorkspace.dLogits, workspace: workspace)
        let norm = clipNorm > 0 ? clipGradientNorm(parameters, maxNorm: clipNorm) : globalGradientNorm(parameters)
        guard norm.isFinite else { throw Failure.gradientNotFinite(norm) }
        if clipValue > 0 { clipGradientValue(parameters, limit: clipValue) }
        optimizer.step(parameters, learningRate: learningRate)
        return Result(loss: batchLoss, gradientNorm: norm)
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
