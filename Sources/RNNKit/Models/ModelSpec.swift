/// The text classifiers the library builds.
public enum ModelKind: String, CaseIterable, Sendable {
    /// embedding -> recurrent encoder -> pooling -> dropout -> fc
    case textrnn
    /// textrnn with the encoder forced to a bidirectional LSTM
    case bilstm
    /// recurrent convolutional network (Lai et al. 2015), see `RCNNVariant`
    case textrcnn
    /// a tag per token (slot filling, NER): embedding -> recurrent encoder -> linear per token
    /// (softmax or CRF), with an optional sentence label pooled from the same encoder (`TokenTagger`)
    case tagger
    /// fastText's supervised model (Joulin et al. 2017): the hashed n-gram bag (`NGramSpec`)
    /// -> dropout -> fc; no embedding, no recurrence
    case fasttext
}

/// How a textrnn/bilstm turns the encoder output into features (textrcnn always takes the max):
/// a pooling over real steps, or `memory`, an end-to-end memory network's hops over the states.
public enum PoolingKind: String, CaseIterable, Sendable {
    case last, max, mean, attention, memory
    /// max and mean over real steps, joined: twice the encoder's output width
    case maxMean = "max_mean"
}

/// The hashed n-gram bag (`NGramBag`): fastText's input features, averaged. The `fasttext` kind
/// reads it alone; a recurrent kind joins it to its head's features when `ModelSpec.ngrams` is set
/// (wide and deep).
public struct NGramSpec: Equatable, Sendable {
    /// Hashed rows after the vocabulary's: the table has vocabulary + buckets rows.
    public var buckets: Int
    /// Width of the bag's vector (the table's columns).
    public var dimension: Int
    /// Largest n of token n-grams (fastText's `wordNgrams`; characters under the `char` tokenizer).
    public var wordNgrams: Int
    /// Character n-gram lengths inside each token (fastText's `minn`...`maxn`), nil for none.
    public var characterNgrams: ClosedRange<Int>?
    /// Dropout on the bag's vector before the classifier.
    public var dropout: Float

    public init(buckets: Int, dimension: Int, wordNgrams: Int = 2, characterNgrams: ClosedRange<Int>? = nil, dropout: Float = 0) {
        self.buckets = buckets
        self.dimension = dimension
        self.wordNgrams = wordNgrams
        self.characterNgrams = characterNgrams
        self.dropout = dropout
    }
}

/// How a wide and deep model (a recurrent kind with `ModelSpec.ngrams`) joins the n-gram bag to
/// the recurrent part.
public enum WideCombine: String, CaseIterable, Sendable {
    /// The bag's vector joined to the head's features before one classifier (`fc`), one loss.
    case features
    /// Two experts on the same batches: the bag with its own classifier (`bag_fc`: fastText's
    /// model) and the recurrent model (`fc`), each trained on its own loss; a prediction adds
    /// their log-probabilities (a product of experts). Neither part learns to lean on the other,
    /// so the bag learns as fastText does while the recurrence fits what the bag cannot.
    case experts
}

/// Dropout variants for recurrent models (Merity et al. 2017, AWD-LSTM; Gal & Ghahramani 2016),
/// each a probability in [0, 1), 0 = off. They act in the training forward only: an inference
/// plan reads the weights as trained. `fasttext` has none of the parts they act on.
public struct Regularisation: Equatable, Sendable {
    /// Whole token types dropped per batch (`EmbeddingDropout`).
    public var embeddingDropout: Float
    /// Positions that read `<unk>` instead of their token (`TokenDropout`).
    public var tokenDropout: Float
    /// One mask per sequence on the input and output of every recurrent layer (`LockedDropout`).
    public var lockedDropout: Float
    /// DropConnect on every W_hh, one mask per batch (RecurrentEncoder+WeightDrop.swift).
    public var weightDrop: Float

    public init(embeddingDropout: Float = 0, tokenDropout: Float = 0, lockedDropout: Float = 0, weightDrop: Float = 0) {
        self.embeddingDropout = embeddingDropout
        self.tokenDropout = tokenDropout
        self.lockedDropout = lockedDropout
        self.weightDrop = weightDrop
    }

    /// Config field names (under `model.`) and values, for validation.
    var fields: [(String, Float)] {
        [("embedding_dropout", embeddingDropout), ("token_dropout", tokenDropout),
         ("locked_dropout", lockedDropout), ("weight_drop", weightDrop)]
    }
}

/// Which TextRCNN.
public enum RCNNVariant: String, CaseIterable, Sendable {
    /// Lai et al.: tanh(proj([left context | embedding | right context])), contexts exclude the word.
    case paper
    /// Chinese-Text-Classification-Pytorch: relu([embedding | forward | backward]), no projection.
    case reference
}

/// Everything that fixes a model's architecture and parameter shapes.
public struct ModelSpec: Equatable, Sendable {
    public var kind: ModelKind
    public var cell: CellKind
    public var vocabularySize: Int
    public var embeddingDim: Int
    public var hiddenSize: Int
    public var layers: Int
    public var bidirectional: Bool
    /// Between encoder layers, and after pooling (textrnn, bilstm, textrcnn paper).
    public var dropout: Float
    public var pooling: PoolingKind
    public var rcnnVariant: RCNNVariant
    /// Output size of the textrcnn paper projection.
    public var rcnnProjectionSize: Int
    public var classCount: Int
    /// Padding token id: its embedding row stays zero and gets no gradient.
    public var padId: Int
    public var freezeEmbedding: Bool
    /// Hops of the `memory` head.
    public var memoryHops: Int
    /// The hashed n-gram bag: required by `fasttext`, the wide part of a recurrent kind, or nil.
    public var ngrams: NGramSpec?
    /// Training-only regularisation of the recurrent kinds (all 0 = off; see `Regularisation`).
    public var regularisation: Regularisation
    /// How a recurrent kind with `ngrams` joins the bag (wide and deep).
    public var wideCombine: WideCombine

