extension RecurrentEncoder {
    /// Accumulates parameter gradients (frozen parameters are skipped). `dOutput` is `[T, B, D*H]`;
    /// `dFinalHidden` / `dFinalCell` are `[layers*D, B, H]` or nil for zero. Returns dx
    /// `[T, B, inputSize]`, exactly zero at padded steps; for `.rows` input, the gradient of the
    /// rows `[U, inputSize]` (summed over the positions that read each row). The result is the
    /// workspace's.
    public func backward(_ dOutput: Tensor, dFinalHidden: Tensor?, dFinalCell: Tensor?, cache: Cache,
                         workspace ws: RecurrentWorkspace) -> Tensor {
        let steps = cache.mask.steps, rows = cache.mask.batchSize, h = hiddenSize
        precondition(dOutput.count == steps * rows * outputSize, "\(name): dOutput \(dOutput.shape)")
        precondition(dFinalHidden.map { $0.count == layers * directions * rows * h } ?? true, "\(name): dFinalHidden shape")
        precondition(dFinalCell.map { $0.count == layers * directions * rows * h } ?? true, "\(name): dFinalCell shape")
        let gh = cell.gateCount * h
        var upstream = dOutput
        cache.mask.withPointers { lengthsPointer, activePointer in
            for l in stride(from: layers - 1, through: 0, by: -1) {
                let layer = ws.layers[l]
                let inSize = l == 0 ? inputSize : outputSize
                let input = l == 0 ? cache.input.tensor : (dropsBetweenLayers ? layer.input : ws.layers[l - 1].output)
                let distinct = l == 0 ? cache.input.tokens : nil
                let dOut = upstream
                runDirections(steps: steps, rows: rows, inputSize: inSize) { d in
                    let w = layer.directions[d], p = self.weights[l][d]
                    let offset = (l * self.directions + d) * rows * h
                    Self.startCarry(w.stateCarry, from: dFinalHidden, offset: offset)
                    if self.cell.cell.carriesCell { Self.startCarry(w.cellCarry, from: dFinalCell, offset: offset) }
                    if let pack = w.backwardPack { pack.repack() } else {
                        w.backwardPack = PackedMatmulB(.none, k: gh, n: h, b: self.trainingRecurrentWeight(l, d, w), ldb: h)
                    }
                    let separate = self.cell.cell.separateRecurrentGradient
                    let pass = RecurrentDirectionPass.Backward(
                        forward: RecurrentDirectionPass.Forward(
                            steps: steps, rows: rows, hidden: h, lengths: lengthsPointer, activeRows: activePointer, reverse: d == 1,
                            inputProjection: w.projection.data, inputRows: nil,
                            state: self.finalState(ws.finalHidden, l, d, rows), cell: nil,
                            recurrentScratch: w.recurrentScratch.data, outputScratch: w.outputScratch.dataIfAny,
                            previousState: w.previousState.data, previousCell: w.previousCell.dataIfAny,
                            activations: w.activations.data, tanhCell: w.tanhCell.dataIfAny,
                            output: layer.output.data + d * h, outputStride: self.outputSize),
                        outputGradient: dOut.data + d * h, stateCarry: w.stateCarry.data,
                        cellCarry: self.cell.cell.carriesCell ? w.cellCarry.data : nil,
                        recurrentPackedForBackward: w.backwardPack!, gateGradient: w.gateGradient.data,
                        recurrentGradient: separate ? w.recurrentGradient.data : w.gateGradient.data,
                        outputPreGradient: w.outputPreGradient.dataIfAny, hiddenScratch: w.hiddenScratch.dataIfAny)
                    self.forEachCell { cellType in
                        RecurrentDirectionPass.backward(cellType, self.plainWeights(l, d, pack: w.forwardPack!), pass)
                    }
                    self.accumulateWeightGradients(l, d, w, input: input, distinct: distinct, pass: pass)
                }
                // dX = sum over directions (fixed order) of dGates_d [T*B, G*H] x W_ih_d [G*H, in]
                // (from distinct rows: of the summed dGates [U, G*H], giving [U, in]).
                let dx = layer.inputGradient
                let dxRows = distinct?.count ?? steps * rows
                for d in 0..<directions {
                    let w = layer.directions[d]
                    matmul(.none, .none, m: dxRows, n: inSize, k: gh, alpha: 1,
                           a: (distinct == nil ? w.gateGradient : w.distinctGradient).data, lda: gh,
                           b: weights[l][d].inputWeight.value.data, ldb: inSize, beta: d == 0 ? 0 : 1,
                           c: dx.data, ldc: inSize)
                }
                if l > 0 && dropsBetweenLayers {
                    Dropout(probability: dropout).backward(dx, mask: layer.dropoutMask, into: dx)
                }
                upstream = dx
            }
        }
        return ws.layers[0].inputGradient
    }

