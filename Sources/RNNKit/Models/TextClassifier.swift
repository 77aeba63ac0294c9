/// A text classifier: embedding -> recurrent encoder -> head -> dropout -> linear, with PyTorch
/// parameter names; optionally with the hashed n-gram bag (`NGramBag`, `spec.ngrams`) joined to
/// the head's features before the linear (wide and deep), or the bag alone (`fasttext`), or
/// the bag as an expert of its own beside the recurrent model (`WideCombine.experts`).
///
/// Parameter order (fixed; checkpoints and optimizers walk it): `embedding.weight`, the encoder's
/// (`lstm.*`, `gru.*`, `rnn.*` or `jordan.*`, see `CellKind.parameterPrefix`), the head's
/// (`attention.w`; `proj.weight`, `proj.bias`; `memory.*`), `fc.weight`, `fc.bias`, and for
/// experts the bag's own classifier, `bag_fc.weight`, `bag_fc.bias`. The bag's
/// table `bag.weight` is no `Parameter` (it is trained row-sparsely): `sparseTables`, saved after
/// the parameters. `fasttext` has no embedding, encoder or head: its parameters are fc's.
///
/// The head is chosen by `ModelFactory` (see Models/Heads): TextRNN/BiLSTM pool the encoder
/// output (`spec.pooling`), TextRCNN (Lai et al. 2015) builds its features from the left and
/// right contexts and the embeddings (`spec.rcnnVariant`). `spec.dropout` applies between
/// encoder layers and to the head's features (except the reference TextRCNN's, as there).
/// `spec.regularisation` adds, in training only, token dropout, embedding dropout of whole
/// token types, locked dropout on the encoder's input and output (and between its layers) and
/// weight-drop on W_hh; `forward`'s `perturbation` is adversarial training's (FGM).
///
/// Three states, as llama2.c keeps them: the model owns its parameters only; a
/// `TrainingWorkspace` holds every buffer of a training step; an `InferencePlan` is an immutable
/// snapshot for prediction. Every step reads a sequence's own real steps only, so its logits do
/// not depend on the padding or on the other sequences of the batch.
public final class TextClassifier: ParameterOwner {
    /// The effective spec (`ModelSpec.effective`): bilstm/textrcnn overrides applied.
    public let spec: ModelSpec
    /// Nil for `fasttext` (its words are rows of the bag's table).
    public let embedding: Embedding?
    /// Nil for a model without recurrence (`fasttext`).
    public let encoder: RecurrentEncoder?
    /// Nil for `fasttext`.
    public let head: SequenceHead?
    /// The hashed n-gram bag, when `spec.ngrams` is set.
    public let bag: NGramBag?
    public let classifier: Linear
    /// The bag expert's classifier (`WideCombine.experts`), else nil.
    public let bagClassifier: Linear?
    public let parameters: [Parameter]
    let dropout: Dropout

    /// Builds the model and draws its initial weights from `rng` in parameter order (embedding
    /// N(0,1), encoder and linears PyTorch's uniform bounds, attention zeros), then the bag's
    /// table (fastText's uniform(-1/dim, 1/dim)). `tokens` (the vocabulary, id by id) is needed
    /// when `spec.ngrams` is set: the bag hashes them. Call `spec.validate()` first for specs
    /// that come from users.
    public convenience init(spec: ModelSpec, tokens: [String]? = nil, rng: inout RandomSource) {
        self.init(spec: spec, tokens: tokens, draw: true, rng: &rng)
    }

    /// A model whose weights are loaded next (a checkpoint): the embedding and bag are not drawn.
    public static func forLoading(spec: ModelSpec, tokens: [String]? = nil) -> TextClassifier {
        var rng = RandomSource(seed: 0)
        return TextClassifier(spec: spec, tokens: tokens, draw: false, rng: &rng)
    }

    private init(spec: ModelSpec, tokens: [String]?, draw: Bool, rng: inout RandomSource) {
        let s = spec.effective
        self.spec = s
        var deepFeatures = 0
        if s.kind == .fasttext {
            embedding = nil
            encoder = nil
            head = nil
        } else {
            let embedding = Embedding(vocabularySize: s.vocabularySize, dimension: s.embeddingDim, padIndex: s.padId,
                                      name: "embedding", frozen: s.freezeEmbedding, draw: draw, rng: &rng)
            let encoder = RecurrentEncoder(cell: s.cell, inputSize: s.embeddingDim, hiddenSize: s.hiddenSize,
                                           layers: s.layers, bidirectional: s.bidirectional, dropout: s.dropout,
                                           lockedDropout: s.regularisation.lockedDropout, weightDrop: s.regularisation.weightDrop,
                                           name: s.encoderName, rng: &rng)
            let head = ModelFactory.head(for: s, encoderOutputSize: encoder.outputSize, rng: &rng)
            (self.embedding, self.encoder, self.head) = (embedding, encoder, head)
            deepFeatures = head.featureSize
        }
        let joinedBag = s.hasBagExpert ? 0 : s.ngrams?.dimension ?? 0
        classifier = Linear(inputSize: deepFeatures + joinedBag, outputSize: s.classCount, name: "fc", rng: &rng)
        bagClassifier = s.hasBagExpert ? Linear(inputSize: s.ngrams!.dimension, outputSize: s.classCount, name: "bag_fc", rng: &rng) : nil
        if let n = s.ngrams {
            guard let tokens, tokens.count == s.vocabularySize else { preconditionFailure("the n-gram bag needs the vocabulary's tokens") }
            bag = NGramBag(spec: n, tokens: tokens, unknownId: 1, draw: draw, rng: &rng)
        } else {
            bag = nil
        }
        dropout = Dropout(probability: s.dropout)
        parameters = (embedding?.parameters ?? []) + (encoder?.parameters ?? []) + (head?.parameters ?? []) + classifier.parameters
            + (bagClassifier?.parameters ?? [])
    }

