import Foundation

/// What the first layer of an encoder reads.
public enum LayerInput {
    /// x `[T, B, in]`, time-major.
    case dense(Tensor)
    /// The distinct rows `[U, in]` of a batch (e.g. `Embedding.forward(tokens)`) and each real
    /// position's row. Same output bitwise as the gathered dense input, with layer 0's input
    /// projection computed once per distinct row; backward then returns the rows' gradient `[U, in]`.
    case rows(Tensor, TokenRows)

    var tensor: Tensor {
        switch self {
        case .dense(let x), .rows(let x, _): return x
        }
    }

    var tokens: TokenRows? {
        if case .rows(_, let tokens) = self { return tokens }
        return nil
    }
}

/// A stacked, optionally bidirectional recurrent encoder over time-major, masked batches.
///
/// Layout and maths follow `torch.nn.LSTM/GRU/RNN` (see docs/RECURRENT.md): x `[T, B, in]`,
/// output `[T, B, D*H]` with the last axis `[forward H | backward H]`, final states
/// `[layers*D, B, H]` indexed `layer*D + direction`. A padded step leaves the state unchanged
/// and outputs zero; the backward direction starts at each sequence's own last real step.
///
/// The encoder owns its parameters only; a batch's buffers are in a `RecurrentWorkspace`, and
/// inference runs on an immutable `RecurrentEncoder.Plan`. Per layer and direction the input
/// projection of all steps is one matmul, each step runs one `[B, H] x W_hh^T` matmul and one
/// fused elementwise pass (`RecurrentDirectionPass`); backward runs the steps in reverse for the
/// recurrent part and then forms dW_ih, dW_hh and dX as single matmuls. The two directions of a
/// layer run concurrently, each writing only its own buffers.
public final class RecurrentEncoder: ParameterOwner {
    /// The parameters of one layer and direction.
    struct DirectionWeights {
        let inputWeight: Parameter       // weight_ih [G*H, in]
        let recurrentWeight: Parameter   // weight_hh [G*H, H]
        let inputBias: Parameter         // bias_ih [G*H]
        let recurrentBias: Parameter     // bias_hh [G*H]
        let outputWeight: Parameter?     // Jordan weight_hy [H, H]
        let outputBias: Parameter?       // Jordan bias_hy [H]
    }

    public let cell: CellKind
    public let inputSize: Int
    public let hiddenSize: Int
    public let layers: Int
    public let directions: Int
    /// Applied to the input of every layer above the first, in training.
    public let dropout: Float
    /// Locked dropout (one mask per sequence, `LockedDropout`) on the input of every layer above
    /// the first, in training, on top of `dropout`. (The model applies it to layer 0's input and
    /// the last layer's output.)
    public let lockedDropout: Float
    /// Weight-drop on every W_hh in training (RecurrentEncoder+WeightDrop.swift).
    public let weightDrop: Float
    public let name: String
    public let parameters: [Parameter]
    let weights: [[DirectionWeights]]   // [layer][direction]

    public var outputSize: Int { directions * hiddenSize }

    public init(cell: CellKind, inputSize: Int, hiddenSize: Int, layers: Int, bidirectional: Bool,
                dropout: Float, lockedDropout: Float = 0, weightDrop: Float = 0, name: String, rng: inout RandomSource) {
        precondition(inputSize > 0 && hiddenSize > 0 && layers > 0, "recurrent encoder sizes must be positive")
        self.cell = cell
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.layers = layers
        self.directions = bidirectional ? 2 : 1
        self.dropout = dropout
        self.lockedDropout = lockedDropout
        self.weightDrop = weightDrop
        self.name = name
        let gh = cell.gateCount * hiddenSize, outputLayer = cell.cell.hasOutputLayer
        var all = [Parameter]()
        var table = [[DirectionWeights]]()
        for l in 0..<layers {
            let inSize = l == 0 ? inputSize : directions * hiddenSize
            var row = [DirectionWeights]()
            for d in 0..<directions {
                let suffix = "_l\(l)" + (d == 1 ? "_reverse" : "")
                let w = DirectionWeights(
                    inputWeight: Parameter(name: "\(name).weight_ih\(suffix)", shape: [gh, inSize]),
                    recurrentWeight: Parameter(name: "\(name).weight_hh\(suffix)", shape: [gh, hiddenSize]),
                    inputBias: Parameter(name: "\(name).bias_ih\(suffix)", shape: [gh]),
                    recurrentBias: Parameter(name: "\(name).bias_hh\(suffix)", shape: [gh]),
                    outputWeight: outputLayer ? Parameter(name: "\(name).weight_hy\(suffix)", shape: [hiddenSize, hiddenSize]) : nil,
                    outputBias: outputLayer ? Parameter(name: "\(name).bias_hy\(suffix)", shape: [hiddenSize]) : nil)
                all += [w.inputWeight, w.recurrentWeight, w.inputBias, w.recurrentBias]
                if let ow = w.outputWeight, let ob = w.outputBias { all += [ow, ob] }
                row.append(w)
            }
            table.append(row)
        }
        self.parameters = all
        self.weights = table
        // PyTorch: every weight and bias uniform(-1/sqrt(H), 1/sqrt(H)), in parameter order.
        let bound = 1 / Float(hiddenSize).squareRoot()
        for p in all {
            for i in 0..<p.value.count { p.value[i] = rng.uniform(-bound, bound) }
        }
    }

