/// TextRCNN's head in the paper's form (Lai et al. 2015):
///
///     x[t] = [l[t] | e[t] | r[t]]   l[t] = forward output at t-1, r[t] = backward output at t+1
///     z[t] = proj(x[t]) = W_l l[t] + W_e e[t] + W_r r[t] + b      hidden = tanh(z), max over real steps
///
/// with `proj.weight` `[P, H + E + H]` split by columns into W_l, W_e, W_r (PyTorch's layout:
/// the same parameter as a `Linear` over the concatenation). The three parts are separate
/// matmuls, because the middle one depends on the token alone: it is computed once per distinct
/// token of the batch (`TokenRows`), or looked up in a per-vocabulary table for inference, and
/// its gradients are summed per token first, as in the encoder's first layer.
///
/// Summation order, the same on every path: z = ((l W_l^T) + r W_r^T) + e-part, then + b.
final class RCNNPaperHead: SequenceHead {
    let projection: Linear
    let hiddenSize: Int
    let embeddingDim: Int

    init(hiddenSize: Int, embeddingDim: Int, projectionSize: Int, rng: inout RandomSource) {
        self.hiddenSize = hiddenSize
        self.embeddingDim = embeddingDim
        projection = Linear(inputSize: 2 * hiddenSize + embeddingDim, outputSize: projectionSize, name: "proj", rng: &rng)
    }

    var parameters: [Parameter] { projection.parameters }
    var featureSize: Int { projection.outputSize }

    final class Workspace: HeadWorkspace {
        // Kept for backward.
        let contexts = Tensor([0])     // [T*B, 2H]  l | r per position, zero where no neighbour and at padding
        let hidden = Tensor([0])       // [T, B, P]  tanh(z), zero at padded steps
        var pool = MaxPooling.Cache()
        // Scratch and gradients.
        let tokenPart = Tensor([0])    // [U or V, P]  W_e e
        let features = Tensor([0])     // [B, P]
        let dHidden = Tensor([0]), dTokenPart = Tensor([0]), dContexts = Tensor([0])
        let dRows = Tensor([0]), dEncoded = Tensor([0]), biasScratch = Tensor([0])
    }

    func makeWorkspace() -> HeadWorkspace { Workspace() }

    // MARK: - Forward

    func forward(_ input: HeadInput, workspace: HeadWorkspace) -> Tensor {
        let ws = workspace as! Workspace
        Self.project(rows: input.rows, weight: projection.weight.value, hiddenSize: hiddenSize, into: ws.tokenPart)
        let slots = input.tokens.slots, tokenPart = ws.tokenPart.data, p = featureSize
        slots.withUnsafeBufferPointer { slots in
            Self.hidden(encoded: input.encoded!, mask: input.mask, weight: projection.weight.value,
                        bias: projection.bias.value, hiddenSize: hiddenSize, workspace: ws) { q in
                slots[q] < 0 ? nil : UnsafePointer(tokenPart + Int(slots[q]) * p)
            }
        }
        MaxPooling().forward(ws.hidden, mask: input.mask, into: ws.features, cache: &ws.pool)
        return ws.features
    }

    /// W_e e for each row of `rows` `[N, E]` -> `[N, P]` (each row computed independently, so a
    /// table over the vocabulary holds bitwise what a batch computes for the same token).
    static func project(rows: Tensor, weight: Tensor, hiddenSize: Int, into out: Tensor) {
        let p = weight.shape[0], width = weight.shape[1], e = width - 2 * hiddenSize
        let n = rows.count / e
        out.resize([n, p])
        matmul(.none, .transpose, m: n, n: p, k: e, alpha: 1, a: rows.data, lda: e,
               b: weight.data + hiddenSize, ldb: width, beta: 0, c: out.data, ldc: p)
    }

