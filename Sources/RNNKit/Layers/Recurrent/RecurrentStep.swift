/// A recurrent cell: one step forward and one step backward for the B rows of a time step, as
/// one fused SIMD8 pass over the gates (see each cell's file for its equations).
///
/// The encoder is generic over the cell (`RecurrentDirectionPass`), so each cell's passes are
/// specialised into the step loops; `CellKind.cell` is the one place a kind becomes a type.
protocol RecurrentCell {
    /// Gates per unit: rows of weight_ih / weight_hh are `gateCount * hiddenSize`.
    static var gateCount: Int { get }
    /// Floats per unit of the per-step activation cache (`activations`).
    static var cacheWidth: Int { get }
    /// LSTM: a cell state c is carried beside h.
    static var carriesCell: Bool { get }
    /// Jordan: an output layer y = tanh(W_hy h + b_hy) is fed back instead of h.
    static var hasOutputLayer: Bool { get }
    /// GRU: the gradient of the recurrent pre-activations differs from the input side's.
    static var separateRecurrentGradient: Bool { get }

    /// Updates `state` (and `cell`) at real rows, writes the output and the activations backward
    /// needs; at padded rows writes zeros to the output and the activations (so no stale value
    /// of an earlier batch stays in a reused workspace).
    static func forward(_ s: RecurrentForwardStep)
    /// Writes the pre-activation gradients of step t (zero at padded rows) and leaves in
    /// `stateGradient` the part of dState_{t-1} that does not go through W_hh.
    static func backward(_ s: RecurrentBackwardStep)
}

extension RecurrentCell {
    static var carriesCell: Bool { false }
    static var hasOutputLayer: Bool { false }
    static var separateRecurrentGradient: Bool { false }
}

/// Pointers one forward step of a cell works on, for the B rows of step t.
/// Row b of a `[B, w]` block starts at `b * w`; output row b at `output + b * outputStride`.
struct RecurrentForwardStep {
    var rows: Int
    var hidden: Int
    /// Sequence lengths; row b is real at step t when t < lengths[b].
    var lengths: UnsafePointer<Int>
    var step: Int
    /// `[B, G*H]`: W_ih x_t + b_ih; with `inputRows`, a table whose row `inputRows[b]` is row b's.
    var inputProjection: UnsafePointer<Float>
    /// Row index into `inputProjection` of each row at step t when that is a table (a per-token
    /// table in inference, the distinct tokens' projections in training): the cell reads the
    /// row in place instead of a copy of it. Padded rows' entries are never read.
    var inputRows: UnsafePointer<Int32>?
    /// `[B, G*H]`: W_hh s_{t-1} (no bias).
    var recurrentProjection: UnsafePointer<Float>
    /// `[G*H]`: b_hh.
    var recurrentBias: UnsafePointer<Float>
    /// `[B, H]` recurrent state, updated in place at real rows only.
    var state: UnsafeMutablePointer<Float>
    /// `[B, H]` LSTM cell state, updated in place at real rows only.
    var cell: UnsafeMutablePointer<Float>?
    /// `[B, cacheWidth*H]` activations kept for backward (step t's block of the cache).
    var activations: UnsafeMutablePointer<Float>
    /// `[B, H]` LSTM tanh(c_t).
    var tanhCell: UnsafeMutablePointer<Float>?
    var output: UnsafeMutablePointer<Float>
    var outputStride: Int
    /// Jordan: W_hy `[H, H]`, b_hy `[H]` and a `[B, H]` scratch for W_hy h_t.
    var outputWeight: UnsafePointer<Float>?
    var outputBias: UnsafePointer<Float>?
    var outputScratch: UnsafeMutablePointer<Float>?

    @inline(__always) func isReal(_ b: Int) -> Bool { step < lengths[b] }

    /// Row b's input projection (`width` = G*H floats).
    @inline(__always) func inputProjection(row b: Int, width: Int) -> UnsafePointer<Float> {
        if let ids = inputRows { return inputProjection + Int(ids[b]) * width }
        return inputProjection + b * width
    }

    /// Zeros of a padded row: its output and its `width` floats of activations (and tanh(c)).
    @inline(__always) func clearPaddedRow(_ b: Int, activationWidth width: Int) {
        (output + b * outputStride).update(repeating: 0, count: hidden)
        (activations + b * width).update(repeating: 0, count: width)
        if let tanhCell { (tanhCell + b * hidden).update(repeating: 0, count: hidden) }
    }
}

/// Pointers one backward step of a cell works on, for the B rows of step t.
struct RecurrentBackwardStep {
    var rows: Int
    var hidden: Int
    var lengths: UnsafePointer<Int>
    var step: Int
    /// Gradient of the loss w.r.t. the layer output at step t (row b at `outputGradient + b * outputStride`).
    var outputGradient: UnsafePointer<Float>
    var outputStride: Int
    /// `[B, H]` gradient w.r.t. the state after step t on entry; on exit, the part of the gradient
    /// w.r.t. the state before step t that does not go through W_hh (the driver adds dHH * W_hh).
    var stateGradient: UnsafeMutablePointer<Float>
    /// `[B, H]` LSTM: gradient w.r.t. c after step t on entry, before step t on exit.
    var cellGradient: UnsafeMutablePointer<Float>?
    var activations: UnsafePointer<Float>
    var previousState: UnsafePointer<Float>
    var previousCell: UnsafePointer<Float>?
    var tanhCell: UnsafePointer<Float>?
    /// `[B, G*H]` gradient w.r.t. the input-side pre-activations (W_ih x + b_ih).
    var gateGradient: UnsafeMutablePointer<Float>
    /// `[B, G*H]` gradient w.r.t. the recurrent-side pre-activations (W_hh s + b_hh); GRU only
    /// differs from `gateGradient`.
    var recurrentGradient: UnsafeMutablePointer<Float>
    /// Jordan: W_hy `[H, H]`, dyPre `[B, H]` of step t (kept for dW_hy), and a `[B, H]` scratch.
    var outputWeight: UnsafePointer<Float>?
    var outputPreGradient: UnsafeMutablePointer<Float>?
    var hiddenScratch: UnsafeMutablePointer<Float>?

    @inline(__always) func isReal(_ b: Int) -> Bool { step < lengths[b] }
}
