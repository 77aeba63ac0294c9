/// Every buffer the encoder's forward and backward need for one batch, kept between batches
/// (llm.c's `ActivationTensors`): `prepare` resizes them for the batch's shape and storage is
/// reallocated only when a batch is larger than any before it. The parts marked "kept" are what
/// forward saves for backward; they stay valid until the next `forward` with this workspace.
///
/// Memory per layer and direction, in floats, for T steps of B sequences and hidden size H:
/// kept `T*B*H*(1 + cacheWidth)` (+ `2*T*B*H` for the LSTM's c and tanh(c)). Per direction,
/// shared by all layers: `T*B*G*H` (twice for the GRU) that hold a layer's input projection
/// during its forward and a layer's gate gradients during its backward. A layer's projection is
/// read only by its own forward and its gate gradients only by its own backward, one layer at a
/// time, so one block serves every layer and both passes (on THUCNews' 2-layer BiLSTM the
/// training peak RSS fell from 189 to 159 MB, docs/BENCHMARKS.md).
public final class RecurrentWorkspace {
    final class Direction {
        /// `[T*B or U, G*H]` W_ih x + b_ih in this layer's forward; `[T*B, G*H]` the gate
        /// gradients in its backward. The direction's block, shared by all layers.
        let gates: Tensor
        /// `[T*B, G*H]` the GRU's recurrent-side gate gradients; shared by all layers too.
        let recurrentGates: Tensor
        var projection: Tensor { gates }
        var gateGradient: Tensor { gates }
        var recurrentGradient: Tensor { recurrentGates }
        init(gates: Tensor, recurrentGates: Tensor) {
            self.gates = gates
            self.recurrentGates = recurrentGates
        }
        // Forward; kept for backward.
        let previousState = Tensor([0])      // [T*B, H]  state before step t (h, or y for Jordan)
        let activations = Tensor([0])        // [T*B, cacheWidth*H]  what the cell keeps of step t
        let previousCell = Tensor([0])       // [T*B, H]  LSTM c before step t
        let tanhCell = Tensor([0])           // [T*B, H]  LSTM tanh(c after step t)
        // Forward scratch.
        let recurrentScratch = Tensor([0])   // [B, G*H]  W_hh s
        let outputScratch = Tensor([0])      // [B, H]  Jordan W_hy h
        // Backward.
        let distinctGradient = Tensor([0])   // [U, G*H]  layer 0 from distinct rows: summed per row
        let stateCarry = Tensor([0])         // [B, H]
        let cellCarry = Tensor([0])          // [B, H]  LSTM
        let outputPreGradient = Tensor([0])  // [T*B, H]  Jordan dyPre, kept for dW_hy
        let hiddenScratch = Tensor([0])      // [B, H]  Jordan
        let biasScratch = Tensor([0])        // [G*H]  column sums of the bias gradients
        // Weight-drop (training only): the mask, W_hh * mask, and the copy's gradient.
        let recurrentDropMask = Tensor([0])         // [G*H, H]
        let droppedRecurrent = Tensor([0])          // [G*H, H]  (its storage is fixed: the packings point at it)
        let droppedRecurrentGradient = Tensor([0])  // [G*H, H]
        /// W_hh^T (forward) and W_hh (backward) packed once per batch, into storage kept between batches.
        var forwardPack: PackedMatmulB?
        var backwardPack: PackedMatmulB?
    }

    final class Layer {
        let input = Tensor([0])          // [T, B, D*H]  layers > 0: the dropped-out output below (kept)
        let dropoutMask = Tensor([0])    // [T*B, D*H]  the inverted-dropout scale per element (kept)
        let lockMask = Tensor([0])       // [B, D*H]  locked dropout: the sequence's mask, folded into dropoutMask
        let output = Tensor([0])         // [T, B, D*H]  zero at padded steps
        let inputGradient = Tensor([0])  // [T, B, in] or [U, in]
        let directions: [Direction]
        init(directions: [Direction]) { self.directions = directions }
    }

    let layers: [Layer]
    let finalHidden = Tensor([0])        // [layers*D, B, H]
    let finalCell = Tensor([0])          // [layers*D, B, H]  LSTM

    init(layers: Int, directions: Int) {
        let gates = (0..<directions).map { _ in Tensor([0]) }, recurrentGates = (0..<directions).map { _ in Tensor([0]) }
        self.layers = (0..<layers).map { _ in
            Layer(directions: (0..<directions).map { Direction(gates: gates[$0], recurrentGates: recurrentGates[$0]) })
        }
    }

    /// Sizes every buffer for T steps of B sequences (`distinct` rows at layer 0, or nil for a
    /// dense input). Only the state and carries are zeroed: every other buffer is written whole
    /// before it is read.
    func prepare(_ encoder: RecurrentEncoder, steps t: Int, batchSize b: Int, distinct: Int?) {
        let h = encoder.hiddenSize, d = encoder.directions, out = encoder.outputSize
        let kind = encoder.cell, gh = kind.gateCount * h, cw = kind.cacheWidth * h
        let cell = kind.cell
        finalHidden.resizeZeroed([encoder.layers * d, b, h])
        finalCell.resizeZeroed([cell.carriesCell ? encoder.layers * d : 0, b, h])
        for (l, layer) in layers.enumerated() {
            let inSize = l == 0 ? encoder.inputSize : out
            layer.input.resize([l == 0 ? 0 : t, b, out])
            layer.dropoutMask.resize([l == 0 || !encoder.dropsBetweenLayers ? 0 : t * b, out])
            layer.output.resize([t, b, out])
            let inputRows = l == 0 ? (distinct ?? t * b) : t * b
            layer.inputGradient.resize(l == 0 && distinct != nil ? [inputRows, inSize] : [t, b, inSize])
            for w in layer.directions {
                w.previousState.resize([t * b, h])
                w.activations.resize([t * b, cw])
                w.previousCell.resize([cell.carriesCell ? t * b : 0, h])
                w.tanhCell.resize([cell.carriesCell ? t * b : 0, h])
                w.recurrentScratch.resize([b, gh])
                w.outputScratch.resize([cell.hasOutputLayer ? b : 0, h])
                w.distinctGradient.resize([l == 0 ? distinct ?? 0 : 0, gh])
                w.stateCarry.resize([b, h])
                w.cellCarry.resize([cell.carriesCell ? b : 0, h])
                w.outputPreGradient.resize([cell.hasOutputLayer ? t * b : 0, h])
                w.hiddenScratch.resize([cell.hasOutputLayer ? b : 0, h])
                w.biasScratch.resize([gh])
                let dropped = encoder.weightDrop > 0 ? gh : 0
                w.recurrentDropMask.resize([dropped, h])
                w.droppedRecurrent.resize([dropped, h])
                w.droppedRecurrentGradient.resize([dropped, h])
            }
        }
        // The shared blocks: every layer's projection (layer 0's may be U <= T*B distinct rows) and gate gradients.
        let rows = max(t * b, distinct ?? 0)
        for w in layers.first?.directions ?? [] {
            w.gates.resize([rows, gh])
            w.recurrentGates.resize([cell.separateRecurrentGradient ? rows : 0, gh])
        }
    }
}