    /// The attention pooling's parameters, when the head pools by attention.
    public var attention: AttentionPooling? { (head as? PoolingHead)?.attention }

    /// Tables trained row-sparsely (the bag's), saved after the parameters.
    public var sparseTables: [EmbeddingBag] { bag.map { [$0.table] } ?? [] }

    public func makeWorkspace() -> TrainingWorkspace { TrainingWorkspace(self) }

    /// What forward saved for backward (its tensors are the workspace's).
    public struct Cache {
        let headInput: HeadInput?
        let encoderCache: RecurrentEncoder.Cache?
        /// `[B, F]` the head's features (the bag's vector for `fasttext`), and the head's part of
        /// what the classifier read (after dropout).
        public let features: Tensor
        let deepInput: Tensor?
        let classifierInput: Tensor
        /// The bag expert's input (its vector after dropout), for experts.
        let bagInput: Tensor?
    }

    /// The training forward: logits `[B, classes]` (the workspace's; for experts the recurrent
    /// expert's, the bag's are `workspace.bagLogits`: each has its own loss). Dropout is on; its draws
    /// come from `rng` in a fixed order: token dropout, embedding dropout, locked dropout of the
    /// encoder's input, the encoder (weight-drop, then its layers bottom-up), locked dropout of
    /// its output, the features, the bag's vector. `perturbation` `[U, E]` (adversarial training)
    /// is added to the embedding rows the encoder and head read (after embedding dropout): the
    /// caller passes the same `TokenRows` order, i.e. the same batch and the same draws.
    public func forward(_ batch: Batch, workspace ws: TrainingWorkspace, rng: inout RandomSource,
                        perturbation: Tensor? = nil) -> Tensor {
        var input: HeadInput?, encoderCache: RecurrentEncoder.Cache?, features: Tensor?, deepInput: Tensor?
        if let embedding, let head {
            let r = spec.regularisation
            let read = r.tokenDropout > 0 ? TokenDropout.apply(batch, probability: r.tokenDropout, unknownId: 1, rng: &rng) : batch
            ws.tokens.rebuild(read, vocabularySize: embedding.vocabularySize)
            let rows = ws.dropouts.dropEmbedding(embedding.forward(ws.tokens, into: ws.rows), probability: r.embeddingDropout, rng: &rng)
            if let perturbation {
                precondition(perturbation.count == rows.count, "perturbation \(perturbation.shape) for rows \(rows.shape)")
                Elementwise.add(perturbation.data, into: rows.data, count: rows.count)
            }
            var encoded: Tensor?
            if let encoder, let encoderWorkspace = ws.encoder {
                let layerInput = ws.dropouts.lockInput(rows, tokens: ws.tokens, batch: batch, probability: r.lockedDropout, rng: &rng)
                let r2 = encoder.forward(layerInput, mask: batch.mask, workspace: encoderWorkspace, rng: &rng)
                encoded = ws.dropouts.lockOutput(r2.output, batchSize: batch.size, probability: r.lockedDropout, rng: &rng)
                encoderCache = r2.cache
            }
            input = HeadInput(encoded: encoded, tokens: ws.tokens, rows: rows, mask: batch.mask)
            let headFeatures = head.forward(input!, workspace: ws.head!)
            features = headFeatures
            deepInput = headFeatures
            if head.dropsOutFeatures && dropout.probability > 0 {
                dropout.forward(headFeatures, mask: ws.dropoutMask, into: ws.dropped, rng: &rng)
                deepInput = ws.dropped
            }
        }
        var classifierInput = deepInput, bagInput: Tensor?
        if let bag, let bagWorkspace = ws.bag {
            let wide = bag.forward(batch, workspace: bagWorkspace, rng: &rng)
            if let bagClassifier {
                _ = bagClassifier.forward(wide, into: ws.bagLogits)
                bagInput = wide
            } else if let deepInput {
                FeatureJoin.join(deepInput, wide, into: ws.joined)
                classifierInput = ws.joined
            } else {
                classifierInput = wide
                features = bagWorkspace.mean
            }
        }
        classifier.forward(classifierInput!, into: ws.logits)
        ws.cache = Cache(headInput: input, encoderCache: encoderCache, features: features!, deepInput: deepInput,
                         classifierInput: classifierInput!, bagInput: bagInput)
        return ws.logits
    }

