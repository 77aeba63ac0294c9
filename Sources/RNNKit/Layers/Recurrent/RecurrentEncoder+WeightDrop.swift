/// Weight-drop (Wan et al. 2013 DropConnect on the recurrent matrix, as AWD-LSTM applies it):
/// in training every layer and direction runs with W_hh * M, M in {0, 1/(1-p)} drawn once per
/// batch and shared by all its steps, so the recurrence itself is regularised without touching
/// the fast per-step kernels (they read the dropped copy through the same packing). Inference
/// (`RecurrentEncoder.Plan`) packs the weights as trained: the expected value of the dropped ones.
///
/// Forward draws the masks (layer by layer, direction by direction, element by element, before
/// any other draw of the encoder) and writes the dropped copies; backward forms dW_hh of the
/// copy and multiplies it by the same mask: d(W*M)/dW = M elementwise.
extension RecurrentEncoder {
    /// Draws each W_hh mask and writes W_hh * M into the workspace (`weightDrop` > 0 only).
    func dropRecurrentWeights(_ ws: RecurrentWorkspace, rng: inout RandomSource) {
        let h = hiddenSize, gh = cell.gateCount * h, n = gh * h
        let keep: Float = 1 / (1 - weightDrop)
        for l in 0..<layers {
            for d in 0..<directions {
                let w = ws.layers[l].directions[d], source = weights[l][d].recurrentWeight.value.data
                let mask = w.recurrentDropMask.data, dropped = w.droppedRecurrent.data
                for i in 0..<n {
                    mask[i] = rng.nextUnitFloat() < weightDrop ? 0 : keep
                    dropped[i] = source[i] * mask[i]
                }
            }
        }
    }

    /// W_hh as the step loops read it in training: the dropped copy with weight-drop, else the parameter.
    func trainingRecurrentWeight(_ l: Int, _ d: Int, _ w: RecurrentWorkspace.Direction) -> UnsafeMutablePointer<Float> {
        weightDrop > 0 ? w.droppedRecurrent.data : weights[l][d].recurrentWeight.value.data
    }

    /// grad W_hh += (dR^T x S_prev) * M: the gradient of the dropped copy, masked. With weight-drop
    /// off, the product accumulates straight into the gradient.
    func accumulateRecurrentWeightGradient(_ l: Int, _ d: Int, _ w: RecurrentWorkspace.Direction,
                                           recurrentGradient dr: UnsafePointer<Float>, steps all: Int) {
        let p = weights[l][d], h = hiddenSize, gh = cell.gateCount * h
        guard !p.recurrentWeight.frozen else { return }
        guard weightDrop > 0 else {
            matmul(.transpose, .none, m: gh, n: h, k: all, alpha: 1, a: dr, lda: gh,
                   b: w.previousState.data, ldb: h, beta: 1, c: p.recurrentWeight.grad.data, ldc: h)
            return
        }
        let scratch = w.droppedRecurrentGradient.data, mask = w.recurrentDropMask.data, g = p.recurrentWeight.grad.data
        matmul(.transpose, .none, m: gh, n: h, k: all, alpha: 1, a: dr, lda: gh,
               b: w.previousState.data, ldb: h, beta: 0, c: scratch, ldc: h)
        for i in 0..<gh * h { g[i] += scratch[i] * mask[i] }
    }
}