    /// hidden = tanh(((l W_l^T) + r W_r^T) + tokenPart + b) at real positions, zero at padded ones
    /// (where `tokenPart(q)` is nil). Fills `ws.contexts` and `ws.hidden`.
    static func hidden(encoded: Tensor, mask: SequenceMask, weight: Tensor, bias: Tensor, hiddenSize h: Int,
                       workspace ws: Workspace, tokenPart: (Int) -> UnsafePointer<Float>?) {
        let t = mask.steps, bsz = mask.batchSize, p = weight.shape[0], width = weight.shape[1]
        let e = width - 2 * h, positions = t * bsz
        shiftContexts(encoded, mask: mask, hiddenSize: h, into: ws.contexts)
        let z = ws.hidden.resize([t, bsz, p])
        if positions > 0 {
            let w = weight.data, contexts = ws.contexts.data
            matmul(.none, .transpose, m: positions, n: p, k: h, alpha: 1, a: contexts, lda: 2 * h,
                   b: w, ldb: width, beta: 0, c: z.data, ldc: p)
            matmul(.none, .transpose, m: positions, n: p, k: h, alpha: 1, a: contexts + h, lda: 2 * h,
                   b: w + h + e, ldb: width, beta: 1, c: z.data, ldc: p)
        }
        for q in 0..<positions {
            let row = z.data + q * p
            guard let part = tokenPart(q) else {   // padded: hidden is zero there
                row.update(repeating: 0, count: p)
                continue
            }
            Elementwise.add(part, into: row, count: p)
            Elementwise.add(bias.data, into: row, count: p)
            Elementwise.tanh(row, row, count: p)
        }
    }

    /// `[T*B, 2H]`: l[t] = forward output at t-1 (zero at t = 0), r[t] = backward output at t+1
    /// (zero at the last real step), zero at padded positions.
    private static func shiftContexts(_ encoded: Tensor, mask: SequenceMask, hiddenSize h: Int, into contexts: Tensor) {
        let t = mask.steps, bsz = mask.batchSize, dh = 2 * h
        contexts.resizeZeroed([t * bsz, dh])
        let c = contexts.data, out = encoded.data
        for b in 0..<bsz {
            let len = mask.lengths[b]
            for s in 0..<len {
                let row = c + (s * bsz + b) * dh
                if s > 0 { row.update(from: out + ((s - 1) * bsz + b) * dh, count: h) }
                if s + 1 < len { (row + h).update(from: out + ((s + 1) * bsz + b) * dh + h, count: h) }
            }
        }
    }

    // MARK: - Backward

    /// dFeatures `[B, P]` -> dEncoded `[T, B, 2H]` and dRows `[U, E]`; accumulates proj's gradients.
    func backward(_ dFeatures: Tensor, input: HeadInput, workspace: HeadWorkspace) -> HeadGradient {
        let ws = workspace as! Workspace, tokens = input.tokens, mask = input.mask
        let t = mask.steps, bsz = mask.batchSize, h = hiddenSize, e = embeddingDim, p = featureSize
        let width = projection.inputSize, positions = t * bsz, u = tokens.count
        // hidden = tanh(z): dz = dHidden tanh'(hidden), in place; zero at padded steps since dHidden is.
        MaxPooling().backward(dFeatures, cache: ws.pool, mask: mask, into: ws.dHidden)
        let dz = ws.dHidden
        Elementwise.tanhBackward(output: ws.hidden.data, outputGradient: dz.data, inputGradient: dz.data, count: dz.count)
        let dTokenPart = ws.dTokenPart.resizeZeroed([u, p])
        tokens.accumulate(dz.data, width: p, into: dTokenPart.data)
        let w = projection.weight.value.data
        if !projection.weight.frozen && positions > 0 {
            let g = projection.weight.grad.data
            matmul(.transpose, .none, m: p, n: h, k: positions, alpha: 1, a: dz.data, lda: p,
                   b: ws.contexts.data, ldb: 2 * h, beta: 1, c: g, ldc: width)
            matmul(.transpose, .none, m: p, n: e, k: u, alpha: 1, a: dTokenPart.data, lda: p,
                   b: input.rows.data, ldb: e, beta: 1, c: g + h, ldc: width)
            matmul(.transpose, .none, m: p, n: h, k: positions, alpha: 1, a: dz.data, lda: p,
                   b: ws.contexts.data + h, ldb: 2 * h, beta: 1, c: g + h + e, ldc: width)
        }
        if !projection.bias.frozen {
            addColumnSums(dz.data, rows: positions, columns: p, into: projection.bias.grad.data,
                          scratch: ws.biasScratch.resize([p]).data)
        }
        let dContexts = ws.dContexts.resize([positions, 2 * h])
        let dRows = ws.dRows.resize([u, e])
        if positions > 0 {
            matmul(.none, .none, m: positions, n: h, k: p, alpha: 1, a: dz.data, lda: p, b: w, ldb: width,
                   beta: 0, c: dContexts.data, ldc: 2 * h)
            matmul(.none, .none, m: positions, n: h, k: p, alpha: 1, a: dz.data, lda: p, b: w + h + e, ldb: width,
                   beta: 0, c: dContexts.data + h, ldc: 2 * h)
        }
        matmul(.none, .none, m: u, n: e, k: p, alpha: 1, a: dTokenPart.data, lda: p, b: w + h, ldb: width,
               beta: 0, c: dRows.data, ldc: e)
        unshift(dContexts, mask: mask, into: ws.dEncoded)
        return HeadGradient(encoded: ws.dEncoded, rows: dRows)
    }

