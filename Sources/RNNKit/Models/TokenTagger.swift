/// Everything that fixes a tagger's parameter shapes: the encoder's `ModelSpec` (its
/// `classCount` is the tag count) and what only taggers have.
public struct TaggerSpec: Equatable, Sendable {
    public var base: ModelSpec
    /// 0: no sentence label (no intent head).
    public var intentCount: Int
    public var crf: Bool
    /// 0: no character features.
    public var charBuckets: Int
    public var charDim: Int

    public init(base: ModelSpec, intentCount: Int = 0, crf: Bool = false, charBuckets: Int = 0, charDim: Int = 32) {
        self.base = base
        self.intentCount = intentCount
        self.crf = crf
        self.charBuckets = charBuckets
        self.charDim = charDim
    }

    /// The tagger a run config describes.
    public init(config: RunConfig, vocabularySize: Int, tagCount: Int, intentCount: Int, padId: Int) {
        var base = ModelSpec(config: config, vocabularySize: vocabularySize, classCount: tagCount, padId: padId)
        base.kind = .tagger
        let m = config.model
        self.init(base: base, intentCount: intentCount, crf: m.crf, charBuckets: m.charNgramBuckets, charDim: m.charNgramDim)
    }

    public var tagCount: Int { base.classCount }
    /// The encoder's input width: the word embedding, joined by the character features.
    public var encoderInputSize: Int { base.embeddingDim + (charBuckets > 0 ? charDim : 0) }

    /// Throws `.input` naming the field when a value cannot build a tagger.
    public func validate() throws {
        try base.validate()
        let charWeights = charBuckets.multipliedReportingOverflow(by: charDim)
        if charWeights.overflow || charWeights.partialValue > ModelSpec.maximumWeightCount {
            throw RNNError.input("the character table (\(charBuckets) x \(charDim)) is too large; the limit is \(ModelSpec.maximumWeightCount) weights",
                                 field: "model.char_ngram_buckets")
        }
    }
}

/// A token tagger (slot filling, NER): embedding (joined with a bag of the token's character
/// n-grams when asked) -> recurrent encoder -> dropout -> `tag_fc` per token, scored by softmax
/// or a linear-chain CRF; a joint model (ATIS) also pools the same dropped-out encoder output
/// with a sequence head (`model.pooling`) into `fc` for the sentence label.
///
/// Parameter order: `embedding.weight`, `char_ngrams.weight` (characters), the encoder's, the
/// intent head's and `fc.*` (joint), `tag_fc.weight`, `tag_fc.bias`, `crf.*` (CRF).
///
/// The emissions are `[T, B, tags]` time-major, the layout the CRF reads; rows at padded steps
/// hold the bias only and are never read by a loss or decoder.
public final class TokenTagger: ParameterOwner {
    public let spec: TaggerSpec
    public let embedding: Embedding
    /// `[buckets, charDim]`, read as a mean bag per token; nil without character features.
    public let characters: Embedding?
    public let encoder: RecurrentEncoder
    public let intentHead: SequenceHead?
    public let intentClassifier: Linear?
    public let tagClassifier: Linear
    public let crf: LinearChainCRF?
    public let parameters: [Parameter]
    let dropout: Dropout

    public convenience init(spec: TaggerSpec, rng: inout RandomSource) {
        self.init(spec: spec, draw: true, rng: &rng)
    }

    /// A tagger whose weights are loaded next (a checkpoint): the tables are not drawn.
    public static func forLoading(spec: TaggerSpec) -> TokenTagger {
        var rng = RandomSource(seed: 0)
        return TokenTagger(spec: spec, draw: false, rng: &rng)
    }

