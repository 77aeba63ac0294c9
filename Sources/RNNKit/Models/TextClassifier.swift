/// TextRNN, BiLSTM and TextRCNN built from the layers, with PyTorch parameter names.
///
/// Parameter order (fixed; checkpoints and optimizers walk it):
/// `embedding.weight`, the encoder's (`lstm.*`, `gru.*`, `rnn.*` or `jordan.*`, see
/// `ModelSpec.encoderName`), `attention.w` (attention pooling), `proj.weight`, `proj.bias`
/// (textrcnn paper), `fc.weight`, `fc.bias`.
///
/// - textrnn / bilstm: embedding -> encoder -> pooling (`spec.pooling`) -> dropout -> fc.
/// - textrcnn paper (Lai et al. 2015): l[t] = forward output at t-1 (zero at t = 0), r[t] =
///   backward output at t+1 (zero at the last real step), hidden = tanh(proj([l | e | r])),
///   max over real steps -> dropout -> fc.
/// - textrcnn reference (Chinese-Text-Classification-Pytorch): hidden = relu([e | forward |
///   backward]) -> max over real steps -> fc (no dropout after the pooling, as there).
///
/// `spec.dropout` also applies between encoder layers. Every step of the pipeline reads a
/// sequence's own real steps only, so its logits do not depend on the padding or on the
/// other sequences of the batch (as long as matmul rows are computed independently).
public final class TextClassifier: ParameterOwner {
    /// The effective spec (`ModelSpec.effective`): bilstm/textrcnn overrides applied.
    public let spec: ModelSpec
    public let embedding: Embedding
    public let encoder: RecurrentEncoder
    public let attention: AttentionPooling?
    public let projection: Linear?
    public let classifier: Linear
    public let parameters: [Parameter]
    let dropout: Dropout
    /// The paper TextRCNN's head over `projection` (nil for other models).
    let paperHead: RCNNPaperHead?

    /// Builds the model and draws its initial weights from `rng` in parameter order
    /// (embedding N(0,1), encoder and linears PyTorch's uniform bounds, attention zeros).
    /// Call `spec.validate()` first for specs that come from users.
    public init(spec: ModelSpec, rng: inout RandomSource) {
        let s = spec.effective
        self.spec = s
        embedding = Embedding(vocabularySize: s.vocabularySize, dimension: s.embeddingDim,
                              padIndex: (0..<s.vocabularySize).contains(s.padId) ? s.padId : nil,
                              name: "embedding", frozen: s.freezeEmbedding, rng: &rng)
        encoder = RecurrentEncoder(cell: s.cell, inputSize: s.embeddingDim, hiddenSize: s.hiddenSize,
                                   layers: s.layers, bidirectional: s.bidirectional, dropout: s.dropout,
                                   name: s.encoderName, rng: &rng)
        let features: Int
        switch (s.kind, s.rcnnVariant) {
        case (.textrcnn, .paper):
            attention = nil
            projection = Linear(inputSize: 2 * s.hiddenSize + s.embeddingDim, outputSize: s.rcnnProjectionSize,
                                name: "proj", rng: &rng)
            features = s.rcnnProjectionSize
        case (.textrcnn, .reference):
            attention = nil
            projection = nil
            features = s.embeddingDim + encoder.outputSize
        default:
            attention = s.pooling == .attention ? AttentionPooling(featureSize: encoder.outputSize) : nil
            projection = nil
            features = encoder.outputSize
        }
        paperHead = projection.map { RCNNPaperHead(projection: $0, hiddenSize: s.hiddenSize, embeddingDim: s.embeddingDim) }
        classifier = Linear(inputSize: features, outputSize: s.classCount, name: "fc", rng: &rng)
        dropout = Dropout(probability: s.dropout)
        parameters = embedding.parameters + encoder.parameters + (attention?.parameters ?? [])
            + (projection?.parameters ?? []) + classifier.parameters
    }

