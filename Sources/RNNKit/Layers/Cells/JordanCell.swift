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
enum JordanCell {
    static let gateCount = 1
    /// Floats per unit in the `gates` cache block: h, y.
    static let cacheWidth = 2

    /// First half of a step: h_t = tanh(pre) into the cache's h columns (real rows only).
    static func forwardHidden(_ s: RecurrentForwardStep) {
        let h = s.hidden
        for b in 0..<s.rows where s.isReal(b) {
            let xp = s.inputProjection(row: b, width: h), hp = s.recurrentProjection + b * h, bias = s.recurrentBias
            let gates = s.gates + b * 2 * h
            var j = 0
            while j < h {
                let n = Swift.min(8, h - j)
                let a = Lanes.load(xp + j, n) + Lanes.load(hp + j, n) + Lanes.load(bias + j, n)
                Lanes.store(Elementwise.tanh(a), gates + j, n)
                j += 8
            }
        }
    }

    /// Second half: y_t = tanh(W_hy h_t + b_hy), given `outputProjection` = W_hy h_t `[B, H]`.
    static func forwardOutput(_ s: RecurrentForwardStep, outputProjection: UnsafePointer<Float>,
                              outputBias: UnsafePointer<Float>) {
        let h = s.hidden
        for b in 0..<s.rows where s.isReal(b) {
            let yp = outputProjection + b * h
            let gates = s.gates + b * 2 * h, state = s.state + b * h
            let out = s.output + b * s.outputStride
            var j = 0
            while j < h {
                let n = Swift.min(8, h - j)
                let y = Elementwise.tanh(Lanes.load(yp + j, n) + Lanes.load(outputBias + j, n))
                Lanes.store(y, gates + h + j, n)
                Lanes.store(y, state + j, n)
                Lanes.store(y, out + j, n)
                j += 8
            }
        }
    }

    /// First half of a backward step: dy = dy_carry + d output; dyPre = dy (1 - y^2) (zero at
    /// padded rows). The direct part of dy_{t-1} is 0 (y_{t-1} only enters through W_hh).
    static func backwardOutput(_ s: RecurrentBackwardStep, outputPreGradient: UnsafeMutablePointer<Float>) {
        let h = s.hidden
        let one = SIMD8<Float>(repeating: 1), zero = SIMD8<Float>()
        for b in 0..<s.rows {
            let dyPre = outputPreGradient + b * h
            guard s.isReal(b) else {
                dyPre.update(repeating: 0, count: h)
                continue
            }
            let gates = s.gates + b * 2 * h
            let dOut = s.outputGradient + b * s.outputStride
            let dy = s.stateGradient + b * h
            var j = 0
            while j < h {
                let n = Swift.min(8, h - j)
                let y = Lanes.load(gates + h + j, n)
                let dyTotal = Lanes.load(dy + j, n) + Lanes.load(dOut + j, n)
                Lanes.store(dyTotal * (one - y * y), dyPre + j, n)
                Lanes.store(zero, dy + j, n)
                j += 8
            }
        }
    }

    /// Second half: da = dh (1 - h^2), given `hiddenGradient` = dyPre W_hy `[B, H]`.
    static func backwardHidden(_ s: RecurrentBackwardStep, hiddenGradient: UnsafePointer<Float>) {
        let h = s.hidden
        let one = SIMD8<Float>(repeating: 1)
        for b in 0..<s.rows {
            let dGates = s.gateGradient + b * h
            guard s.isReal(b) else {
                dGates.update(repeating: 0, count: h)
                continue
            }
            let gates = s.gates + b * 2 * h
            let dh = hiddenGradient + b * h
            var j = 0
            while j < h {
                let n = Swift.min(8, h - j)
                let hv = Lanes.load(gates + j, n)
                Lanes.store(Lanes.load(dh + j, n) * (one - hv * hv), dGates + j, n)
                j += 8
            }
        }
    }
}
