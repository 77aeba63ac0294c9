/// LSTM cell (PyTorch's definition), gates i, f, g, o:
///
///     i = σ(W_ii x + b_ii + W_hi h + b_hi)    f = σ(...)    g = tanh(...)    o = σ(...)
///     c' = f * c + i * g                      h' = o * tanh(c')
///
/// Cache per (step, sequence, unit): the four gate activations, tanh(c'), c (before the step)
/// and h (before the step): 7 floats.
enum LSTMCell: RecurrentCell {
    static let gateCount = 4
    /// Floats per unit in the activation cache: i, f, g, o.
    static let cacheWidth = 4
    static var carriesCell: Bool { true }

    static func forward(_ s: RecurrentForwardStep) {
        let h = s.hidden, gh = 4 * h
        let cell = s.cell!, tanhCell = s.tanhCell!
        for b in 0..<s.rows {
            guard s.isReal(b) else { s.clearPaddedRow(b, activationWidth: gh); continue }
            let xp = s.inputProjection(row: b, width: gh), hp = s.recurrentProjection + b * gh, bias = s.recurrentBias
            let gates = s.activations + b * gh
            let state = s.state + b * h, c = cell + b * h, tc = tanhCell + b * h
            let out = s.output + b * s.outputStride
            Lanes.forEachChunk(h) { j, n in
                func pre(_ gate: Int) -> SIMD8<Float> {
                    Lanes.load(xp + gate * h + j, n) + Lanes.load(hp + gate * h + j, n) + Lanes.load(bias + gate * h + j, n)
                }
                let i = Elementwise.sigmoid(pre(0)), f = Elementwise.sigmoid(pre(1))
                let g = Elementwise.tanh(pre(2)), o = Elementwise.sigmoid(pre(3))
                let cNew = f * Lanes.load(c + j, n) + i * g
                let t = Elementwise.tanh(cNew)
                let hNew = o * t
                Lanes.store(i, gates + j, n)
                Lanes.store(f, gates + h + j, n)
                Lanes.store(g, gates + 2 * h + j, n)
                Lanes.store(o, gates + 3 * h + j, n)
                Lanes.store(cNew, c + j, n)
                Lanes.store(t, tc + j, n)
                Lanes.store(hNew, state + j, n)
                Lanes.store(hNew, out + j, n)
            }
        }
    }

    /// dh = dh_carry + dy;  do = dh * tanh(c');  dc = dc_carry + dh * o * tanh'(c')
    /// di = dc * g;  df = dc * c;  dg = dc * i;  dc_prev = dc * f
    /// pre-activation gradients: σ' = a(1-a) for i, f, o and tanh' = 1 - g^2 for g; dh_prev comes
    /// only through W_hh (added by the driver), so the direct part is 0.
    static func backward(_ s: RecurrentBackwardStep) {
        let h = s.hidden, gh = 4 * h
        let dcCarry = s.cellGradient!, cPrev = s.previousCell!, tanhCell = s.tanhCell!
        let one = SIMD8<Float>(repeating: 1), zero = SIMD8<Float>()
        for b in 0..<s.rows {
            let dGates = s.gateGradient + b * gh
            guard s.isReal(b) else {
                dGates.update(repeating: 0, count: gh)
                continue
            }
            let gates = s.activations + b * gh
            let dOut = s.outputGradient + b * s.outputStride
            let dh = s.stateGradient + b * h, dc = dcCarry + b * h
            let cp = cPrev + b * h, tc = tanhCell + b * h
            Lanes.forEachChunk(h) { j, n in
                let i = Lanes.load(gates + j, n), f = Lanes.load(gates + h + j, n)
                let g = Lanes.load(gates + 2 * h + j, n), o = Lanes.load(gates + 3 * h + j, n)
                let t = Lanes.load(tc + j, n)
                let dhTotal = Lanes.load(dh + j, n) + Lanes.load(dOut + j, n)
                let dcTotal = Lanes.load(dc + j, n) + dhTotal * o * Elementwise.tanhDerivative(output: t)
                Lanes.store(dcTotal * g * i * (one - i), dGates + j, n)
                Lanes.store(dcTotal * Lanes.load(cp + j, n) * f * (one - f), dGates + h + j, n)
                Lanes.store(dcTotal * i * Elementwise.tanhDerivative(output: g), dGates + 2 * h + j, n)
                Lanes.store(dhTotal * t * o * (one - o), dGates + 3 * h + j, n)
                Lanes.store(dcTotal * f, dc + j, n)
                Lanes.store(zero, dh + j, n)
            }
        }
    }
}