    public func makeWorkspace() -> RecurrentWorkspace { RecurrentWorkspace(layers: layers, directions: directions) }

    /// What backward needs besides the workspace's kept buffers.
    public struct Cache {
        let mask: SequenceMask
        /// Layer 0's input (held by reference: the caller must not overwrite it before backward).
        let input: LayerInput
    }

    // MARK: - Forward

    /// The output `[T, B, D*H]` (zero at padded steps), the final states `[layers*D, B, H]` (LSTM
    /// also the cell states) and the cache for `backward`. The returned tensors are the
    /// workspace's: valid until its next use. Draws from `rng`: the weight-drop masks first, then
    /// layer by layer the dropout between layers (one draw per element in index order) and the
    /// locked dropout's per-sequence mask.
    public func forward(_ input: LayerInput, mask: SequenceMask, workspace ws: RecurrentWorkspace,
                        rng: inout RandomSource) -> (output: Tensor, finalHidden: Tensor, finalCell: Tensor?, cache: Cache) {
        let t = mask.steps, b = mask.batchSize
        checkInput(input, mask)
        ws.prepare(self, steps: t, batchSize: b, distinct: input.tokens?.count)
        let dropoutLayer = Dropout(probability: dropout)
        if weightDrop > 0 { dropRecurrentWeights(ws, rng: &rng) }
        mask.withPointers { lengthsPointer, activePointer in
            for l in 0..<layers {
                let layer = ws.layers[l]
                if l > 0 && dropsBetweenLayers {
                    dropoutLayer.forward(ws.layers[l - 1].output, mask: layer.dropoutMask, into: layer.input, rng: &rng)
                    if lockedDropout > 0 {
                        // One mask of both: the element mask times the sequence's locked mask.
                        LockedDropout(probability: lockedDropout).drawMask(batchSize: b, width: outputSize, into: layer.lockMask, rng: &rng)
                        LockedDropout.fold(layer.lockMask, into: layer.dropoutMask)
                        Dropout.apply(layer.dropoutMask, to: ws.layers[l - 1].output, into: layer.input)
                    }
                }
                let x = layerInput(l, input, ws)
                let projectedRows = l == 0 ? (input.tokens?.count ?? t * b) : t * b
                let slots = l == 0 ? input.tokens?.slots : nil
                slots.withOptionalBuffer { ids in
                    runDirections(steps: t, rows: b, inputSize: l == 0 ? inputSize : outputSize) { d in
                        let w = layer.directions[d]
                        self.project(x.data, rows: projectedRows, layer: l, direction: d, into: w.projection.data)
                        self.forEachCell { cellType in
                            RecurrentDirectionPass.forward(cellType, self.trainingWeights(l, d, w), RecurrentDirectionPass.Forward(
                                steps: t, rows: b, hidden: self.hiddenSize, lengths: lengthsPointer, activeRows: activePointer, reverse: d == 1,
                                inputProjection: w.projection.data, inputRows: ids,
                                state: self.finalState(ws.finalHidden, l, d, b), cell: self.finalCellState(ws, l, d, b),
                                recurrentScratch: w.recurrentScratch.data, outputScratch: w.outputScratch.dataIfAny,
                                previousState: w.previousState.data, previousCell: w.previousCell.dataIfAny,
                                activations: w.activations.data, tanhCell: w.tanhCell.dataIfAny,
                                output: layer.output.data + d * self.hiddenSize, outputStride: self.outputSize))
                        }
                    }
                }
            }
        }
        let cache = Cache(mask: mask, input: input)
        return (ws.layers[layers - 1].output, ws.finalHidden, cell.cell.carriesCell ? ws.finalCell : nil, cache)
    }

    /// Layer l's input as it was read: layer 0's own, above it the (dropped-out) output below.
    private func layerInput(_ l: Int, _ input: LayerInput, _ ws: RecurrentWorkspace) -> Tensor {
        if l == 0 { return input.tensor }
        return dropsBetweenLayers ? ws.layers[l].input : ws.layers[l - 1].output
    }

    /// Whether layers above the first read a dropped-out copy of the output below.
    var dropsBetweenLayers: Bool { dropout > 0 || lockedDropout > 0 }

    /// The live weights of layer l, direction d, with W_hh^T packed into the workspace's storage.
    private func trainingWeights(_ l: Int, _ d: Int, _ w: RecurrentWorkspace.Direction) -> RecurrentDirectionPass.Weights {
        let p = weights[l][d], h = hiddenSize, gh = cell.gateCount * h
        if let pack = w.forwardPack { pack.repack() } else {
            w.forwardPack = PackedMatmulB(.transpose, k: h, n: gh, b: trainingRecurrentWeight(l, d, w), ldb: h)
        }
        return RecurrentDirectionPass.Weights(recurrentPacked: w.forwardPack!, recurrentBias: p.recurrentBias.value.data,
                                              outputWeight: p.outputWeight.map { UnsafePointer($0.value.data) },
                                              outputBias: p.outputBias.map { UnsafePointer($0.value.data) })
    }

