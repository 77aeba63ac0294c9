import Foundation

/// The recurrent cell of an encoder; raw values are the config names.
public enum CellKind: String, CaseIterable, Sendable {
    case rnnTanh = "rnn_tanh", rnnRelu = "rnn_relu", jordan, lstm, gru

    /// Gates per unit: rows of weight_ih / weight_hh are `gateCount * hiddenSize`.
    var gateCount: Int {
        switch self {
        case .lstm: return LSTMCell.gateCount
        case .gru: return GRUCell.gateCount
        case .rnnTanh, .rnnRelu: return ElmanCell.gateCount
        case .jordan: return JordanCell.gateCount
        }
    }

    /// Floats per unit of the per-step activation cache (`gates` block).
    var cacheWidth: Int {
        switch self {
        case .lstm: return LSTMCell.cacheWidth
        case .gru: return GRUCell.cacheWidth
        case .rnnTanh, .rnnRelu: return ElmanCell.cacheWidth
        case .jordan: return JordanCell.cacheWidth
        }
    }
}

/// A stacked, optionally bidirectional recurrent encoder over time-major, masked batches.
///
/// Layout and maths follow `torch.nn.LSTM/GRU/RNN` (see docs/RECURRENT.md): x `[T, B, in]`,
/// output `[T, B, D*H]` with the last axis `[forward H | backward H]`, final states
/// `[layers*D, B, H]` indexed `layer*D + direction`. A padded step leaves the state unchanged
/// and outputs zero; the backward direction starts at each sequence's own last real step.
///
/// Per layer and direction the input projection of all steps is one matmul, each step runs
/// one `[B, H] x W_hh^T` matmul and one fused elementwise pass; backward runs the steps in
/// reverse for the recurrent part and then forms dW_ih, dW_hh and dX as single matmuls.
/// The two directions of a layer run concurrently, each writing only its own buffers.
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
    /// Dropout probability applied to the input of every layer above the first, in training.
    public let dropout: Float
    public let name: String
    public let parameters: [Parameter]
    let weights: [[DirectionWeights]]   // [layer][direction]

    public var outputSize: Int { directions * hiddenSize }

    /// Per layer and direction, set by `packForInference()`.
    private(set) var inferencePacks: [[(recurrent: PackedMatmulB, input: PackedMatmulB?)]]?

    public init(cell: CellKind, inputSize: Int, hiddenSize: Int, layers: Int, bidirectional: Bool,
                dropout: Float, name: String, rng: inout RandomSource) {
        precondition(inputSize > 0 && hiddenSize > 0 && layers > 0, "recurrent encoder sizes must be positive")
        self.cell = cell
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.layers = layers
        self.directions = bidirectional ? 2 : 1
        self.dropout = dropout
        self.name = name
        let gh = cell.gateCount * hiddenSize
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
                    outputWeight: cell == .jordan
                        ? Parameter(name: "\(name).weight_hy\(suffix)", shape: [hiddenSize, hiddenSize]) : nil,
                    outputBias: cell == .jordan ? Parameter(name: "\(name).bias_hy\(suffix)", shape: [hiddenSize]) : nil)
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

    // MARK: - Cache

    /// What backward needs of one layer and direction; rows are indexed `t * B + b` (time-major).
    struct DirectionCache {
        let previousState: Tensor   // [T*B, H]  state before step t (h, or y for Jordan)
        let gates: Tensor           // [T*B, cacheWidth*H]  gate activations of step t
        let previousCell: Tensor?   // [T*B, H]  LSTM c before step t
        let tanhCell: Tensor?       // [T*B, H]  LSTM tanh(c after step t)
    }

    /// Everything backward needs, explicitly. Layer 0's input is the caller's `x` tensor (held by
    /// reference: do not overwrite it between forward and backward).
    public struct Cache {
        let steps: Int
        let batchSize: Int
        let lengths: [Int]
        /// Per layer: the input as the layer read it, `[T*B, in]` (after dropout for layers > 0);
        /// with `tokens`, layer 0's is the distinct rows `[U, in]`.
        let inputs: [Tensor]
        /// Set when layer 0 read distinct rows (`forward(rows:tokens:...)`).
        let tokens: TokenRows?
        /// Per layer: the inverted-dropout mask `[T*B, D*H]` that formed its input (nil: none).
        let dropoutMasks: [Tensor?]
        /// Per layer and direction.
        let directionCaches: [[DirectionCache]]
    }

    // MARK: - Forward

    /// x: `[T, B, inputSize]` time-major. Returns the output `[T, B, D*H]` (zero at padded steps),
    /// the final states `[layers*D, B, H]` (LSTM also the cell states) and the cache for backward.
    public func forward(_ x: Tensor, mask: SequenceMask, training: Bool, rng: inout RandomSource)
        -> (output: Tensor, finalHidden: Tensor, finalCell: Tensor?, cache: Cache) {
        let (t, b) = checkInput(x, mask)
        return forwardLayers(x, tokens: nil, steps: t, batchSize: b, mask: mask, training: training, rng: &rng)
    }

    /// Forward from distinct input rows: position p of layer 0 reads `rows[tokens.slots[p]]`
    /// (`rows` is `[U, inputSize]`, e.g. `Embedding.forward(tokens)`). The same output bitwise as
    /// `forward` on the gathered `[T, B, in]` tensor, with layer 0's input projection computed
    /// once per distinct row; `backward` then returns the gradient of `rows` (`[U, inputSize]`).
    public func forward(rows: Tensor, tokens: TokenRows, mask: SequenceMask, training: Bool, rng: inout RandomSource)
        -> (output: Tensor, finalHidden: Tensor, finalCell: Tensor?, cache: Cache) {
        precondition(rows.shape.count == 2 && rows.shape[0] == tokens.count && rows.shape[1] == inputSize,
                     "\(name): rows \(rows.shape), expected [\(tokens.count), \(inputSize)]")
        precondition(tokens.steps == mask.steps && tokens.batchSize == mask.batchSize,
                     "\(name): tokens do not match mask [\(mask.steps), \(mask.batchSize)]")
        return forwardLayers(rows, tokens: tokens, steps: mask.steps, batchSize: mask.batchSize, mask: mask,
                             training: training, rng: &rng)
    }

    private func forwardLayers(_ x: Tensor, tokens: TokenRows?, steps t: Int, batchSize b: Int, mask: SequenceMask,
                               training: Bool, rng: inout RandomSource)
        -> (output: Tensor, finalHidden: Tensor, finalCell: Tensor?, cache: Cache) {
        let finalHidden = Tensor([layers * directions, b, hiddenSize])
        let finalCell = cell == .lstm ? Tensor([layers * directions, b, hiddenSize]) : nil
        var inputs = [Tensor](), masks = [Tensor?](), caches = [[DirectionCache]]()
        var input = x
        var output = x
        for l in 0..<layers {
            var dropMask: Tensor? = nil
            if l > 0 {
                if training && dropout > 0 {
                    let m = Tensor([t * b, outputSize])
                    let scale: Float = dropout < 1 ? 1 / (1 - dropout) : 0
                    let dropped = Tensor([t, b, outputSize])
                    for i in 0..<m.count {
                        let keep: Float = rng.nextUnitFloat() < dropout ? 0 : scale
                        m[i] = keep
                        dropped[i] = output[i] * keep
                    }
                    dropMask = m
                    input = dropped
                } else {
                    input = output
                }
            }
            output = Tensor([t, b, outputSize])
            let layerCache: [DirectionCache]
            if l == 0, let tokens {
                // Layer 0 from distinct rows: their projections `[U, G*H]` per direction, read by
                // the cells in place through each position's slot (padded slots are never read).
                let projected = (0..<directions).map { d in
                    let p = Tensor(uninitialized: [tokens.count, cell.gateCount * hiddenSize])
                    project(x.data, rows: tokens.count, layer: 0, direction: d, into: p.data)
                    return p
                }
                layerCache = tokens.slots.withUnsafeBufferPointer { slots in
                    runLayer(l, input: input, mask: mask, output: output, finalHidden: finalHidden,
                             finalCell: finalCell, keep: true,
                             lookup: slots.baseAddress.map { (tables: projected.map { UnsafePointer($0.data) }, ids: $0) })
                }
            } else {
                layerCache = runLayer(l, input: input, mask: mask, output: output,
                                      finalHidden: finalHidden, finalCell: finalCell, keep: true)
            }
            inputs.append(input)
            masks.append(dropMask)
            caches.append(layerCache)
        }
        let cache = Cache(steps: t, batchSize: b, lengths: mask.lengths, inputs: inputs, tokens: tokens,
                          dropoutMasks: masks, directionCaches: caches)
        return (output, finalHidden, finalCell, cache)
    }

    /// Forward pass for evaluation: no dropout, and only one step's activations are kept.
    public func inference(_ x: Tensor, mask: SequenceMask) -> (output: Tensor, finalHidden: Tensor, finalCell: Tensor?) {
        let (t, b) = checkInput(x, mask)
        let finalHidden = Tensor([layers * directions, b, hiddenSize])
        let finalCell = cell == .lstm ? Tensor([layers * directions, b, hiddenSize]) : nil
        var output = x
        for l in 0..<layers {
            let next = Tensor([t, b, outputSize])
            _ = runLayer(l, input: output, mask: mask, output: next,
                         finalHidden: finalHidden, finalCell: finalCell, keep: false)
            output = next
        }
        return (output, finalHidden, finalCell)
    }

    private func checkInput(_ x: Tensor, _ mask: SequenceMask) -> (Int, Int) {
        precondition(x.shape.count == 3 && x.shape[2] == inputSize,
                     "\(name): input \(x.shape), expected [T, B, \(inputSize)]")
        precondition(x.shape[0] == mask.steps && x.shape[1] == mask.batchSize,
                     "\(name): input \(x.shape) does not match mask [\(mask.steps), \(mask.batchSize)]")
        return (x.shape[0], x.shape[1])
    }

    /// Runs both directions of layer `l`. With `keep == false` every per-step cache block
    /// aliases one `[B, ...]` block (nothing is kept for backward).
    /// `lookup`, when given for layer 0, replaces the input projection: direction d's rows
    /// `W_ih x + b_ih` are `tables[d]` rows, row `ids[t * B + b]` for position (t, b), read in
    /// place by the cells (a per-vocabulary table, or the projections of a batch's distinct tokens).
    private func runLayer(_ l: Int, input: Tensor, mask: SequenceMask, output: Tensor,
                          finalHidden: Tensor, finalCell: Tensor?, keep: Bool,
                          lookup: (tables: [UnsafePointer<Float>], ids: UnsafePointer<Int32>)? = nil) -> [DirectionCache] {
        let steps = mask.steps, rows = mask.batchSize, h = hiddenSize
        let inSize = l == 0 ? inputSize : outputSize
        let gh = cell.gateCount * h, cw = cell.cacheWidth * h
        let cacheSteps = keep ? steps : Swift.min(steps, 1)
        // Workspaces and caches are allocated here, once per call, before any step runs.
        // Left uninitialised: the previous states (kept: copied at every step for all rows) and
        // the projections (every row written by `project`; empty under a lookup). Gates and tanh(c) are
        // written at real rows only, so they start at zero.
        var caches = [DirectionCache]()
        var projections = [Tensor](), scratch = [Tensor](), jordanScratch = [Tensor]()
        let stateCache = { keep ? Tensor(uninitialized: [cacheSteps * rows, h]) : Tensor([cacheSteps * rows, h]) }
        for _ in 0..<directions {
            caches.append(DirectionCache(
                previousState: stateCache(),
                gates: Tensor([cacheSteps * rows, cw]),
                previousCell: cell == .lstm ? stateCache() : nil,
                tanhCell: cell == .lstm ? Tensor([cacheSteps * rows, h]) : nil))
            projections.append(Tensor(uninitialized: [lookup == nil ? steps * rows : 0, gh]))
            scratch.append(Tensor([rows, gh]))
            jordanScratch.append(Tensor([rows, cell == .jordan ? h : 0]))
        }
        let lengths = mask.lengths
        lengths.withUnsafeBufferPointer { lengthsBuffer in
            let lengthsPointer = lengthsBuffer.baseAddress ?? UnsafePointer(bitPattern: 8)!
            let work = { (d: Int) in
                let w = self.weights[l][d]
                let cache = caches[d]
                let xp = projections[d].data, hh = scratch[d].data, yp = jordanScratch[d].data
                // Input projection for all steps: X [T*B, in] x W_ih^T, b_ih folded in.
                if lookup == nil {
                    self.project(input.data, rows: steps * rows, layer: l, direction: d, into: xp,
                                 packedWeight: keep ? nil : self.inferencePacks?[l][d].input)
                }
                let state = finalHidden.data + (l * self.directions + d) * rows * h
                let cellState = finalCell.map { $0.data + (l * self.directions + d) * rows * h }
                // W_hh packed once for all steps of this batch (bitwise the same products), or
                // once for good when packed for inference.
                let packedWhh = (keep ? nil : self.inferencePacks?[l][d].recurrent)
                    ?? PackedMatmulB(.transpose, k: h, n: gh, b: w.recurrentWeight.value.data, ldb: h)
                for s in 0..<steps {
                    let t = d == 0 ? s : steps - 1 - s
                    let ct = keep ? t : 0
                    if keep {
                        (cache.previousState.data + ct * rows * h).update(from: state, count: rows * h)
                        if let c = cellState, let pc = cache.previousCell {
                            (pc.data + ct * rows * h).update(from: c, count: rows * h)
                        }
                    }
                    matmul(.none, m: rows, alpha: 1, a: state, lda: h, packedB: packedWhh, beta: 0, c: hh, ldc: gh)
                    let step = RecurrentForwardStep(
                        rows: rows, hidden: h, lengths: lengthsPointer, step: t,
                        inputProjection: lookup.map { $0.tables[d] } ?? UnsafePointer(xp + t * rows * gh),
                        inputRows: lookup.map { $0.ids + t * rows }, recurrentProjection: hh,
                        recurrentBias: w.recurrentBias.value.data, state: state, cell: cellState,
                        gates: cache.gates.data + ct * rows * cw,
                        tanhCell: cache.tanhCell.map { $0.data + ct * rows * h },
                        output: output.data + t * rows * self.outputSize + d * h,
                        outputStride: self.outputSize)
                    switch self.cell {
                    case .lstm: LSTMCell.forward(step)
                    case .gru: GRUCell.forward(step)
                    case .rnnTanh: ElmanCell.forward(step, relu: false)
                    case .rnnRelu: ElmanCell.forward(step, relu: true)
                    case .jordan:
                        JordanCell.forwardHidden(step)
                        matmul(.none, .transpose, m: rows, n: h, k: h, alpha: 1, a: step.gates, lda: 2 * h,
                               b: w.outputWeight!.value.data, ldb: h, beta: 0, c: yp, ldc: h)
                        JordanCell.forwardOutput(step, outputProjection: yp, outputBias: w.outputBias!.value.data)
                    }
                }
            }
            if runsDirectionsConcurrently(steps: steps, rows: rows, inputSize: inSize) {
                Parallel.forEach(tasks: 2) { d in work(d) }
            } else {
                for d in 0..<directions { work(d) }
            }
        }
        return caches
    }

    /// C `[rows, G*H]` = X `[rows, in]` x W_ih^T + b_ih for one layer and direction. Each row
    /// of C depends only on the same row of X (matmul computes rows independently).
    /// `packedWeight`: W_ih^T packed beforehand (`packForInference`), bitwise the same product.
    private func project(_ x: UnsafePointer<Float>, rows: Int, layer l: Int, direction d: Int,
                         into c: UnsafeMutablePointer<Float>, packedWeight: PackedMatmulB? = nil) {
        let w = weights[l][d]
        let inSize = l == 0 ? inputSize : outputSize
        let gh = cell.gateCount * hiddenSize
        let bih = w.inputBias.value.data
        for r in 0..<rows { (c + r * gh).update(from: bih, count: gh) }
        if let packedWeight {
            matmul(.none, m: rows, alpha: 1, a: x, lda: inSize, packedB: packedWeight, beta: 1, c: c, ldc: gh)
        } else {
            matmul(.none, .transpose, m: rows, n: gh, k: inSize, alpha: 1, a: x, lda: inSize,
                   b: w.inputWeight.value.data, ldb: inSize, beta: 1, c: c, ldc: gh)
        }
    }

    /// Weights packed once for a model that only runs inference from now on: W_hh^T of every
    /// layer and direction and W_ih^T of the layers above the first, as each step's matmul would
    /// pack them. Why: at batch 1 a step is a [1, H] x [H, G*H] product, and packing W_hh for it
    /// (every sentence, every layer and direction) cost more than the product itself.
    /// A snapshot of the weights, used by `inference` only: call again (or `discardInferencePacks`)
    /// after the weights change.
    public func packForInference() {
        let h = hiddenSize, gh = cell.gateCount * h
        inferencePacks = (0..<layers).map { l in
            (0..<directions).map { d in
                let w = weights[l][d]
                return (recurrent: PackedMatmulB(.transpose, k: h, n: gh, b: w.recurrentWeight.value.data, ldb: h),
                        input: l == 0 ? nil : PackedMatmulB(.transpose, k: outputSize, n: gh,
                                                            b: w.inputWeight.value.data, ldb: outputSize))
            }
        }
    }

    public func discardInferencePacks() { inferencePacks = nil }

    /// Layer 0's input projection of every row of `vectors` `[V, inputSize]` (an embedding
    /// table), one `[V, G*H]` tensor per direction: what `inference(ids:...)` looks up instead
    /// of a matmul per batch. A snapshot: build it again after the weights change.
    public func inputProjectionTables(_ vectors: Tensor) -> [Tensor] {
        precondition(vectors.shape.count == 2 && vectors.shape[1] == inputSize,
                     "\(name): projection table input \(vectors.shape), expected [V, \(inputSize)]")
        let v = vectors.shape[0], gh = cell.gateCount * hiddenSize
        return (0..<directions).map { d in
            let table = Tensor([v, gh])
            project(vectors.data, rows: v, layer: 0, direction: d, into: table.data)
            return table
        }
    }

    /// Inference from token ids `[T * B]` (time-major) with layer 0's input projection taken
    /// from `tables` (`inputProjectionTables(embedding)`): bitwise the same output as
    /// `inference(embedding lookup, mask:)`, without the layer-0 matmul. Ids must be rows of
    /// the tables; at padded positions any valid id will do (those rows are never read).
    public func inference(ids: [Int32], mask: SequenceMask, inputProjectionTables tables: [Tensor])
        -> (output: Tensor, finalHidden: Tensor, finalCell: Tensor?) {
        let t = mask.steps, b = mask.batchSize, gh = cell.gateCount * hiddenSize
        precondition(ids.count == t * b, "\(name): \(ids.count) ids for [\(t), \(b)]")
        precondition(tables.count == directions && tables.allSatisfy { $0.shape.count == 2 && $0.shape[1] == gh },
                     "\(name): projection tables do not match the encoder")
        let vocabulary = tables[0].shape[0]
        for id in ids { precondition(id >= 0 && Int(id) < vocabulary, "token id \(id) outside the vocabulary") }
        let finalHidden = Tensor([layers * directions, b, hiddenSize])
        let finalCell = cell == .lstm ? Tensor([layers * directions, b, hiddenSize]) : nil
        let placeholder = Tensor([t, b, 0])
        var output = placeholder
        ids.withUnsafeBufferPointer { idBuffer in
            // The cells read layer 0's rows from the tables in place (no copy per position).
            let lookup = idBuffer.baseAddress.map { (tables: tables.map { UnsafePointer($0.data) }, ids: $0) }
            for l in 0..<layers {
                let next = Tensor([t, b, outputSize])
                _ = runLayer(l, input: output, mask: mask, output: next, finalHidden: finalHidden,
                             finalCell: finalCell, keep: false, lookup: l == 0 ? lookup : nil)
                output = next
            }
        }
        return (output, finalHidden, finalCell)
    }

    // MARK: - Backward

    /// Accumulates parameter gradients (frozen parameters are skipped). `dOutput` is `[T, B, D*H]`;
    /// `dFinalHidden` / `dFinalCell` are `[layers*D, B, H]` or nil for zero. Returns dx
    /// `[T, B, inputSize]`, exactly zero at padded steps; after `forward(rows:tokens:...)`, the
    /// gradient of the rows, `[U, inputSize]`.
    public func backward(_ dOutput: Tensor, dFinalHidden: Tensor?, dFinalCell: Tensor?, cache: Cache) -> Tensor {
        let steps = cache.steps, rows = cache.batchSize, h = hiddenSize
        precondition(dOutput.count == steps * rows * outputSize, "\(name): dOutput \(dOutput.shape)")
        precondition(dFinalHidden.map { $0.count == layers * directions * rows * h } ?? true,
                     "\(name): dFinalHidden shape")
        precondition(dFinalCell.map { $0.count == layers * directions * rows * h } ?? true,
                     "\(name): dFinalCell shape")
        let gh = cell.gateCount * h, cw = cell.cacheWidth * h
        var upstream = dOutput
        var dInput = dOutput
        for l in stride(from: layers - 1, through: 0, by: -1) {
            let inSize = l == 0 ? inputSize : outputSize
            let input = cache.inputs[l]
            let dirCaches = cache.directionCaches[l]
            // Layer 0 from distinct rows: dGates summed per distinct row `[U, G*H]` per direction.
            let distinct = l == 0 ? cache.tokens : nil
            let distinctGrads = (0..<directions).map { _ in Tensor([distinct?.count ?? 0, gh]) }
            var gateGrads = [Tensor](), recurrentGrads = [Tensor](), carries = [Tensor]()
            var cellCarries = [Tensor?](), outputPreGrads = [Tensor](), hiddenGrads = [Tensor]()
            for d in 0..<directions {
                // Every row (real or padded) is written by the cell's backward pass.
                let dg = Tensor(uninitialized: [steps * rows, gh])
                gateGrads.append(dg)
                recurrentGrads.append(cell == .gru ? Tensor(uninitialized: [steps * rows, gh]) : dg)
                let offset = (l * directions + d) * rows * h
                let carry = Tensor([rows, h])
                if let dfh = dFinalHidden { carry.data.update(from: dfh.data + offset, count: rows * h) }
                carries.append(carry)
                if cell == .lstm {
                    let cc = Tensor([rows, h])
                    if let dfc = dFinalCell { cc.data.update(from: dfc.data + offset, count: rows * h) }
                    cellCarries.append(cc)
                } else {
                    cellCarries.append(nil)
                }
                outputPreGrads.append(Tensor(uninitialized: [cell == .jordan ? steps * rows : 0, h]))
                hiddenGrads.append(Tensor([cell == .jordan ? rows : 0, h]))
            }
            let dOut = upstream
            cache.lengths.withUnsafeBufferPointer { lengthsBuffer in
                let lengthsPointer = lengthsBuffer.baseAddress ?? UnsafePointer(bitPattern: 8)!
                let work = { (d: Int) in
                    let w = self.weights[l][d]
                    let c = dirCaches[d]
                    let dg = gateGrads[d].data, dr = recurrentGrads[d].data
                    let carry = carries[d].data, dyPre = outputPreGrads[d].data, dhy = hiddenGrads[d].data
                    let packedWhh = PackedMatmulB(.none, k: gh, n: h, b: w.recurrentWeight.value.data, ldb: h)
                    for s in stride(from: steps - 1, through: 0, by: -1) {
                        let t = d == 0 ? s : steps - 1 - s
                        let step = RecurrentBackwardStep(
                            rows: rows, hidden: h, lengths: lengthsPointer, step: t,
                            outputGradient: dOut.data + t * rows * self.outputSize + d * h,
                            outputStride: self.outputSize, stateGradient: carry,
                            cellGradient: cellCarries[d]?.data,
                            gates: c.gates.data + t * rows * cw,
                            previousState: c.previousState.data + t * rows * h,
                            previousCell: c.previousCell.map { UnsafePointer($0.data + t * rows * h) },
                            tanhCell: c.tanhCell.map { UnsafePointer($0.data + t * rows * h) },
                            gateGradient: dg + t * rows * gh, recurrentGradient: dr + t * rows * gh)
                        switch self.cell {
                        case .lstm: LSTMCell.backward(step)
                        case .gru: GRUCell.backward(step)
                        case .rnnTanh: ElmanCell.backward(step, relu: false)
                        case .rnnRelu: ElmanCell.backward(step, relu: true)
                        case .jordan:
                            let dyPreT = dyPre + t * rows * h
                            JordanCell.backwardOutput(step, outputPreGradient: dyPreT)
                            matmul(.none, .none, m: rows, n: h, k: h, alpha: 1, a: dyPreT, lda: h,
                                   b: w.outputWeight!.value.data, ldb: h, beta: 0, c: dhy, ldc: h)
                            JordanCell.backwardHidden(step, hiddenGradient: dhy)
                        }
                        // d state_{t-1} += dRecurrent_t [B, G*H] x W_hh [G*H, H]
                        matmul(.none, m: rows, alpha: 1, a: dr + t * rows * gh, lda: gh, packedB: packedWhh,
                               beta: 1, c: carry, ldc: h)
                    }
                    // Weight gradients over all steps at once (padded rows of dGates are zero).
                    if let distinct {
                        let dgu = distinctGrads[d].data
                        distinct.accumulate(dg, width: gh, into: dgu)
                        if !w.inputWeight.frozen {
                            matmul(.transpose, .none, m: gh, n: inSize, k: distinct.count, alpha: 1, a: dgu, lda: gh,
                                   b: input.data, ldb: inSize, beta: 1, c: w.inputWeight.grad.data, ldc: inSize)
                        }
                    } else if !w.inputWeight.frozen {
                        matmul(.transpose, .none, m: gh, n: inSize, k: steps * rows, alpha: 1, a: dg, lda: gh,
                               b: input.data, ldb: inSize, beta: 1, c: w.inputWeight.grad.data, ldc: inSize)
                    }
                    if !w.recurrentWeight.frozen {
                        matmul(.transpose, .none, m: gh, n: h, k: steps * rows, alpha: 1, a: dr, lda: gh,
                               b: c.previousState.data, ldb: h, beta: 1, c: w.recurrentWeight.grad.data, ldc: h)
                    }
                    if !w.inputBias.frozen { addColumnSums(dg, rows: steps * rows, columns: gh, into: w.inputBias.grad.data) }
                    if !w.recurrentBias.frozen {
                        addColumnSums(dr, rows: steps * rows, columns: gh, into: w.recurrentBias.grad.data)
                    }
                    if let wy = w.outputWeight, !wy.frozen {
                        matmul(.transpose, .none, m: h, n: h, k: steps * rows, alpha: 1, a: dyPre, lda: h,
                               b: c.gates.data, ldb: 2 * h, beta: 1, c: wy.grad.data, ldc: h)
                    }
                    if let by = w.outputBias, !by.frozen {
                        addColumnSums(dyPre, rows: steps * rows, columns: h, into: by.grad.data)
                    }
                }
                if self.runsDirectionsConcurrently(steps: steps, rows: rows, inputSize: inSize) {
                    Parallel.forEach(tasks: 2) { d in work(d) }
                } else {
                    for d in 0..<directions { work(d) }
                }
            }
            // dX = sum over directions (fixed order) of dGates_d [T*B, G*H] x W_ih_d [G*H, in]
            // (from distinct rows: of the summed dGates [U, G*H], giving [U, in]).
            let dxRows = distinct?.count ?? steps * rows
            // Written whole by the first direction's matmul (beta = 0).
            let dx = Tensor(uninitialized: distinct == nil ? [steps, rows, inSize] : [dxRows, inSize])
            for d in 0..<directions {
                matmul(.none, .none, m: dxRows, n: inSize, k: gh, alpha: 1,
                       a: (distinct == nil ? gateGrads[d] : distinctGrads[d]).data, lda: gh,
                       b: weights[l][d].inputWeight.value.data, ldb: inSize, beta: d == 0 ? 0 : 1,
                       c: dx.data, ldc: inSize)
            }
            if l > 0, let m = cache.dropoutMasks[l] {
                for i in 0..<dx.count { dx[i] *= m[i] }
            }
            upstream = dx
            dInput = dx
        }
        return dInput
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
}

/// g[j] += (sum over rows of m[r, j]): the column sum is formed first, rows in order, then
/// added once, like matmul's beta = 1 (so a sum does not depend on what g already holds).
func addColumnSums(_ m: UnsafePointer<Float>, rows: Int, columns: Int, into g: UnsafeMutablePointer<Float>) {
    var sums = [Float](repeating: 0, count: columns)
    sums.withUnsafeMutableBufferPointer { s in
        for r in 0..<rows {
            let row = m + r * columns
            for j in 0..<columns { s[j] += row[j] }
        }
        for j in 0..<columns { g[j] += s[j] }
    }
}