    /// What the head (pooling or RCNN block) kept for backward.
    enum HeadCache {
        case last(LastStatePooling.Cache)
        case max(MaxPooling.Cache)
        case mean(MeanPooling.Cache)
        case attention(AttentionPooling.Cache)
        /// hidden = relu([e | out]) `[T, B, E+2H]`, zero at padded steps.
        case rcnnReference(hidden: Tensor, pool: MaxPooling.Cache)
        /// hidden = tanh(proj([l | e | r])), see `RCNNPaperHead`.
        case rcnnPaper(RCNNPaperHead.Cache)
    }

    /// Everything backward needs, plus the intermediates tests compare with PyTorch.
    public struct Cache {
        let lengths: [Int]
        let steps: Int
        /// The batch's distinct tokens: the embedding and the encoder's first layer work per
        /// distinct token (see `TokenRows`).
        let tokens: TokenRows
        /// `[T, B, E]`, zero at padded steps: only the reference TextRCNN's head reads it
        /// (`[T, B, 0]` otherwise).
        let embedded: Tensor
        let encoderCache: RecurrentEncoder.Cache
        let encoderOutput: Tensor        // [T, B, D*H]
        let head: HeadCache
        let features: Tensor             // [B, F] before dropout
        let dropoutCache: Dropout.Cache
        let classifierCache: Linear.Cache
    }

    /// Only the reference TextRCNN's head reads the embeddings per position (the encoder and the
    /// paper head read distinct rows).
    private var headReadsEmbeddings: Bool { spec.kind == .textrcnn && spec.rcnnVariant == .reference }

    private var dropoutAfterPooling: Bool { !(spec.kind == .textrcnn && spec.rcnnVariant == .reference) }

    /// Logits `[B, classes]` and the cache for `backward`. Randomness (dropout, training only)
    /// is drawn in a fixed order: encoder layers bottom-up, then the dropout after pooling.
    public func forward(_ batch: Batch, training: Bool, rng: inout RandomSource) -> (logits: Tensor, cache: Cache) {
        let tokens = TokenRows(batch, vocabularySize: embedding.vocabularySize)
        let rows = embedding.forward(tokens)
        let embedded = headReadsEmbeddings ? embedding.inference(batch) : Tensor([batch.steps, batch.size, 0])
        let encoded = encoder.forward(rows: rows, tokens: tokens, mask: batch.mask, training: training, rng: &rng)
        let (features, head) = headForward(embedded: embedded, encoded: encoded.output, mask: batch.mask,
                                           tokens: tokens, rows: rows)
        let (dropped, dropoutCache) = dropout.forward(features, training: training && dropoutAfterPooling, rng: &rng)
        let (logits, classifierCache) = classifier.forward(dropped)
        let cache = Cache(lengths: batch.lengths, steps: batch.steps, tokens: tokens,
                          embedded: embedded, encoderCache: encoded.cache, encoderOutput: encoded.output,
                          head: head, features: features, dropoutCache: dropoutCache,
                          classifierCache: classifierCache)
        return (logits, cache)
    }

    /// Accumulates every (non-frozen) parameter's gradient for dLoss/dLogits `[B, classes]`.
    public func backward(_ dLogits: Tensor, cache: Cache) {
        let dDropped = classifier.backward(dLogits, cache: cache.classifierCache)
        let dFeatures = dropout.backward(dDropped, cache: cache.dropoutCache)
        let (dEncoded, dRowsHead) = headBackward(dFeatures, cache: cache)
        // Gradient of the distinct embedding rows [U, E], from the encoder and (TextRCNN) the head.
        let dRows = encoder.backward(dEncoded, dFinalHidden: nil, dFinalCell: nil, cache: cache.encoderCache)
        if let extra = dRowsHead { Elementwise.add(extra.data, into: dRows.data, count: dRows.count) }
        embedding.backward(rowGradient: dRows, tokens: cache.tokens)
    }