    public init(kind: ModelKind = .textrnn, cell: CellKind = .lstm, vocabularySize: Int, embeddingDim: Int,
                hiddenSize: Int, layers: Int = 1, bidirectional: Bool = true, dropout: Float = 0,
                pooling: PoolingKind = .last, rcnnVariant: RCNNVariant = .paper, rcnnProjectionSize: Int = 0,
                classCount: Int, padId: Int, freezeEmbedding: Bool = false, memoryHops: Int = 3,
                ngrams: NGramSpec? = nil, regularisation: Regularisation = Regularisation(),
                wideCombine: WideCombine = .features) {
        self.kind = kind
        self.cell = cell
        self.vocabularySize = vocabularySize
        self.embeddingDim = embeddingDim
        self.hiddenSize = hiddenSize
        self.layers = layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.pooling = pooling
        self.rcnnVariant = rcnnVariant
        self.rcnnProjectionSize = rcnnProjectionSize
        self.classCount = classCount
        self.padId = padId
        self.freezeEmbedding = freezeEmbedding
        self.memoryHops = memoryHops
        self.ngrams = ngrams
        self.regularisation = regularisation
        self.wideCombine = wideCombine
    }

    /// The architecture actually built: bilstm forces an LSTM that is bidirectional, textrcnn
    /// a bidirectional encoder (its left and right contexts are the two directions).
    public var effective: ModelSpec {
        var s = self
        switch kind {
        case .bilstm: s.cell = .lstm; s.bidirectional = true
        case .textrcnn: s.bidirectional = true
        case .textrnn, .tagger, .fasttext: break
        }
        return s
    }

    /// Parameter-name prefix of the encoder: `lstm`, `gru`, `rnn` (Elman tanh/relu, as
    /// `torch.nn.RNN`), or `jordan` (no PyTorch counterpart).
    public var encoderName: String { cell.parameterPrefix }

    /// A wide and deep model whose bag is an expert of its own (`WideCombine.experts`).
    public var hasBagExpert: Bool { kind != .fasttext && ngrams != nil && wideCombine == .experts }

    /// Throws `.input` naming the field (`model.<field>`) when a value cannot build a model.
    public func validate() throws {
        func fail(_ field: String, _ message: String) -> RNNError { .input(message, field: "model.\(field)") }
        precondition(vocabularySize >= 1 && classCount >= 2, "the data give \(vocabularySize) tokens and \(classCount) classes")
        if embeddingDim < 1 {
            throw RNNError.input("must be at least 1, got \(embeddingDim)", field: "embedding.dim")
        }
        if hiddenSize < 1 { throw fail("hidden_size", "must be at least 1, got \(hiddenSize)") }
        if layers < 1 { throw fail("layers", "must be at least 1, got \(layers)") }
        if !(dropout >= 0 && dropout < 1) { throw fail("dropout", "must be in [0, 1), got \(dropout)") }
        precondition(padId >= 0 && padId < vocabularySize, "the padding id \(padId) is not a row of the vocabulary")
        if kind == .textrcnn && rcnnVariant == .paper && rcnnProjectionSize < 1 {
            throw fail("rcnn_proj_size", "must be at least 1 for the paper TextRCNN, got \(rcnnProjectionSize)")
        }
        if pooling == .memory && memoryHops < 1 { throw fail("memory_hops", "must be at least 1, got \(memoryHops)") }
        precondition(kind != .fasttext || ngrams != nil, "the fasttext kind needs its n-gram bag")
        if let n = ngrams {
            if n.buckets < 1 { throw fail("ngrams.buckets", "must be at least 1, got \(n.buckets)") }
            if n.dimension < 1 { throw fail("ngrams.dim", "must be at least 1, got \(n.dimension)") }
            if n.wordNgrams < 1 { throw fail("ngrams.word_ngrams", "must be at least 1, got \(n.wordNgrams)") }
            if let r = n.characterNgrams, r.lowerBound < 1 { throw fail("ngrams.minn", "must be at least 1, got \(r.lowerBound)") }
            if !(n.dropout >= 0 && n.dropout < 1) { throw fail("ngrams.dropout", "must be in [0, 1), got \(n.dropout)") }
        }
        for (field, p) in regularisation.fields where !(p >= 0 && p < 1) {
            throw fail(field, "must be in [0, 1), got \(p)")
        }
        let weights = weightCountLowerBound
        if weights > ModelSpec.maximumWeightCount {
            throw RNNError.input("the model is too large: at least \(weights == Int.max ? "2^63" : String(weights)) weights (vocabulary \(vocabularySize) x "
                                 + "embedding \(embeddingDim), \(layers) layers of hidden_size \(hiddenSize)); the limit is \(ModelSpec.maximumWeightCount)",
                                 field: largestSizeField)
        }
    }
}
