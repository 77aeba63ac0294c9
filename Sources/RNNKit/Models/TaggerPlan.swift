/// A `TokenTagger` for inference: immutable copies of its weights (the encoder packed, and
/// without character features layer 0's per-token tables), that later training steps cannot
/// reach. Its emissions are bitwise the training forward's without dropout (the same kernels on
/// the same values). Decoding: the best tag per token (softmax), or constrained Viterbi (CRF:
/// the scheme's invalid steps, such as IOB2's `I-X` after `O`, are never written).
public struct TaggerPlan {
    public let spec: TaggerSpec
    let embedding: Tensor
    let characters: Tensor?
    let encoder: RecurrentEncoder.Plan
    let intentHead: HeadPlan?
    let intentWeight: Tensor?
    let intentBias: Tensor?
    let tagWeight: Tensor
    let tagBias: Tensor
    /// A copy of the model's CRF (its own parameters); nil for a softmax tagger.
    public let crf: LinearChainCRF?
    /// The tag scheme's allowed steps, when the tag names form one.
    public let constraints: TransitionConstraints?

    public func makeWorkspace() -> TaggerPlanWorkspace { TaggerPlanWorkspace(self) }

    /// Emissions `[T, B, tags]` and intent logits `[B, intents]` (joint models) of a batch, in the workspace.
    public func run(_ batch: Batch, workspace ws: TaggerPlanWorkspace) -> (emissions: Tensor, intentLogits: Tensor?) {
        let input: PlanInput
        if encoder.hasInputTables {
            input = .tableRows(batch.ids)
        } else {
            ws.tokens.rebuild(batch, vocabularySize: spec.base.vocabularySize)
            Embedding.gatherRows(of: ws.tokens, from: embedding, dimension: spec.base.embeddingDim, into: ws.rows)
            if let characters {
                TokenTagger.joinCharacters(tokens: ws.tokens, rows: ws.rows, ngrams: batch.tokenNgrams, table: characters, into: ws.dense)
                input = .layer(.dense(ws.dense))
            } else {
                input = .layer(.rows(ws.rows, ws.tokens))
            }
        }
        let encoded = encoder.run(input, mask: batch.mask, workspace: ws.encoder)
        Linear.apply(encoded, weight: tagWeight, bias: tagBias, into: ws.emissions)
        guard let intentHead, let intentWeight, let intentBias, let head = ws.head else { return (ws.emissions, nil) }
        let pooled = intentHead.features(PlanHeadInput(encoded: encoded, ids: batch.ids, mask: batch.mask, embedding: embedding),
                                         workspace: head)
        return (ws.emissions, Linear.apply(pooled, weight: intentWeight, bias: intentBias, into: ws.intentLogits))
    }

    /// The tag id of every position `[T * B]` time-major (-1 at padded ones): the best-scoring
    /// tag, or the CRF's best allowed path.
    public func decode(_ emissions: Tensor, lengths: [Int], workspace ws: TaggerPlanWorkspace) -> [Int32] {
        if let crf { return crf.decode(emissions: emissions, lengths: lengths, constraints: constraints, workspace: ws.viterbi) }
        let b = lengths.count, k = spec.tagCount
        let t = b == 0 ? 0 : emissions.count / (b * k)
        var paths = [Int32](repeating: -1, count: t * b)
        for s in 0..<t {
            for j in 0..<b where s < lengths[j] {
                let row = emissions.data + (s * b + j) * k
                var best = 0
                for c in 1..<k where row[c] > row[best] { best = c }
                paths[s * b + j] = Int32(best)
            }
        }
        return paths
    }
}

/// The buffers a `TaggerPlan` runs in.
public final class TaggerPlanWorkspace {
    let tokens = TokenRows()
    let rows = Tensor([0])
    let dense = Tensor([0])
    let encoder: RecurrentWorkspace
    let head: HeadWorkspace?
    let emissions = Tensor([0])
    let intentLogits = Tensor([0])
    let viterbi = ViterbiWorkspace()

    init(_ plan: TaggerPlan) {
        encoder = plan.encoder.makeWorkspace()
        head = plan.intentHead?.makeWorkspace()
    }
}

extension TokenTagger {
    /// A plan of the current weights. `tags` names the tags (for the CRF's constraints, read with
    /// the scheme the names show: BIOES when any tag starts with E- or S-, else IOB2); `tables`:
    /// build layer 0's per-token tables when they fit (not with character features).
    public func makeInferencePlan(tags: [String], tables: Bool = true) -> TaggerPlan {
        let embeddingCopy = Tensor(copying: embedding.weight.value)
        let tableFloats = spec.base.vocabularySize * encoder.directions * encoder.cell.gateCount * encoder.hiddenSize
        let buildTables = tables && characters == nil && tableFloats <= InferencePlan.maximumTableFloats
        var crfCopy: LinearChainCRF?
        if let crf {
            var rng = RandomSource(seed: 0)
            let copy = LinearChainCRF(tagCount: crf.tagCount, name: "crf", rng: &rng)
            for (to, from) in zip(copy.parameters, crf.parameters) { to.value.copy(from: from.value) }
            crfCopy = copy
        }
        return TaggerPlan(spec: spec, embedding: embeddingCopy, characters: characters.map { Tensor(copying: $0.weight.value) },
                          encoder: encoder.makePlan(tableOf: buildTables ? embeddingCopy : nil),
                          intentHead: intentHead?.makePlan(embedding: embeddingCopy),
                          intentWeight: intentClassifier.map { Tensor(copying: $0.weight.value) },
                          intentBias: intentClassifier.map { Tensor(copying: $0.bias.value) },
                          tagWeight: Tensor(copying: tagClassifier.weight.value), tagBias: Tensor(copying: tagClassifier.bias.value),
                          crf: crfCopy, constraints: try? TransitionConstraints(tags: tags, scheme: TagScheme.detect(tags: tags)))
    }
}