    /// Logits for evaluation and prediction: no dropout, and the encoder keeps no per-step caches.
    /// After `prepareForInference()`, the first layer's input projection is a table lookup
    /// (same logits bitwise).
    public func inference(_ batch: Batch) -> Tensor {
        let encoded: Tensor, embedded: Tensor
        if let tables = inputProjectionTables {
            embedded = headReadsEmbeddings ? embedding.inference(batch) : Tensor([batch.steps, batch.size, 0])
            encoded = encoder.inference(ids: batch.ids, mask: batch.mask, inputProjectionTables: tables).output
        } else {
            embedded = embedding.inference(batch)
            encoded = encoder.inference(embedded, mask: batch.mask).output
        }
        let features: Tensor
        if let head = paperHead {
            // The token part of the projection: table rows, or computed for the distinct tokens
            // (bitwise the same rows).
            let tokens = TokenRows(batch, vocabularySize: embedding.vocabularySize)
            let tokenPart: Tensor
            if let table = paperTokenTable {
                tokenPart = Tensor(uninitialized: [tokens.count, head.outputSize])
                for (u, id) in tokens.ids.enumerated() {
                    (tokenPart.data + u * head.outputSize).update(from: table.data + Int(id) * head.outputSize,
                                                                  count: head.outputSize)
                }
            } else {
                tokenPart = head.project(rows: embedding.forward(tokens))
            }
            features = head.inference(encoded: encoded, tokens: tokens, tokenPart: tokenPart, mask: batch.mask)
        } else {
            features = headForward(embedded: embedded, encoded: encoded, mask: batch.mask, tokens: nil, rows: nil).features
        }
        return classifier.inference(features)
    }

    /// Per direction, `embedding x W_ih^T + b_ih` of the first encoder layer for every
    /// vocabulary entry (`[V, G*H]`); nil until `prepareForInference()`.
    public private(set) var inputProjectionTables: [Tensor]?

    /// Paper TextRCNN: `W_e e` of every vocabulary entry (`[V, P]`), with the tables above.
    private(set) var paperTokenTable: Tensor?

    /// Tables above this many floats are not built (memory would outweigh the gain).
    public static let maximumInputProjectionTableFloats = 64 << 20

    /// For a model that is only used for inference from now on (a checkpoint loaded to
    /// predict): precomputes the first layer's input projection of every token, so
    /// `inference` looks it up instead of running that matmul, and packs the encoder's other
    /// weights once (`RecurrentEncoder.packForInference`). It is a snapshot of the
    /// current weights: call `discardInferenceTables()` before training or changing them.
    /// Returns false (and builds no tables; the weights are still packed) when the tables would
    /// exceed `maximumInputProjectionTableFloats`.
    @discardableResult
    public func prepareForInference() -> Bool {
        let floats = spec.vocabularySize
            * (encoder.directions * spec.cell.gateCount * spec.hiddenSize + (paperHead?.outputSize ?? 0))
        encoder.packForInference()
        guard floats <= Self.maximumInputProjectionTableFloats else { return false }
        inputProjectionTables = encoder.inputProjectionTables(embedding.weight.value)
        paperTokenTable = paperHead?.project(rows: embedding.weight.value)
        return true
    }

    public func discardInferenceTables() {
        inputProjectionTables = nil
        paperTokenTable = nil
        encoder.discardInferencePacks()
    }

    // MARK: - Head

    /// `tokens` and `rows` (the distinct embedding rows) are read by the paper TextRCNN's head
    /// only (training; inference calls `RCNNPaperHead.inference` itself).
    private func headForward(embedded: Tensor, encoded: Tensor, mask: SequenceMask, tokens: TokenRows?,
                             rows: Tensor?) -> (features: Tensor, cache: HeadCache) {
        switch (spec.kind, spec.rcnnVariant) {
        case (.textrcnn, .paper):
            let (pooled, c) = paperHead!.forward(encoded: encoded, tokens: tokens!, rows: rows!, mask: mask)
            return (pooled, .rcnnPaper(c))
        case (.textrcnn, .reference):
            let hidden = rcnnReferenceHidden(embedded: embedded, encoded: encoded, mask: mask)
            let (pooled, pool) = MaxPooling().forward(hidden, mask: mask)
            return (pooled, .rcnnReference(hidden: hidden, pool: pool))
        default:
            switch spec.pooling {
            case .last:
                let (y, c) = LastStatePooling(directions: encoder.directions, hiddenSize: spec.hiddenSize)
                    .forward(encoded, mask: mask)
                return (y, .last(c))
            case .max:
                let (y, c) = MaxPooling().forward(encoded, mask: mask)
                return (y, .max(c))
            case .mean:
                let (y, c) = MeanPooling().forward(encoded, mask: mask)
                return (y, .mean(c))
            case .attention:
                let (y, c) = attention!.forward(encoded, mask: mask)
                return (y, .attention(c))
            }
        }
    }

