/// GRU cell (PyTorch's definition), gates r, z, n:
///
///     r = σ(W_ir x + b_ir + W_hr h + b_hr)      z = σ(W_iz x + b_iz + W_hz h + b_hz)
///     a = W_hn h + b_hn                         n = tanh(W_in x + b_in + r * a)
///     h' = (1 - z) * n + z * h
///
/// Cache per (step, sequence, unit): r, z, n, a and h (before the step): 5 floats.
enum GRUCell: RecurrentCell {
    static let gateCount = 3
    /// Floats per unit in the activation cache: r, z, n, a.
    static let cacheWidth = 4
    static var separateRecurrentGradient: Bool { true }

    static func forward(_ s: RecurrentForwardStep) {
        let h = s.hidden, gh = 3 * h, cw = 4 * h
        let one = SIMD8<Float>(repeating: 1)
        for b in 0..<s.rows {
            guard s.isReal(b) else { s.clearPaddedRow(b, activationWidth: cw); continue }
            let xp = s.inputProjection(row: b, width: gh), hp = s.recurrentProjection + b * gh, bias = s.recurrentBias
            let gates = s.activations + b * cw
            let state = s.state + b * h
            let out = s.output + b * s.outputStride
            Lanes.forEachChunk(h) { j, n in
                let r = Elementwise.sigmoid(Lanes.load(xp + j, n) + Lanes.load(hp + j, n) + Lanes.load(bias + j, n))
                let z = Elementwise.sigmoid(Lanes.load(xp + h + j, n) + Lanes.load(hp + h + j, n)
                                            + Lanes.load(bias + h + j, n))
                let a = Lanes.load(hp + 2 * h + j, n) + Lanes.load(bias + 2 * h + j, n)
                let nn = Elementwise.tanh(Lanes.load(xp + 2 * h + j, n) + r * a)
                let hNew = (one - z) * nn + z * Lanes.load(state + j, n)
                Lanes.store(r, gates + j, n)
                Lanes.store(z, gates + h + j, n)
                Lanes.store(nn, gates + 2 * h + j, n)
                Lanes.store(a, gates + 3 * h + j, n)
                Lanes.store(hNew, state + j, n)
                Lanes.store(hNew, out + j, n)
            }
        }
    }

    /// dh = dh_carry + dy;  dn = dh (1 - z);  dz = dh (h_prev - n);  dh_prev (direct) = dh z
    /// dn_pre = dn tanh'(n);  dr = dn_pre a;  dr_pre = dr r (1 - r);  dz_pre = dz z (1 - z)
    /// input side: [dr_pre, dz_pre, dn_pre]; recurrent side: [dr_pre, dz_pre, dn_pre r].
    static func backward(_ s: RecurrentBackwardStep) {
        let h = s.hidden, gh = 3 * h, cw = 4 * h
        let one = SIMD8<Float>(repeating: 1)
        for b in 0..<s.rows {
            let dGates = s.gateGradient + b * gh, dRec = s.recurrentGradient + b * gh
            guard s.isReal(b) else {
                dGates.update(repeating: 0, count: gh)
                dRec.update(repeating: 0, count: gh)
                continue
            }
            let gates = s.activations + b * cw
            let dOut = s.outputGradient + b * s.outputStride
            let dh = s.stateGradient + b * h, hPrev = s.previousState + b * h
            Lanes.forEachChunk(h) { j, n in
                let r = Lanes.load(gates + j, n), z = Lanes.load(gates + h + j, n)
                let nn = Lanes.load(gates + 2 * h + j, n), a = Lanes.load(gates + 3 * h + j, n)
                let dhTotal = Lanes.load(dh + j, n) + Lanes.load(dOut + j, n)
                let dN = dhTotal * (one - z) * Elementwise.tanhDerivative(output: nn)
                let dZ = dhTotal * (Lanes.load(hPrev + j, n) - nn) * z * (one - z)
                let dR = dN * a * r * (one - r)
                Lanes.store(dR, dGates + j, n)
                Lanes.store(dZ, dGates + h + j, n)
                Lanes.store(dN, dGates + 2 * h + j, n)
                Lanes.store(dR, dRec + j, n)
                Lanes.store(dZ, dRec + h + j, n)
                Lanes.store(dN * r, dRec + 2 * h + j, n)
                Lanes.store(dhTotal * z, dh + j, n)
            }
        }
    }
}
