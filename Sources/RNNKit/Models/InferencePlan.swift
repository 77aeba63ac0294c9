/// A `TextClassifier` for inference: an immutable snapshot of its weights, packed and tabulated
/// once, that later training steps cannot reach (it holds copies). `rnn-predict`, `rnn-eval` and
/// the trainer's dev evaluation run on it. Its logits are bitwise the training forward's without
/// dropout: the same kernels run on the same values, and the per-token tables hold exactly the
/// rows a batch would compute (matmul computes each row independently).
///
/// Built from the weights:
/// - the embedding table (a copy: the reference TextRCNN reads it per position);
/// - the encoder's weights with W_hh (and W_ih above the first layer) packed once, and layer 0's
///   input projection of every vocabulary entry (`[V, G*H]` per direction), unless that table
///   would exceed `maximumTableFloats`;
/// - the head's weights and tables (the paper TextRCNN's `W_e e` per vocabulary entry);
/// - the n-gram bag's table, when the model has one (its features come from the batch's ids);
/// - the classifier's weights (and the bag expert's, `WideCombine.experts`).
public struct InferencePlan {
    public let spec: ModelSpec
    /// Nil for `fasttext` (no embedding), as `head`.
    let embedding: Tensor?
    let encoder: RecurrentEncoder.Plan?
    let head: HeadPlan?
    let bag: NGramBag.Plan?
    let classifierWeight: Tensor
    let classifierBias: Tensor
    /// The bag expert's classifier (`bag_fc`), for experts.
    let bagClassifier: (weight: Tensor, bias: Tensor)?

    /// Per-token tables above this many floats are not built (memory would outweigh the gain).
    public static let maximumTableFloats = 64 << 20

    public var classCount: Int { spec.classCount }
    /// Whether layer 0 reads per-token tables (false: it projects the batch's distinct tokens).
    public var hasInputTables: Bool { encoder?.hasInputTables ?? false }

    public func makeWorkspace() -> InferenceWorkspace { InferenceWorkspace(self) }

    /// Logits `[B, classes]` (the workspace's) of a batch; its labels, if any, are not read. For
    /// experts, the sum of the two experts' log-probabilities (`ProductOfExperts`).
    public func logits(_ batch: Batch, workspace ws: InferenceWorkspace) -> Tensor {
        var features: Tensor?
        if let head, let embedding {
            var encoded: Tensor?
            if let encoder, let encoderWorkspace = ws.encoder {
                let input: PlanInput
                if encoder.hasInputTables {
                    input = .tableRows(batch.ids)
                } else {
                    ws.tokens.rebuild(batch, vocabularySize: spec.vocabularySize)
                    Embedding.gatherRows(of: ws.tokens, from: embedding, dimension: spec.embeddingDim, into: ws.rows)
                    input = .layer(.rows(ws.rows, ws.tokens))
                }
                encoded = encoder.run(input, mask: batch.mask, workspace: encoderWorkspace)
            }
            features = head.features(PlanHeadInput(encoded: encoded, ids: batch.ids, mask: batch.mask, embedding: embedding),
                                     workspace: ws.head!)
        }
        if let bag, let bagWorkspace = ws.bag {
            let wide = bag.run(batch, workspace: bagWorkspace)
            if let bagClassifier, let deep = features {
                let deepLogits = Linear.apply(deep, weight: classifierWeight, bias: classifierBias, into: ws.logits)
                let bagLogits = Linear.apply(wide, weight: bagClassifier.weight, bias: bagClassifier.bias, into: ws.bagLogits)
                return ProductOfExperts.combine(deepLogits, bagLogits, into: ws.combined)
            } else if let deep = features {
                FeatureJoin.join(deep, wide, into: ws.joined)
                features = ws.joined
            } else {
                features = wide
            }
        }
        return Linear.apply(features!, weight: classifierWeight, bias: classifierBias, into: ws.logits)
    }
}

/// The buffers an `InferencePlan` runs in (one per thread of prediction).
public final class InferenceWorkspace {
    let tokens = TokenRows()
    let rows = Tensor([0])
    let encoder: RecurrentWorkspace?
    let head: HeadWorkspace?
    let bag: NGramBag.Workspace?
    let joined = Tensor([0])
    let logits = Tensor([0])
    let bagLogits = Tensor([0])
    let combined = Tensor([0])

    init(_ plan: InferencePlan) {
        encoder = plan.encoder?.makeWorkspace()
        head = plan.head?.makeWorkspace()
        bag = plan.bag.map { _ in NGramBag.Workspace() }
    }
}

extension TextClassifier {
    /// An inference plan from the current weights. `tables`: build the per-token input tables
    /// (when they fit in `InferencePlan.maximumTableFloats`); worth it when more tokens will be
    /// scored than the vocabulary has entries (the table costs one projection per entry).
    public func makeInferencePlan(tables: Bool = true) -> InferencePlan {
        let embeddingCopy = embedding.map { Tensor(copying: $0.weight.value) }
        let tableFloats = spec.vocabularySize * (encoder.map { $0.directions * $0.cell.gateCount * $0.hiddenSize } ?? 0)
        let buildTables = tables && tableFloats <= InferencePlan.maximumTableFloats
        return InferencePlan(spec: spec, embedding: embeddingCopy,
                             encoder: encoder?.makePlan(tableOf: buildTables ? embeddingCopy : nil),
                             head: embeddingCopy.flatMap { head?.makePlan(embedding: $0) }, bag: bag?.makePlan(),
                             classifierWeight: Tensor(copying: classifier.weight.value),
                             classifierBias: Tensor(copying: classifier.bias.value),
                             bagClassifier: bagClassifier.map { (Tensor(copying: $0.weight.value), Tensor(copying: $0.bias.value)) })
    }
}
