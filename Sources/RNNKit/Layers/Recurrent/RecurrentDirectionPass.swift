/// One direction of one recurrent layer over a batch: the forward step loop and, beside it, the
/// backward step loop with the weight gradients. Generic over the cell, so each cell's fused
/// pass is specialised into the loop.
///
/// Rows are time-major: step t of sequence b is row `t * B + b`. The forward direction walks
/// t = 0...T-1, the backward one T-1...0; a padded step leaves the state unchanged, so each
/// direction starts (or ends) at each sequence's own last real step.
enum RecurrentDirectionPass {
    /// The weights of one layer and direction, as pointers: the live parameters in training, a
    /// snapshot in an inference plan.
    struct Weights {
        /// W_hh^T packed for the per-step `[B, H] x [H, G*H]` product.
        let recurrentPacked: PackedMatmulB
        /// `[G*H]` b_hh.
        let recurrentBias: UnsafePointer<Float>
        /// Jordan: W_hy `[H, H]` and b_hy `[H]`.
        let outputWeight: UnsafePointer<Float>?
        let outputBias: UnsafePointer<Float>?
    }

    /// Where the forward pass reads its input projections and writes what it keeps.
    struct Forward {
        var steps: Int
        var rows: Int
        var hidden: Int
        var lengths: UnsafePointer<Int>
        /// `[T]`: rows 0..<activeRows[t] hold every real row of step t (`SequenceMask.activeRows`).
        var activeRows: UnsafePointer<Int>
        var reverse: Bool
        /// W_ih x + b_ih: `[T*B, G*H]` row t*B+b, or with `inputRows` a table read through the ids.
        var inputProjection: UnsafePointer<Float>
        /// `[T*B]` row of `inputProjection` per position (nil: dense rows).
        var inputRows: UnsafePointer<Int32>?
        /// `[B, H]` state (and `[B, H]` LSTM cell), zero on entry, final states on exit.
        var state: UnsafeMutablePointer<Float>
        var cell: UnsafeMutablePointer<Float>?
        /// `[B, G*H]` scratch for W_hh s; `[B, H]` Jordan scratch for W_hy h.
        var recurrentScratch: UnsafeMutablePointer<Float>
        var outputScratch: UnsafeMutablePointer<Float>?
        /// Kept for backward, one block per step (`[T*B, ...]`); nil in inference, where
        /// `activations` and `tanhCell` are one reused `[B, ...]` block.
        var previousState: UnsafeMutablePointer<Float>?
        var previousCell: UnsafeMutablePointer<Float>?
        var activations: UnsafeMutablePointer<Float>
        var tanhCell: UnsafeMutablePointer<Float>?
        /// This direction's first column of the layer output `[T, B, D*H]`, and D*H.
        var output: UnsafeMutablePointer<Float>
        var outputStride: Int
    }

    static func forward<C: RecurrentCell>(_ cell: C.Type, _ w: Weights, _ f: Forward) {
        let rows = f.rows, h = f.hidden, gh = C.gateCount * h, cw = C.cacheWidth * h
        let keeps = f.previousState != nil
        for s in 0..<f.steps {
            let t = f.reverse ? f.steps - 1 - s : s
            let block = keeps ? t * rows : 0
            if let previous = f.previousState {
                (previous + t * rows * h).update(from: f.state, count: rows * h)
                if let c = f.cell, let pc = f.previousCell { (pc + t * rows * h).update(from: c, count: rows * h) }
            }
            let active = f.activeRows[t]
            matmul(.none, m: active, alpha: 1, a: f.state, lda: h, packedB: w.recurrentPacked, beta: 0,
                   c: f.recurrentScratch, ldc: gh)
            let step = RecurrentForwardStep(
                rows: active, hidden: h, lengths: f.lengths, step: t,
                inputProjection: f.inputRows == nil ? f.inputProjection + t * rows * gh : f.inputProjection,
                inputRows: f.inputRows.map { $0 + t * rows }, recurrentProjection: f.recurrentScratch,
                recurrentBias: w.recurrentBias, state: f.state, cell: f.cell,
                activations: f.activations + block * cw, tanhCell: f.tanhCell.map { $0 + block * h },
                output: f.output + t * rows * f.outputStride, outputStride: f.outputStride,
                outputWeight: w.outputWeight, outputBias: w.outputBias, outputScratch: f.outputScratch)
            C.forward(step)
            // The rows past the active ones are padded at this step: zeros, as a cell writes them.
            for b in active..<rows { step.clearPaddedRow(b, activationWidth: cw) }
        }
    }