    /// dFeatures `[B, F]` -> (dEncoderOutput `[T, B, D*H]`, the head's gradient of the distinct
    /// embedding rows `[U, E]` or nil).
    private func headBackward(_ dFeatures: Tensor, cache: Cache) -> (Tensor, Tensor?) {
        switch cache.head {
        case .last(let c):
            return (LastStatePooling(directions: encoder.directions, hiddenSize: spec.hiddenSize)
                .backward(dFeatures, cache: c), nil)
        case .max(let c):
            return (MaxPooling().backward(dFeatures, cache: c), nil)
        case .mean(let c):
            return (MeanPooling().backward(dFeatures, cache: c), nil)
        case .attention(let c):
            return (attention!.backward(dFeatures, cache: c), nil)
        case .rcnnReference(let hidden, let pool):
            // hidden = relu(pre): dPre = dHidden where hidden > 0 (relu'(0) taken as 0).
            let dHidden = MaxPooling().backward(dFeatures, cache: pool)
            let (dOut, dEmbedded) = splitReferenceGradient(dHidden, hidden: hidden, cache: cache)
            let dRows = Tensor([cache.tokens.count, spec.embeddingDim])
            cache.tokens.accumulate(dEmbedded.data, width: spec.embeddingDim, into: dRows.data)
            return (dOut, dRows)
        case .rcnnPaper(let c):
            let (dOut, dRows) = paperHead!.backward(dFeatures, cache: c, tokens: cache.tokens, lengths: cache.lengths)
            return (dOut, dRows)
        }
    }

    /// relu([e | out]) `[T, B, E+2H]` at real steps, zeros at padded ones.
    private func rcnnReferenceHidden(embedded: Tensor, encoded: Tensor, mask: SequenceMask) -> Tensor {
        let t = mask.steps, bsz = mask.batchSize, e = spec.embeddingDim, dh = encoder.outputSize
        let width = e + dh
        let hidden = Tensor([t, bsz, width])
        let hp = hidden.data, emb = embedded.data, out = encoded.data
        for b in 0..<bsz {
            for s in 0..<mask.lengths[b] {
                let i = s * bsz + b
                let row = hp + i * width, er = emb + i * e, orow = out + i * dh
                for k in 0..<e { row[k] = Swift.max(er[k], 0) }
                for k in 0..<dh { row[e + k] = Swift.max(orow[k], 0) }
            }
        }
        return hidden
    }

    private func splitReferenceGradient(_ dHidden: Tensor, hidden: Tensor, cache: Cache) -> (Tensor, Tensor) {
        let t = cache.steps, bsz = cache.lengths.count, e = spec.embeddingDim, dh = encoder.outputSize
        let width = e + dh
        let dOut = Tensor([t, bsz, dh]), dEmb = Tensor([t, bsz, e])
        let g = dHidden.data, hp = hidden.data, o = dOut.data, de = dEmb.data
        for b in 0..<bsz {
            for s in 0..<cache.lengths[b] {
                let i = s * bsz + b
                let row = g + i * width, hrow = hp + i * width
                for k in 0..<e { de[i * e + k] = hrow[k] > 0 ? row[k] : 0 }
                for k in 0..<dh { o[i * dh + k] = hrow[e + k] > 0 ? row[e + k] : 0 }
            }
        }
        return (dOut, dEmb)
    }

}