    func finalState(_ t: Tensor, _ l: Int, _ d: Int, _ b: Int) -> UnsafeMutablePointer<Float> {
        t.data + (l * directions + d) * b * hiddenSize
    }

    private func finalCellState(_ ws: RecurrentWorkspace, _ l: Int, _ d: Int, _ b: Int) -> UnsafeMutablePointer<Float>? {
        cell.cell.carriesCell ? finalState(ws.finalCell, l, d, b) : nil
    }

    /// Runs `body` with this encoder's cell type, so the step loops are specialised per cell.
    @inline(__always)
    func forEachCell(_ body: (any RecurrentCell.Type) -> Void) { body(cell.cell) }

    private func checkInput(_ input: LayerInput, _ mask: SequenceMask) {
        switch input {
        case .dense(let x):
            precondition(x.shape.count == 3 && x.shape[2] == inputSize && x.shape[0] == mask.steps
                         && x.shape[1] == mask.batchSize,
                         "\(name): input \(x.shape), expected [\(mask.steps), \(mask.batchSize), \(inputSize)]")
        case .rows(let rows, let tokens):
            precondition(rows.shape.count == 2 && rows.shape[0] == tokens.count && rows.shape[1] == inputSize,
                         "\(name): rows \(rows.shape), expected [\(tokens.count), \(inputSize)]")
            precondition(tokens.steps == mask.steps && tokens.batchSize == mask.batchSize,
                         "\(name): tokens do not match mask [\(mask.steps), \(mask.batchSize)]")
        }
    }

    /// C `[rows, G*H]` = X `[rows, in]` x W_ih^T + b_ih for one layer and direction. Each row
    /// of C depends only on the same row of X (matmul computes rows independently).
    func project(_ x: UnsafePointer<Float>, rows: Int, layer l: Int, direction d: Int,
                 into c: UnsafeMutablePointer<Float>) {
        let w = weights[l][d]
        RecurrentEncoder.project(x, rows: rows, inputSize: l == 0 ? inputSize : outputSize,
                                 weight: .plain(w.inputWeight.value.data), bias: w.inputBias.value.data,
                                 gateWidth: cell.gateCount * hiddenSize, into: c)
    }

    /// W_ih as a matmul operand: as stored, or packed once (an inference plan's layers above the first).
    enum InputWeight {
        case plain(UnsafePointer<Float>)
        case packed(PackedMatmulB)
    }

    static func project(_ x: UnsafePointer<Float>, rows: Int, inputSize: Int, weight: InputWeight,
                        bias: UnsafePointer<Float>, gateWidth gh: Int, into c: UnsafeMutablePointer<Float>) {
        for r in 0..<rows { (c + r * gh).update(from: bias, count: gh) }
        switch weight {
        case .plain(let w):
            matmul(.none, .transpose, m: rows, n: gh, k: inputSize, alpha: 1, a: x, lda: inputSize,
                   b: w, ldb: inputSize, beta: 1, c: c, ldc: gh)
        case .packed(let packed):
            matmul(.none, m: rows, alpha: 1, a: x, lda: inputSize, packedB: packed, beta: 1, c: c, ldc: gh)
        }
    }
}

extension RecurrentEncoder {
    /// Multiply-adds of one direction's pass below which the two directions run one after the
    /// other: dispatching costs more than it saves on small batches. 2^22 (about 0.1 ms of
    /// work) keeps a single sentence (batch 1, ~20 steps of the reference models) on one thread:
    /// handing half of it to a worker costs a thread wake-up per layer, which on a busy machine
    /// can take longer than the work itself (see docs/BENCHMARKS.md); batches of 128 stay
    /// concurrent. Either way each direction writes only its own buffers, so
    /// results are the same bitwise. Tests set it to 0.
    nonisolated(unsafe) static var concurrentDirectionsMinimumWork = 1 << 22

    func runsDirectionsConcurrently(steps: Int, rows: Int, inputSize: Int) -> Bool {
        let work = steps * rows * cell.gateCount * hiddenSize * (inputSize + hiddenSize)
        return directions == 2 && Parallel.threadCount >= 2 && work >= Self.concurrentDirectionsMinimumWork
    }

    /// Runs `work(d)` for each direction, concurrently when it pays.
    func runDirections(steps: Int, rows: Int, inputSize: Int, _ work: (Int) -> Void) {
        if runsDirectionsConcurrently(steps: steps, rows: rows, inputSize: inputSize) {
            Parallel.forEach(tasks: 2) { d in work(d) }
        } else {
            for d in 0..<directions { work(d) }
        }
    }
}

extension Optional where Wrapped == [Int32] {
    /// Calls `body` with the array's base address, or nil.
    func withOptionalBuffer<R>(_ body: (UnsafePointer<Int32>?) -> R) -> R {
        guard let array = self else { return body(nil) }
        return array.withUnsafeBufferPointer { body($0.baseAddress) }
    }
}
