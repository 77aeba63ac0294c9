extension RecurrentEncoder {
    /// The encoder for inference: an immutable snapshot of its weights, with W_hh (and W_ih above
    /// the first layer) packed once, and optionally layer 0's input projection of every
    /// vocabulary entry (`inputTables`), so a batch looks rows up instead of running that matmul.
    /// Built from copies, it cannot see later changes of the parameters; the same logits bitwise
    /// as the training forward without dropout (the same kernels on the same values).
    public struct Plan {
        struct Direction {
            let inputWeight: Tensor          // W_ih [G*H, in]
            let inputPacked: PackedMatmulB?  // W_ih^T, layers above the first
            let inputBias: Tensor            // b_ih
            let recurrentWeight: Tensor      // W_hh (the packing reads it for small products)
            let recurrentPacked: PackedMatmulB
            let recurrentBias: Tensor
            let outputWeight: Tensor?        // Jordan W_hy, b_hy
            let outputBias: Tensor?
        }

        public let cell: CellKind
        public let inputSize: Int
        public let hiddenSize: Int
        public let layers: Int
        public let directions: Int
        let weights: [[Direction]]
        /// Per direction `[V, G*H]`: `vectors x W_ih^T + b_ih` of layer 0 for every row of the
        /// embedding table; nil when not built.
        let inputTables: [Tensor]?

        public var outputSize: Int { directions * hiddenSize }
        public var hasInputTables: Bool { inputTables != nil }
    }

    /// A snapshot of the current weights; with `tableOf` (an embedding table `[V, inputSize]`),
    /// also layer 0's per-token input projections.
    public func makePlan(tableOf vectors: Tensor? = nil) -> Plan {
        let h = hiddenSize, gh = cell.gateCount * h
        let snapshot: [[Plan.Direction]] = (0..<layers).map { l in
            (0..<directions).map { d in
                let p = weights[l][d]
                let wih = Tensor(copying: p.inputWeight.value), whh = Tensor(copying: p.recurrentWeight.value)
                return Plan.Direction(
                    inputWeight: wih,
                    inputPacked: l == 0 ? nil : PackedMatmulB(.transpose, k: outputSize, n: gh, b: wih.data, ldb: outputSize),
                    inputBias: Tensor(copying: p.inputBias.value), recurrentWeight: whh,
                    recurrentPacked: PackedMatmulB(.transpose, k: h, n: gh, b: whh.data, ldb: h),
                    recurrentBias: Tensor(copying: p.recurrentBias.value),
                    outputWeight: p.outputWeight.map { Tensor(copying: $0.value) },
                    outputBias: p.outputBias.map { Tensor(copying: $0.value) })
            }
        }
        let tables = vectors.map { v -> [Tensor] in
            precondition(v.shape.count == 2 && v.shape[1] == inputSize,
                         "\(name): projection table input \(v.shape), expected [V, \(inputSize)]")
            return (0..<directions).map { d in
                let table = Tensor(uninitialized: [v.shape[0], gh])
                let w = snapshot[0][d]
                RecurrentEncoder.project(v.data, rows: v.shape[0], inputSize: inputSize, weight: .plain(w.inputWeight.data),
                                         bias: w.inputBias.data, gateWidth: gh, into: table.data)
                return table
            }
        }
        return Plan(cell: cell, inputSize: inputSize, hiddenSize: hiddenSize, layers: layers, directions: directions,
                    weights: snapshot, inputTables: tables)
    }
}

/// What an encoder plan's first layer reads.
public enum PlanInput {
    /// Dense or distinct-row input, as in training.
    case layer(LayerInput)
    /// Token ids `[T * B]` time-major: layer 0's input projection is the plan's table row of
    /// each id (padded positions are never read).
    case tableRows([Int32])
}

extension RecurrentEncoder.Plan {
    public func makeWorkspace() -> RecurrentWorkspace { RecurrentWorkspace(layers: layers, directions: directions) }

