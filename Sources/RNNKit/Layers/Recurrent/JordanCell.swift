/// Jordan cell: the recurrent input is the previous step's *output* y, not the hidden state.
///
///     h_t = tanh(W_ih x_t + b_ih + W_hh y_{t-1} + b_hh)      W_ih [H, in], W_hh [H, H]
///     y_t = tanh(W_hy h_t + b_hy)                            W_hy [H, H], b_hy [H]
///     y_0 = 0 (before the first real step)
///
/// The layer outputs y_t, and the final "hidden" state is y at the last real step (the state
/// that is carried). Parameters per layer k: weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k},
/// bias_hh_l{k}, weight_hy_l{k}, bias_hy_l{k} (suffix `_reverse` for the backward direction).
/// A padded step leaves y unchanged, like every other cell.
///
/// Cache per (step, sequence, unit): h_t, y_t and y_{t-1}: 3 floats.
enum JordanCell: RecurrentCell {
    static let gateCount = 1
    /// Floats per unit in the activation cache: h, y.
    static let cacheWidth = 2
    static var hasOutputLayer: Bool { true }

    /// h_t = tanh(pre) into the cache's h columns, then W_hy h_t for all rows (padded rows' h is
    /// zero), then y_t = tanh(W_hy h_t + b_hy) at real rows.
    static func forward(_ s: RecurrentForwardStep) {
        let h = s.hidden
        for b in 0..<s.rows {
            guard s.isReal(b) else { s.clearPaddedRow(b, activationWidth: 2 * h); continue }
            let xp = s.inputProjection(row: b, width: h), hp = s.recurrentProjection + b * h, bias = s.recurrentBias
            let gates = s.activations + b * 2 * h
            Lanes.forEachChunk(h) { j, n in
                let a = Lanes.load(xp + j, n) + Lanes.load(hp + j, n) + Lanes.load(bias + j, n)
                Lanes.store(Elementwise.tanh(a), gates + j, n)
            }
        }
        let yp = s.outputScratch!, outputBias = s.outputBias!
        matmul(.none, .transpose, m: s.rows, n: h, k: h, alpha: 1, a: s.activations, lda: 2 * h,
               b: s.outputWeight!, ldb: h, beta: 0, c: yp, ldc: h)
        for b in 0..<s.rows where s.isReal(b) {
            let ypRow = yp + b * h
            let gates = s.activations + b * 2 * h, state = s.state + b * h
            let out = s.output + b * s.outputStride
            Lanes.forEachChunk(h) { j, n in
                let y = Elementwise.tanh(Lanes.load(ypRow + j, n) + Lanes.load(outputBias + j, n))
                Lanes.store(y, gates + h + j, n)
                Lanes.store(y, state + j, n)
                Lanes.store(y, out + j, n)
            }
        }
    }

    /// dy = dy_carry + d output; dyPre = dy tanh'(y) (zero at padded rows, kept for dW_hy);
    /// dh = dyPre W_hy; dPre = dh tanh'(h). The direct part of dy_{t-1} is 0 (y_{t-1} only
    /// enters through W_hh).
    static func backward(_ s: RecurrentBackwardStep) {
        let h = s.hidden
        let zero = SIMD8<Float>()
        let dyPre = s.outputPreGradient!, dh = s.hiddenScratch!
        for b in 0..<s.rows {
            let row = dyPre + b * h
            guard s.isReal(b) else {
                row.update(repeating: 0, count: h)
                continue
            }
            let gates = s.activations + b * 2 * h
            let dOut = s.outputGradient + b * s.outputStride
            let dy = s.stateGradient + b * h
            Lanes.forEachChunk(h) { j, n in
                let y = Lanes.load(gates + h + j, n)
                let dyTotal = Lanes.load(dy + j, n) + Lanes.load(dOut + j, n)
                Lanes.store(dyTotal * Elementwise.tanhDerivative(output: y), row + j, n)
                Lanes.store(zero, dy + j, n)
            }
        }
        matmul(.none, .none, m: s.rows, n: h, k: h, alpha: 1, a: dyPre, lda: h,
               b: s.outputWeight!, ldb: h, beta: 0, c: dh, ldc: h)
        for b in 0..<s.rows {
            let dGates = s.gateGradient + b * h
            guard s.isReal(b) else {
                dGates.update(repeating: 0, count: h)
                continue
            }
            let gates = s.activations + b * 2 * h
            let dhRow = dh + b * h
            Lanes.forEachChunk(h) { j, n in
                let hv = Lanes.load(gates + j, n)
                Lanes.store(Lanes.load(dhRow + j, n) * Elementwise.tanhDerivative(output: hv), dGates + j, n)
            }
        }
    }
}