    /// dW_ih, dW_hh, the biases and (Jordan) dW_hy, db_hy of one layer and direction, each one
    /// matmul or column sum over all steps (padded rows of the gate gradients are zero).
    private func accumulateWeightGradients(_ l: Int, _ d: Int, _ w: RecurrentWorkspace.Direction, input: Tensor,
                                           distinct: TokenRows?, pass: RecurrentDirectionPass.Backward) {
        let p = weights[l][d], f = pass.forward
        let h = hiddenSize, gh = cell.gateCount * h, all = f.steps * f.rows
        let inSize = l == 0 ? inputSize : outputSize
        let dg = w.gateGradient.data, dr = pass.recurrentGradient, scratch = w.biasScratch.data
        if let distinct {
            let dgu = w.distinctGradient
            dgu.zero()
            distinct.accumulate(dg, width: gh, into: dgu.data)
            if !p.inputWeight.frozen {
                matmul(.transpose, .none, m: gh, n: inSize, k: distinct.count, alpha: 1, a: dgu.data, lda: gh,
                       b: input.data, ldb: inSize, beta: 1, c: p.inputWeight.grad.data, ldc: inSize)
            }
        } else if !p.inputWeight.frozen {
            matmul(.transpose, .none, m: gh, n: inSize, k: all, alpha: 1, a: dg, lda: gh,
                   b: input.data, ldb: inSize, beta: 1, c: p.inputWeight.grad.data, ldc: inSize)
        }
        accumulateRecurrentWeightGradient(l, d, w, recurrentGradient: dr, steps: all)
        if !p.inputBias.frozen { addColumnSums(dg, rows: all, columns: gh, into: p.inputBias.grad.data, scratch: scratch) }
        if !p.recurrentBias.frozen {
            addColumnSums(dr, rows: all, columns: gh, into: p.recurrentBias.grad.data, scratch: scratch)
        }
        if let wy = p.outputWeight, let dyPre = pass.outputPreGradient, !wy.frozen {
            matmul(.transpose, .none, m: h, n: h, k: all, alpha: 1, a: dyPre, lda: h,
                   b: w.activations.data, ldb: 2 * h, beta: 1, c: wy.grad.data, ldc: h)
        }
        if let by = p.outputBias, let dyPre = pass.outputPreGradient, !by.frozen {
            addColumnSums(dyPre, rows: all, columns: h, into: by.grad.data, scratch: scratch)
        }
    }

    /// The weights of layer l, direction d, as the backward pass reads them (W_hh through `pack`).
    private func plainWeights(_ l: Int, _ d: Int, pack: PackedMatmulB) -> RecurrentDirectionPass.Weights {
        let p = weights[l][d]
        return RecurrentDirectionPass.Weights(recurrentPacked: pack, recurrentBias: p.recurrentBias.value.data,
                                              outputWeight: p.outputWeight.map { UnsafePointer($0.value.data) },
                                              outputBias: p.outputBias.map { UnsafePointer($0.value.data) })
    }

    /// A carry starts at the gradient of the final state (its block of `[layers*D, B, H]`), or zero.
    private static func startCarry(_ carry: Tensor, from final: Tensor?, offset: Int) {
        if let final { carry.data.update(from: final.data + offset, count: carry.count) } else { carry.zero() }
    }
}