    /// What the backward pass reads (the forward's kept blocks) and writes.
    struct Backward {
        var forward: Forward
        /// `[T, B, D*H]` gradient of the layer output; this direction's first column.
        var outputGradient: UnsafePointer<Float>
        /// `[B, H]` carries: on entry the gradient of the final state (and cell), zero for none.
        var stateCarry: UnsafeMutablePointer<Float>
        var cellCarry: UnsafeMutablePointer<Float>?
        /// W_hh (not transposed) packed for `dState_{t-1} += dRecurrent_t x W_hh`.
        var recurrentPackedForBackward: PackedMatmulB
        /// `[T*B, G*H]` pre-activation gradients (input side) and, for the GRU, the recurrent side.
        var gateGradient: UnsafeMutablePointer<Float>
        var recurrentGradient: UnsafeMutablePointer<Float>
        /// Jordan: `[T*B, H]` dyPre per step and a `[B, H]` scratch.
        var outputPreGradient: UnsafeMutablePointer<Float>?
        var hiddenScratch: UnsafeMutablePointer<Float>?
    }

    /// The steps in reverse order of the forward: fills the gate gradients of every step (zero
    /// at padded rows). The weight gradients are formed afterwards from them, over all steps at once.
    static func backward<C: RecurrentCell>(_ cell: C.Type, _ w: Weights, _ g: Backward) {
        let f = g.forward, rows = f.rows, h = f.hidden, gh = C.gateCount * h, cw = C.cacheWidth * h
        for s in stride(from: f.steps - 1, through: 0, by: -1) {
            let t = f.reverse ? f.steps - 1 - s : s
            let dr = g.recurrentGradient + t * rows * gh, dg = g.gateGradient + t * rows * gh
            let active = f.activeRows[t]
            C.backward(RecurrentBackwardStep(
                rows: active, hidden: h, lengths: f.lengths, step: t,
                outputGradient: g.outputGradient + t * rows * f.outputStride, outputStride: f.outputStride,
                stateGradient: g.stateCarry, cellGradient: g.cellCarry,
                activations: f.activations + t * rows * cw, previousState: f.previousState! + t * rows * h,
                previousCell: f.previousCell.map { UnsafePointer($0 + t * rows * h) },
                tanhCell: f.tanhCell.map { UnsafePointer($0 + t * rows * h) },
                gateGradient: dg, recurrentGradient: dr,
                outputWeight: w.outputWeight, outputPreGradient: g.outputPreGradient.map { $0 + t * rows * h },
                hiddenScratch: g.hiddenScratch))
            // Padded rows past the active ones: zero gradients (their carries pass through unchanged).
            (dg + active * gh).update(repeating: 0, count: (rows - active) * gh)
            if dr != dg { (dr + active * gh).update(repeating: 0, count: (rows - active) * gh) }
            if let dyPre = g.outputPreGradient { (dyPre + (t * rows + active) * h).update(repeating: 0, count: (rows - active) * h) }
            // d state_{t-1} += dRecurrent_t [B, G*H] x W_hh [G*H, H]
            matmul(.none, m: active, alpha: 1, a: dr, lda: gh, packedB: g.recurrentPackedForBackward,
                   beta: 1, c: g.stateCarry, ldc: h)
        }
    }
}