    /// The top layer's output `[T, B, D*H]` (zero at padded steps), in the workspace.
    public func run(_ input: PlanInput, mask: SequenceMask, workspace ws: RecurrentWorkspace) -> Tensor {
        let t = mask.steps, b = mask.batchSize, h = hiddenSize, gh = cell.gateCount * h
        var distinct: Int?
        if case .layer(.rows(_, let tokens)) = input { distinct = tokens.count }
        if case .tableRows = input { distinct = 0 }
        ws.prepareForInference(self, steps: t, batchSize: b, distinct: distinct)
        let cellType = cell.cell
        mask.withPointers { lengthsPointer, activePointer in
            for l in 0..<layers {
                let layer = ws.layers[l]
                let work = { (d: Int, rowIds: UnsafePointer<Int32>?) in
                    let w = self.weights[l][d], buffers = layer.directions[d]
                    var projection = UnsafePointer(buffers.projection.data)
                    switch (l, input) {
                    case (0, .tableRows):
                        projection = UnsafePointer(self.inputTables![d].data)
                    case (0, .layer(let first)):
                        RecurrentEncoder.project(first.tensor.data, rows: distinct ?? t * b, inputSize: self.inputSize,
                                                 weight: .plain(w.inputWeight.data), bias: w.inputBias.data, gateWidth: gh,
                                                 into: buffers.projection.data)
                    default:
                        RecurrentEncoder.project(ws.layers[l - 1].output.data, rows: t * b, inputSize: self.outputSize,
                                                 weight: .packed(w.inputPacked!), bias: w.inputBias.data, gateWidth: gh,
                                                 into: buffers.projection.data)
                    }
                    let state = ws.finalHidden.data + (l * self.directions + d) * b * h
                    RecurrentDirectionPass.forward(cellType, RecurrentDirectionPass.Weights(
                        recurrentPacked: w.recurrentPacked, recurrentBias: w.recurrentBias.data,
                        outputWeight: w.outputWeight.map { UnsafePointer($0.data) },
                        outputBias: w.outputBias.map { UnsafePointer($0.data) }), RecurrentDirectionPass.Forward(
                        steps: t, rows: b, hidden: h, lengths: lengthsPointer, activeRows: activePointer, reverse: d == 1,
                        inputProjection: projection, inputRows: l == 0 ? rowIds : nil, state: state,
                        cell: cellType.carriesCell ? ws.finalCell.data + (l * self.directions + d) * b * h : nil,
                        recurrentScratch: buffers.recurrentScratch.data, outputScratch: buffers.outputScratch.dataIfAny,
                        previousState: nil, previousCell: nil, activations: buffers.activations.data,
                        tanhCell: buffers.tanhCell.dataIfAny, output: layer.output.data + d * h, outputStride: self.outputSize))
                }
                let ids: [Int32]?
                switch input {
                case .tableRows(let tableIds): ids = tableIds
                case .layer(.rows(_, let tokens)): ids = tokens.slots
                case .layer(.dense): ids = nil
                }
                ids.withOptionalBuffer { rowIds in
                    let workload = t * b * gh * ((l == 0 ? inputSize : outputSize) + h)
                    if directions == 2 && Parallel.threadCount >= 2
                        && workload >= RecurrentEncoder.concurrentDirectionsMinimumWork {
                        Parallel.forEach(tasks: 2) { d in work(d, rowIds) }
                    } else {
                        for d in 0..<directions { work(d, rowIds) }
                    }
                }
            }
        }
        return ws.layers[layers - 1].output
    }
}

extension RecurrentWorkspace {
    /// Sizes what inference needs: the outputs, the projections and one step's activations
    /// (nothing is kept for backward). `distinct`: layer 0's projected rows (0 with tables,
    /// nil for a dense input).
    func prepareForInference(_ plan: RecurrentEncoder.Plan, steps t: Int, batchSize b: Int, distinct: Int?) {
        let h = plan.hiddenSize, d = plan.directions, out = plan.outputSize
        let cell = plan.cell.cell, gh = cell.gateCount * h, cw = cell.cacheWidth * h
        finalHidden.resizeZeroed([plan.layers * d, b, h])
        finalCell.resizeZeroed([cell.carriesCell ? plan.layers * d : 0, b, h])
        for (l, layer) in layers.enumerated() {
            layer.output.resize([t, b, out])
            for w in layer.directions {
                // The direction's projection block is shared by the layers (RecurrentWorkspace).
                w.projection.resize([max(t * b, l == 0 ? distinct ?? 0 : 0), gh])
                w.activations.resize([b, cw])
                w.tanhCell.resize([cell.carriesCell ? b : 0, h])
                w.recurrentScratch.resize([b, gh])
                w.outputScratch.resize([cell.hasOutputLayer ? b : 0, h])
            }
        }
    }
}
