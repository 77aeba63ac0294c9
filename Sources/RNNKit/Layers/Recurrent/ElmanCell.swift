/// Elman cell (PyTorch's `nn.RNN`): h' = act(W_ih x + b_ih + W_hh h + b_hh), act = tanh or relu.
///
/// Cache per (step, sequence, unit): h' and h (before the step): 2 floats.
enum ElmanCell {
    static let gateCount = 1
    /// Floats per unit in the activation cache: h'.
    static let cacheWidth = 1

    @inline(__always)
    static func forward(_ s: RecurrentForwardStep, relu: Bool) {
        let h = s.hidden
        let zero = SIMD8<Float>()
        for b in 0..<s.rows {
            guard s.isReal(b) else { s.clearPaddedRow(b, activationWidth: h); continue }
            let xp = s.inputProjection(row: b, width: h), hp = s.recurrentProjection + b * h, bias = s.recurrentBias
            let gates = s.activations + b * h, state = s.state + b * h
            let out = s.output + b * s.outputStride
            Lanes.forEachChunk(h) { j, n in
                let pre = Lanes.load(xp + j, n) + Lanes.load(hp + j, n) + Lanes.load(bias + j, n)
                let hNew = relu ? pre.replacing(with: zero, where: pre .< zero) : Elementwise.tanh(pre)
                Lanes.store(hNew, gates + j, n)
                Lanes.store(hNew, state + j, n)
                Lanes.store(hNew, out + j, n)
            }
        }
    }

    /// d pre = (dh_carry + dy) * act'(pre), with tanh' = 1 - h'^2 and relu' = [h' > 0].
    @inline(__always)
    static func backward(_ s: RecurrentBackwardStep, relu: Bool) {
        let h = s.hidden
        let zero = SIMD8<Float>()
        for b in 0..<s.rows {
            let dGates = s.gateGradient + b * h
            guard s.isReal(b) else {
                dGates.update(repeating: 0, count: h)
                continue
            }
            let gates = s.activations + b * h
            let dOut = s.outputGradient + b * s.outputStride
            let dh = s.stateGradient + b * h
            Lanes.forEachChunk(h) { j, n in
                let y = Lanes.load(gates + j, n)
                let dhTotal = Lanes.load(dh + j, n) + Lanes.load(dOut + j, n)
                let dPre = relu ? dhTotal.replacing(with: zero, where: y .<= zero)
                                : dhTotal * Elementwise.tanhDerivative(output: y)
                Lanes.store(dPre, dGates + j, n)
                Lanes.store(zero, dh + j, n)
            }
        }
    }
}

/// `rnn_tanh`: the Elman cell with tanh.
enum ElmanTanhCell: RecurrentCell {
    static let gateCount = ElmanCell.gateCount
    static let cacheWidth = ElmanCell.cacheWidth
    static func forward(_ s: RecurrentForwardStep) { ElmanCell.forward(s, relu: false) }
    static func backward(_ s: RecurrentBackwardStep) { ElmanCell.backward(s, relu: false) }
}

/// `rnn_relu`: the Elman cell with relu.
enum ElmanReluCell: RecurrentCell {
    static let gateCount = ElmanCell.gateCount
    static let cacheWidth = ElmanCell.cacheWidth
    static func forward(_ s: RecurrentForwardStep) { ElmanCell.forward(s, relu: true) }
    static func backward(_ s: RecurrentBackwardStep) { ElmanCell.backward(s, relu: true) }
}