    private init(spec: TaggerSpec, draw: Bool, rng: inout RandomSource) {
        self.spec = spec
        let s = spec.base
        embedding = Embedding(vocabularySize: s.vocabularySize, dimension: s.embeddingDim, padIndex: s.padId,
                              name: "embedding", frozen: s.freezeEmbedding, draw: draw, rng: &rng)
        characters = spec.charBuckets > 0
            ? Embedding(vocabularySize: spec.charBuckets, dimension: spec.charDim, padIndex: nil, name: "char_ngrams", draw: draw, rng: &rng)
            : nil
        encoder = RecurrentEncoder(cell: s.cell, inputSize: spec.encoderInputSize, hiddenSize: s.hiddenSize, layers: s.layers,
                                   bidirectional: s.bidirectional, dropout: s.dropout, name: s.encoderName, rng: &rng)
        if spec.intentCount > 0 {
            let head = ModelFactory.head(for: s, encoderOutputSize: encoder.outputSize, rng: &rng)
            intentHead = head
            intentClassifier = Linear(inputSize: head.featureSize, outputSize: spec.intentCount, name: "fc", rng: &rng)
        } else {
            intentHead = nil
            intentClassifier = nil
        }
        tagClassifier = Linear(inputSize: encoder.outputSize, outputSize: spec.tagCount, name: "tag_fc", rng: &rng)
        crf = spec.crf ? LinearChainCRF(tagCount: spec.tagCount, name: "crf", rng: &rng) : nil
        dropout = Dropout(probability: s.dropout)
        parameters = embedding.parameters + (characters?.parameters ?? []) + encoder.parameters + (intentHead?.parameters ?? [])
            + (intentClassifier?.parameters ?? []) + tagClassifier.parameters + (crf?.parameters ?? [])
    }

    public func makeWorkspace() -> TaggerWorkspace { TaggerWorkspace(self) }

    /// The training forward: emissions `[T, B, tags]` and, for a joint model, intent logits
    /// `[B, intents]` (the workspace's). Dropout draws from `rng`: encoder layers bottom-up, then
    /// the encoder output.
    public func forward(_ batch: Batch, workspace ws: TaggerWorkspace, rng: inout RandomSource)
        -> (emissions: Tensor, intentLogits: Tensor?) {
        ws.tokens.rebuild(batch, vocabularySize: embedding.vocabularySize)
        let rows = embedding.forward(ws.tokens, into: ws.rows)
        let input: LayerInput
        if let characters {
            TokenTagger.joinCharacters(tokens: ws.tokens, rows: rows, ngrams: batch.tokenNgrams, table: characters.weight.value,
                                       into: ws.dense)
            input = .dense(ws.dense)
            ws.lastNgrams = batch.tokenNgrams
        } else {
            input = .rows(rows, ws.tokens)
        }
        let r = encoder.forward(input, mask: batch.mask, workspace: ws.encoder, rng: &rng)
        ws.encoderCache = r.cache
        dropout.forward(r.output, mask: ws.dropoutMask, into: ws.features, rng: &rng)
        tagClassifier.forward(ws.features, into: ws.emissions)
        guard let intentHead, let intentClassifier, let headWorkspace = ws.head else { return (ws.emissions, nil) }
        let headInput = HeadInput(encoded: ws.features, tokens: ws.tokens, rows: rows, mask: batch.mask)
        ws.headInput = headInput
        let pooled = intentHead.forward(headInput, workspace: headWorkspace)
        ws.pooled = pooled
        intentClassifier.forward(pooled, into: ws.intentLogits)
        return (ws.emissions, ws.intentLogits)
    }

