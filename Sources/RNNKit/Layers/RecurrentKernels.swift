/// Shared pieces of the recurrent cells' fused per-step passes.
///
/// Every cell runs its gate arithmetic on `SIMD8<Float>` lanes. A hidden size that is
/// not a multiple of 8 ends with one partial chunk that is loaded zero-filled and stored
/// lane by lane: the same formula (and so the same rounding) on every unit.
enum Lanes {
    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, _ n: Int) -> SIMD8<Float> {
        if n == 8 { return UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self) }
        var v = SIMD8<Float>()
        for l in 0..<n { v[l] = p[l] }
        return v
    }

    @inline(__always)
    static func load(_ p: UnsafeMutablePointer<Float>, _ n: Int) -> SIMD8<Float> {
        load(UnsafePointer(p), n)
    }

    @inline(__always)
    static func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, _ n: Int) {
        if n == 8 { UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self); return }
        for l in 0..<n { p[l] = v[l] }
    }
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
    var inputRows: UnsafePointer<Int32>? = nil
    /// `[B, G*H]`: W_hh s_{t-1} (no bias).
    var recurrentProjection: UnsafePointer<Float>
    /// `[G*H]`: b_hh.
    var recurrentBias: UnsafePointer<Float>
    /// `[B, H]` recurrent state, updated in place at real rows only.
    var state: UnsafeMutablePointer<Float>
    /// `[B, H]` LSTM cell state, updated in place at real rows only.
    var cell: UnsafeMutablePointer<Float>?
    /// `[B, cacheWidth]` activations kept for backward (step t's block of the cache).
    var gates: UnsafeMutablePointer<Float>
    /// `[B, H]` LSTM tanh(c_t).
    var tanhCell: UnsafeMutablePointer<Float>?
    var output: UnsafeMutablePointer<Float>
    var outputStride: Int

    @inline(__always) func isReal(_ b: Int) -> Bool { step < lengths[b] }

    /// Row b's input projection (`width` = G*H floats).
    @inline(__always) func inputProjection(row b: Int, width: Int) -> UnsafePointer<Float> {
        if let ids = inputRows { return inputProjection + Int(ids[b]) * width }
        return inputProjection + b * width
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
    var gates: UnsafePointer<Float>
    var previousState: UnsafePointer<Float>
    var previousCell: UnsafePointer<Float>?
    var tanhCell: UnsafePointer<Float>?
    /// `[B, G*H]` gradient w.r.t. the input-side pre-activations (W_ih x + b_ih).
    var gateGradient: UnsafeMutablePointer<Float>
    /// `[B, G*H]` gradient w.r.t. the recurrent-side pre-activations (W_hh s + b_hh); GRU only
    /// differs from `gateGradient`.
    var recurrentGradient: UnsafeMutablePointer<Float>

    @inline(__always) func isReal(_ b: Int) -> Bool { step < lengths[b] }
}
