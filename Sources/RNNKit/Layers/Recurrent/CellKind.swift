/// The recurrent cell of an encoder; raw values are the config names.
public enum CellKind: String, CaseIterable, Sendable {
    case rnnTanh = "rnn_tanh", rnnRelu = "rnn_relu", jordan, lstm, gru

    /// The cell's implementation: the one place a kind becomes code.
    var cell: any RecurrentCell.Type {
        switch self {
        case .lstm: return LSTMCell.self
        case .gru: return GRUCell.self
        case .rnnTanh: return ElmanTanhCell.self
        case .rnnRelu: return ElmanReluCell.self
        case .jordan: return JordanCell.self
        }
    }

    /// Gates per unit: rows of weight_ih / weight_hh are `gateCount * hiddenSize`.
    public var gateCount: Int { cell.gateCount }

    /// Floats per unit of the per-step activation cache.
    var cacheWidth: Int { cell.cacheWidth }

    /// Parameter-name prefix of an encoder of this cell: `lstm`, `gru`, `rnn` (Elman tanh/relu,
    /// as `torch.nn.RNN`), or `jordan` (no PyTorch counterpart).
    public var parameterPrefix: String {
        switch self {
        case .lstm: return "lstm"
        case .gru: return "gru"
        case .rnnTanh, .rnnRelu: return "rnn"
        case .jordan: return "jordan"
        }
    }
}
