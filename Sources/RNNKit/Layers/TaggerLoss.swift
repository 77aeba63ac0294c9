/// A tagger's loss: tags + intentWeight x intent.
///
/// - Tags, softmax: cross-entropy over the real tokens only, mean over the batch's tokens
///   (PyTorch's `cross_entropy(ignore_index=pad)`): the real rows of the emissions are gathered
///   into `[N, tags]` and scored by `SoftmaxCrossEntropy`, their gradient scattered back.
/// - Tags, CRF: the CRF's negative log-likelihood, mean over sentences (`LinearChainCRF`).
/// - Intent (joint models): softmax cross-entropy of the sentence logits, mean over sentences.
///
/// Padded positions are never read and get a zero gradient. With `gradient` the CRF's own
/// parameter gradients are accumulated too (the emissions' and intent logits' are returned).
public final class TaggerLoss {
    public let intentWeight: Float
    let crfWorkspace = CRFWorkspace()
    let tokenWorkspace = SoftmaxCrossEntropy.Workspace()
    let intentWorkspace = SoftmaxCrossEntropy.Workspace()
    let realLogits = Tensor([0])      // [N, tags]
    let dEmissions = Tensor([0])      // [T, B, tags] (softmax path)
    let dIntentLogits = Tensor([0])   // [B, intents]
    private var realLabels: [Int] = []
    private var realPositions: [Int] = []

    public init(intentWeight: Float) { self.intentWeight = intentWeight }

    public struct Result {
        /// tags + intentWeight x intent.
        public let loss: Float
        public let tagLoss: Float
        public let intentLoss: Float
        /// dLoss/dEmissions `[T, B, tags]` and dLoss/dIntentLogits (nil without gradient / intents).
        public let dEmissions: Tensor?
        public let dIntentLogits: Tensor?
    }

    /// Scores `emissions` `[T, B, tags]` against `batch.tokenTags` (each in range at real
    /// positions) and `intentLogits` against `batch.labels`. `crf` is the model's (or a plan's) CRF.
    public func evaluate(emissions: Tensor, intentLogits: Tensor?, batch: Batch, crf: LinearChainCRF?, gradient: Bool) -> Result {
        let b = batch.size, t = batch.steps
        let k = b * t == 0 ? 1 : emissions.count / (b * t)
        var tagLoss: Float = 0
        var dE: Tensor?
        if let crf {
            let (loss, cache) = crf.forward(emissions: emissions, tags: batch.tokenTags, lengths: batch.lengths, workspace: crfWorkspace)
            tagLoss = loss
            if gradient && loss.isFinite { dE = crf.backward(cache) }
        } else {
            realPositions.removeAll(keepingCapacity: true)
            realLabels.removeAll(keepingCapacity: true)
            let lengths = batch.lengths
            for s in 0..<t {
                for j in 0..<b where s < lengths[j] {
                    let p = s * b + j, tag = Int(batch.tokenTags[p])
                    precondition(tag >= 0 && tag < k, "tag id \(tag) at step \(s) of sequence \(j) outside 0..<\(k)")
                    realPositions.append(p)
                    realLabels.append(tag)
                }
            }
            let n = realPositions.count
            realLogits.resize([n, k])
            for (row, p) in realPositions.enumerated() { (realLogits.data + row * k).update(from: emissions.data + p * k, count: k) }
            tagLoss = SoftmaxCrossEntropy().forward(logits: realLogits, labels: realLabels, workspace: tokenWorkspace, gradient: gradient)
            if gradient {
                let d = dEmissions.resizeZeroed([t, b, k])
                for (row, p) in realPositions.enumerated() {
                    (d.data + p * k).update(from: tokenWorkspace.dLogits.data + row * k, count: k)
                }
                dE = d
            }
        }
        var intentLoss: Float = 0
        var dIntent: Tensor?
        if let intentLogits {
            intentLoss = SoftmaxCrossEntropy().forward(logits: intentLogits, labels: batch.labels, workspace: intentWorkspace,
                                                       gradient: gradient)
            if gradient {
                let g = dIntentLogits.resize(intentLogits.shape)
                for i in 0..<g.count { g.data[i] = intentWeight * intentWorkspace.dLogits.data[i] }
                dIntent = g
            }
        }
        return Result(loss: tagLoss + intentWeight * intentLoss, tagLoss: tagLoss, intentLoss: intentLoss,
                      dEmissions: dE, dIntentLogits: dIntent)
    }
}