    /// dContexts `[T*B, 2H]` -> dEncoded `[T, B, 2H]`: each entry has exactly one source, the
    /// forward half at step s from l[s+1], the backward half from r[s-1].
    private func unshift(_ dContexts: Tensor, mask: SequenceMask, into dOut: Tensor) {
        let bsz = mask.batchSize, h = hiddenSize, dh = 2 * h
        dOut.resizeZeroed([mask.steps, bsz, dh])
        let src = dContexts.data, o = dOut.data
        for b in 0..<bsz {
            let len = mask.lengths[b]
            for s in 0..<len {
                let row = src + (s * bsz + b) * dh
                if s > 0 { (o + ((s - 1) * bsz + b) * dh).update(from: row, count: h) }
                if s + 1 < len { (o + ((s + 1) * bsz + b) * dh + h).update(from: row + h, count: h) }
            }
        }
    }

    // MARK: - Inference

    func makePlan(embedding: Tensor) -> HeadPlan {
        let weight = Tensor(copying: projection.weight.value)
        let table = Tensor([0])
        Self.project(rows: embedding, weight: weight, hiddenSize: hiddenSize, into: table)
        return Plan(weight: weight, bias: Tensor(copying: projection.bias.value), tokenTable: table,
                    hiddenSize: hiddenSize)
    }

    /// `tokenTable` `[V, P]`: W_e e for every vocabulary entry, so a batch reads each position's
    /// row instead of projecting embeddings (bitwise the same rows).
    struct Plan: HeadPlan {
        let weight: Tensor
        let bias: Tensor
        let tokenTable: Tensor
        let hiddenSize: Int

        var featureSize: Int { weight.shape[0] }

        func makeWorkspace() -> HeadWorkspace { Workspace() }

        func features(_ input: PlanHeadInput, workspace: HeadWorkspace) -> Tensor {
            let ws = workspace as! Workspace, p = featureSize, table = tokenTable.data
            let bsz = input.mask.batchSize, lengths = input.mask.lengths
            input.ids.withUnsafeBufferPointer { ids in
                RCNNPaperHead.hidden(encoded: input.encoded!, mask: input.mask, weight: weight, bias: bias,
                                     hiddenSize: hiddenSize, workspace: ws) { q in
                    q / bsz < lengths[q % bsz] ? UnsafePointer(table + Int(ids[q]) * p) : nil
                }
            }
            MaxPooling().forward(ws.hidden, mask: input.mask, into: ws.features)
            return ws.features
        }
    }
}
