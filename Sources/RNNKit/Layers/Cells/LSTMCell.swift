/// LSTM cell (PyTorch's definition), gates i, f, g, o:
///
///     i = σ(W_ii x + b_ii + W_hi h + b_hi)    f = σ(...)    g = tanh(...)    o = σ(...)
///     c' = f * c + i * g                      h' = o * tanh(c')
///
/// Cache per (step, sequence, unit): the four gate activations, tanh(c'), c (before the step)
/// and h (before the step): 7 floats.
enum LSTMCell {
    static let gateCount = 4
    /// Floats per unit in the `gates` cache block: i, f, g, o.
    static let cacheWidth = 4

    static func forward(_ s: RecurrentForwardStep) {
        let h = s.hidden, gh = 4 * h
        let cell = s.cell!, tanhCell = s.tanhCell!
        for b in 0..<s.rows where s.isReal(b) {
            let xp = s.inputProjection(row: b, width: gh), hp = s.recurrentProjection + b * gh, bias = s.recurrentBias
            let gates = s.gates + b * gh
            let state = s.state + b * h, c = cell + b * h, tc = tanhCell + b * h
            let out = s.output + b * s.outputStride
            var j = 0
            while j < h {
                let n = Swift.min(8, h - j)
                let i = Elementwise.sigmoid(Lanes.load(xp + j, n) + Lanes.load(hp + j, n) + Lanes.load(bias + j, n))
                let f = Elementwise.sigmoid(Lanes.load(xp + h + j, n) + Lanes.load(hp + h + j, n)
                                            + Lanes.load(bias + h + j, n))
                let g = Elementwise.tanh(Lanes.load(xp + 2 * h + j, n) + Lanes.load(hp + 2 * h + j, n)
                                         + Lanes.load(bias + 2 * h + j, n))
                let o = Elementwise.sigmoid(Lanes.load(xp + 3 * h + j, n) + Lanes.load(hp + 3 * h + j, n)
                                            + Lanes.load(bias + 3 * h + j, n))
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
                j += 8
            }
        }
    }

    /// dh = dh_carry + dy;  do = dh * tanh(c');  dc = dc_carry + dh * o * (1 - tanh(c')^2)
    /// di = dc * g;  df = dc * c;  dg = dc * i;  dc_prev = dc * f
    /// pre-activation gradients: σ' = a(1-a) for i, f, o and 1 - g^2 for g; dh_prev comes only
    /// through W_hh (added by the driver), so the direct part is 0.
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
            let gates = s.gates + b * gh
            let dOut = s.outputGradient + b * s.outputStride
            let dh = s.stateGradient + b * h, dc = dcCarry + b * h
            let cp = cPrev + b * h, tc = tanhCell + b * h
            var j = 0
            while j < h {
                let n = Swift.min(8, h - j)
                let i = Lanes.load(gates + j, n), f = Lanes.load(gates + h + j, n)
                let g = Lanes.load(gates + 2 * h + j, n), o = Lanes.load(gates + 3 * h + j, n)
                let t = Lanes.load(tc + j, n)
                let dhTotal = Lanes.load(dh + j, n) + Lanes.load(dOut + j, n)
                let dcTotal = Lanes.load(dc + j, n) + dhTotal * o * (one - t * t)
                let dI = dcTotal * g * i * (one - i)
                let dF = dcTotal * Lanes.load(cp + j, n) * f * (one - f)
                let dG = dcTotal * i * (one - g * g)
                let dO = dhTotal * t * o * (one - o)
                Lanes.store(dI, dGates + j, n)
                Lanes.store(dF, dGates + h + j, n)
                Lanes.store(dG, dGates + 2 * h + j, n)
                Lanes.store(dO, dGates + 3 * h + j, n)
                Lanes.store(dcTotal * f, dc + j, n)
                Lanes.store(zero, dh + j, n)
                j += 8
            }
        }
    }
}