    /// Accumulates every (non-frozen) parameter's gradient for dLoss/dEmissions `[T, B, tags]`
    /// (zero at padded steps) and dLoss/dIntentLogits `[B, intents]` of the last `forward`.
    public func backward(dEmissions: Tensor, dIntentLogits: Tensor?, workspace ws: TaggerWorkspace) {
        guard let encoderCache = ws.encoderCache else { preconditionFailure("backward without a forward") }
        let dFeatures = tagClassifier.backward(dEmissions, input: ws.features, into: ws.dFeatures, scratch: ws.biasScratch)
        if let dIntentLogits, let intentHead, let intentClassifier, let headWorkspace = ws.head, let headInput = ws.headInput,
           let pooled = ws.pooled {
            let dPooled = intentClassifier.backward(dIntentLogits, input: pooled, into: ws.dPooled, scratch: ws.biasScratch)
            let gradient = intentHead.backward(dPooled, input: headInput, workspace: headWorkspace)
            if let dEncoded = gradient.encoded { Elementwise.add(dEncoded.data, into: dFeatures.data, count: dFeatures.count) }
        }
        dropout.backward(dFeatures, mask: ws.dropoutMask, into: dFeatures)
        let dInput = encoder.backward(dFeatures, dFinalHidden: nil, dFinalCell: nil, cache: encoderCache, workspace: ws.encoder)
        guard let characters else {
            embedding.backward(rowGradient: dInput, tokens: ws.tokens)
            return
        }
        // Dense input [T, B, E + C]: the word part summed per distinct token, the character part
        // shared out over each position's n-gram rows (1/n each, as the mean took them).
        let e = embedding.dimension, c = characters.dimension, width = e + c
        let dRows = ws.dRows.resizeZeroed([ws.tokens.count, e])
        let ngrams = ws.lastNgrams
        let grad = characters.weight.grad.data
        ws.tokens.slots.withUnsafeBufferPointer { slots in
            for p in 0..<slots.count where slots[p] >= 0 {
                let row = dInput.data + p * width
                Elementwise.add(row, into: dRows.data + Int(slots[p]) * e, count: e)
                let start = ngrams.offsets[p], end = ngrams.offsets[p + 1]
                guard end > start else { continue }
                let share = 1 / Float(end - start)
                for i in start..<end {
                    let g = grad + Int(ngrams.ids[i]) * c
                    for k in 0..<c { g[k] += share * row[e + k] }
                }
            }
        }
        embedding.backward(rowGradient: dRows, tokens: ws.tokens)
    }

    /// x `[T, B, E + C]`: each real position's word row, then the mean of its n-gram rows of
    /// `table` (zeros for an empty bag); padded positions zero. Training and the plan share it.
    static func joinCharacters(tokens: TokenRows, rows: Tensor, ngrams: RaggedRows, table: Tensor, into x: Tensor) {
        let e = rows.shape[1], c = table.shape[1], width = e + c
        x.resize([tokens.steps, tokens.batchSize, width])
        precondition(ngrams.count == tokens.steps * tokens.batchSize, "\(ngrams.count) n-gram bags for \(tokens.steps * tokens.batchSize) positions")
        let w = UnsafePointer(table.data)
        tokens.slots.withUnsafeBufferPointer { slots in
            for p in 0..<slots.count {
                let out = x.data + p * width
                out.update(repeating: 0, count: width)
                guard slots[p] >= 0 else { continue }
                out.update(from: rows.data + Int(slots[p]) * e, count: e)
                let start = ngrams.offsets[p], end = ngrams.offsets[p + 1]
                guard end > start else { continue }
                for i in start..<end { Elementwise.add(w + Int(ngrams.ids[i]) * c, into: out + e, count: c) }
                let scale = 1 / Float(end - start)
                for k in 0..<c { out[e + k] *= scale }
            }
        }
    }
}

/// Every buffer a training step of a `TokenTagger` needs, grown to the largest batch seen.
public final class TaggerWorkspace {
    let tokens = TokenRows()
    let rows = Tensor([0])          // [U, E]
    let dense = Tensor([0])         // [T, B, E + C] with character features
    let encoder: RecurrentWorkspace
    let dropoutMask = Tensor([0])   // [T, B, D*H]
    let features = Tensor([0])      // [T, B, D*H] the dropped-out encoder output
    let emissions = Tensor([0])     // [T, B, tags]
    let dFeatures = Tensor([0])
    let head: HeadWorkspace?
    let intentLogits = Tensor([0])  // [B, intents]
    let dPooled = Tensor([0])
    let dRows = Tensor([0])
    let biasScratch = Tensor([0])
    var encoderCache: RecurrentEncoder.Cache?
    var headInput: HeadInput?
    /// The head's features of the last forward (its workspace's buffer), what `fc` read.
    var pooled: Tensor?
    /// The n-gram bags of the last forward's batch (backward shares gradients over them).
    var lastNgrams = RaggedRows()

    init(_ model: TokenTagger) {
        encoder = model.encoder.makeWorkspace()
        head = model.intentHead?.makeWorkspace()
    }
}