    /// Accumulates every (non-frozen) parameter's gradient for dLoss/dLogits `[B, classes]` of
    /// the last `forward` with this workspace. For experts, `dBagLogits` is the bag expert's
    /// (nil: the bag and `bag_fc` get no gradient from this call).
    public func backward(_ dLogits: Tensor, dBagLogits: Tensor? = nil, workspace ws: TrainingWorkspace) {
        guard let cache = ws.cache else { preconditionFailure("backward without a forward") }
        var dInput = classifier.backward(dLogits, input: cache.classifierInput, into: ws.dClassifierInput,
                                         scratch: ws.biasScratch)
        if let bagClassifier {
            if let dBagLogits, let bag, let bagWorkspace = ws.bag, let bagInput = cache.bagInput {
                bag.backward(bagClassifier.backward(dBagLogits, input: bagInput, into: ws.dWide, scratch: ws.biasScratch),
                             workspace: bagWorkspace)
            }
        } else if let bag, let bagWorkspace = ws.bag {
            guard let deepInput = cache.deepInput else { return bag.backward(dInput, workspace: bagWorkspace) }
            FeatureJoin.split(dInput, leftWidth: deepInput.shape[1], intoLeft: ws.dDeep, right: ws.dWide)
            bag.backward(ws.dWide, workspace: bagWorkspace)
            dInput = ws.dDeep
        }
        guard let head, let embedding, let headInput = cache.headInput else { return }
        if cache.deepInput !== cache.features { dropout.backward(dInput, mask: ws.dropoutMask, into: dInput) }
        let gradient = head.backward(dInput, input: headInput, workspace: ws.head!)
        let r = spec.regularisation
        var dRows: Tensor?
        if let encoder, let encoderWorkspace = ws.encoder, let dEncoded = gradient.encoded {
            ws.dropouts.lockOutputBackward(dEncoded, probability: r.lockedDropout)
            let dInput = encoder.backward(dEncoded, dFinalHidden: nil, dFinalCell: nil, cache: cache.encoderCache!,
                                          workspace: encoderWorkspace)
            dRows = ws.dropouts.lockInputBackward(dInput, tokens: ws.tokens, rowShape: ws.rows.shape, probability: r.lockedDropout)
        }
        if let headRows = gradient.rows {
            if let dRows { Elementwise.add(headRows.data, into: dRows.data, count: dRows.count) } else { dRows = headRows }
        }
        ws.rowGradient = dRows
        guard let dRows else { return }
        embedding.backward(rowGradient: ws.dropouts.embeddingBackward(dRows, probability: r.embeddingDropout), tokens: ws.tokens)
    }
}

/// Every buffer a training step of a `TextClassifier` needs, sized by the batches it has seen
/// (llama2.c's `RunState`, llm.c's `ActivationTensors`): after the first batch of the largest
/// shape, a step allocates no tensor.
public final class TrainingWorkspace {
    let tokens = TokenRows()
    let rows = Tensor([0])              // [U, E]  the distinct tokens' embedding rows
    let encoder: RecurrentWorkspace?
    let head: HeadWorkspace?
    let bag: NGramBag.Workspace?
    let joined = Tensor([0])            // [B, F + D]  the head's features beside the bag's vector
    let dDeep = Tensor([0])             // [B, F]
    let dWide = Tensor([0])             // [B, D]
    let dropoutMask = Tensor([0])       // [B, F]
    let dropped = Tensor([0])           // [B, F]
    let logits = Tensor([0])            // [B, classes]
    /// The bag expert's logits `[B, classes]` (`WideCombine.experts`).
    public let bagLogits = Tensor([0])
    let dClassifierInput = Tensor([0])  // [B, F]
    let biasScratch = Tensor([0])
    /// Regularisation (`ModelSpec.regularisation`), sized when used.
    let dropouts = InputOutputDropout()
    /// dLoss/d(the rows the encoder and head read) of the last backward: adversarial training's direction.
    var rowGradient: Tensor?
    /// What the last forward saved.
    public internal(set) var cache: TextClassifier.Cache?

    init(_ model: TextClassifier) {
        encoder = model.encoder?.makeWorkspace()
        head = model.head?.makeWorkspace()
        bag = model.bag.map { _ in NGramBag.Workspace() }
    }

    /// The encoder output of the last forward (tests compare it with PyTorch's).
    public var encoderOutput: Tensor? { cache?.headInput?.encoded }
}
