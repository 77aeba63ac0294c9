/// The text classifiers the library builds.
public enum ModelKind: String, CaseIterable, Sendable {
    /// embedding -> recurrent encoder -> pooling -> dropout -> fc
    case textrnn
    /// textrnn with the encoder forced to a bidirectional LSTM
    case bilstm
    /// recurrent convolutional network (Lai et al. 2015), see `RCNNVariant`
    case textrcnn
}

/// How a textrnn/bilstm pools the encoder output over time (textrcnn always takes the max).
public enum PoolingKind: String, CaseIterable, Sendable {
    case last, max, mean, attention
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

    public init(kind: ModelKind = .textrnn, cell: CellKind = .lstm, vocabularySize: Int, embeddingDim: Int,
                hiddenSize: Int, layers: Int = 1, bidirectional: Bool = true, dropout: Float = 0,
                pooling: PoolingKind = .last, rcnnVariant: RCNNVariant = .paper, rcnnProjectionSize: Int = 0,
                classCount: Int, padId: Int, freezeEmbedding: Bool = false) {
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
    }

    /// The architecture actually built: bilstm forces an LSTM that is bidirectional, textrcnn
    /// a bidirectional encoder (its left and right contexts are the two directions).
    public var effective: ModelSpec {
        var s = self
        switch kind {
        case .bilstm: s.cell = .lstm; s.bidirectional = true
        case .textrcnn: s.bidirectional = true
        case .textrnn: break
        }
        return s
    }

    /// Parameter-name prefix of the encoder: `lstm`, `gru`, `rnn` (Elman tanh/relu, as
    /// `torch.nn.RNN`), or `jordan` (no PyTorch counterpart).
    public var encoderName: String {
        switch cell {
        case .lstm: return "lstm"
        case .gru: return "gru"
        case .rnnTanh, .rnnRelu: return "rnn"
        case .jordan: return "jordan"
        }
    }

    /// Throws `.input` naming the field (`model.<field>`) when a value cannot build a model.
    public func validate() throws {
        func fail(_ field: String, _ message: String) -> RNNError { .input(message, field: "model.\(field)") }
        if vocabularySize < 1 { throw fail("vocabulary_size", "must be at least 1, got \(vocabularySize)") }
        if embeddingDim < 1 { throw fail("embedding_dim", "must be at least 1, got \(embeddingDim)") }
        if hiddenSize < 1 { throw fail("hidden_size", "must be at least 1, got \(hiddenSize)") }
        if layers < 1 { throw fail("layers", "must be at least 1, got \(layers)") }
        if !(dropout >= 0 && dropout < 1) { throw fail("dropout", "must be in [0, 1), got \(dropout)") }
        if classCount < 2 { throw fail("classes", "need at least 2 classes, got \(classCount)") }
        if padId < 0 || padId >= vocabularySize {
            throw fail("pad_id", "must be a row of the vocabulary (0..<\(vocabularySize)), got \(padId)")
        }
        if kind == .textrcnn && rcnnVariant == .paper && rcnnProjectionSize < 1 {
            throw fail("rcnn_projection_size", "must be at least 1 for the paper TextRCNN, got \(rcnnProjectionSize)")
        }
        let weights = weightCountLowerBound
        if weights > ModelSpec.maximumWeightCount {
            throw RNNError.input("the model is too large: at least \(weights == Int.max ? "2^63" : String(weights)) weights (vocabulary \(vocabularySize) x "
                                 + "embedding \(embeddingDim), \(layers) layers of hidden_size \(hiddenSize)); the limit is \(ModelSpec.maximumWeightCount)",
                                 field: largestSizeField)
        }
    }
}
