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
struct RCNNPaperHead {
    let projection: Linear
    let hiddenSize: Int
    let embeddingDim: Int

    var outputSize: Int { projection.outputSize }

    /// What backward needs.
    struct Cache {
        /// `[T*B, 2H]`: l | r per position, zero where the neighbour does not exist and at padding.
        let contexts: Tensor
        /// `[U, E]`: the embedding rows of the distinct tokens.
        let rows: Tensor
        /// `[T, B, P]`: tanh(z), zero at padded steps.
        let hidden: Tensor
        let pool: MaxPooling.Cache
    }

    // MARK: - Forward

    /// encoded `[T, B, 2H]`, rows `[U, E]` (`Embedding.forward(tokens)`) -> pooled `[B, P]`.
    func forward(encoded: Tensor, tokens: TokenRows, rows: Tensor, mask: SequenceMask) -> (features: Tensor, cache: Cache) {
        let tokenPart = project(rows: rows)
        let (pooled, contexts, hidden, pool) = run(encoded: encoded, tokens: tokens, tokenPart: tokenPart, mask: mask)
        return (pooled, Cache(contexts: contexts, rows: rows, hidden: hidden, pool: pool))
    }

    /// As `forward`, with the token part `[U, P]` given (rows of `table(for:)`, or computed).
    func inference(encoded: Tensor, tokens: TokenRows, tokenPart: Tensor, mask: SequenceMask) -> Tensor {
        run(encoded: encoded, tokens: tokens, tokenPart: tokenPart, mask: mask).pooled
    }

    /// W_e e for each row of `rows` `[N, E]` -> `[N, P]` (each row computed independently, so a
    /// table over the vocabulary holds bitwise what a batch computes for the same token).
    func project(rows: Tensor) -> Tensor {
        let n = rows.count / embeddingDim, p = outputSize, width = projection.inputSize
        let out = Tensor(uninitialized: [n, p])
        matmul(.none, .transpose, m: n, n: p, k: embeddingDim, alpha: 1, a: rows.data, lda: embeddingDim,
               b: projection.weight.value.data + hiddenSize, ldb: width, beta: 0, c: out.data, ldc: p)
        return out
    }

    private func run(encoded: Tensor, tokens: TokenRows, tokenPart: Tensor, mask: SequenceMask)
        -> (pooled: Tensor, contexts: Tensor, hidden: Tensor, pool: MaxPooling.Cache) {
        let t = mask.steps, bsz = mask.batchSize, h = hiddenSize, p = outputSize
        let width = projection.inputSize, positions = t * bsz
        let contexts = shiftedContexts(encoded, mask: mask)
        let z = Tensor([t, bsz, p])
        if positions > 0 {
            let w = projection.weight.value.data
            matmul(.none, .transpose, m: positions, n: p, k: h, alpha: 1, a: contexts.data, lda: 2 * h,
                   b: w, ldb: width, beta: 0, c: z.data, ldc: p)
            matmul(.none, .transpose, m: positions, n: p, k: h, alpha: 1, a: contexts.data + h, lda: 2 * h,
                   b: w + h + embeddingDim, ldb: width, beta: 1, c: z.data, ldc: p)
        }
        let bias = projection.bias.value.data
        tokens.slots.withUnsafeBufferPointer { slots in
            for q in 0..<positions {
                let row = z.data + q * p
                if slots[q] < 0 {   // padded: hidden is zero there
                    row.update(repeating: 0, count: p)
                    continue
                }
                Elementwise.add(tokenPart.data + Int(slots[q]) * p, into: row, count: p)
                Elementwise.add(bias, into: row, count: p)
                Elementwise.tanh(row, row, count: p)
            }
        }
        let (pooled, pool) = MaxPooling().forward(z, mask: mask)
        return (pooled, contexts, z, pool)
    }

    /// `[T*B, 2H]`: l[t] = forward output at t-1 (zero at t = 0), r[t] = backward output at t+1
    /// (zero at the last real step), zero at padded positions.
    private func shiftedContexts(_ encoded: Tensor, mask: SequenceMask) -> Tensor {
        let t = mask.steps, bsz = mask.batchSize, h = hiddenSize, dh = 2 * h
        let contexts = Tensor([t * bsz, dh])
        let c = contexts.data, out = encoded.data
        for b in 0..<bsz {
            let len = mask.lengths[b]
            for s in 0..<len {
                let row = c + (s * bsz + b) * dh
                if s > 0 { row.update(from: out + ((s - 1) * bsz + b) * dh, count: h) }
                if s + 1 < len { (row + h).update(from: out + ((s + 1) * bsz + b) * dh + h, count: h) }
            }
        }
        return contexts
    }

    // MARK: - Backward

    /// dFeatures `[B, P]` -> (dEncoded `[T, B, 2H]`, dRows `[U, E]`); accumulates proj's gradients.
    func backward(_ dFeatures: Tensor, cache: Cache, tokens: TokenRows, lengths: [Int]) -> (dEncoded: Tensor, dRows: Tensor) {
        let t = tokens.steps, bsz = tokens.batchSize, h = hiddenSize, e = embeddingDim, p = outputSize
        let width = projection.inputSize, positions = t * bsz, u = tokens.count
        // hidden = tanh(z): dz = dHidden (1 - hidden^2); zero at padded steps since dHidden is.
        let dHidden = MaxPooling().backward(dFeatures, cache: cache.pool)
        let dz = Tensor(uninitialized: dHidden.shape)
        Elementwise.tanhBackward(output: cache.hidden.data, outputGradient: dHidden.data,
                                 inputGradient: dz.data, count: dHidden.count)
        let dTokenPart = Tensor([u, p])
        tokens.accumulate(dz.data, width: p, into: dTokenPart.data)
        let w = projection.weight.value.data
        if !projection.weight.frozen && positions > 0 {
            let g = projection.weight.grad.data
            matmul(.transpose, .none, m: p, n: h, k: positions, alpha: 1, a: dz.data, lda: p,
                   b: cache.contexts.data, ldb: 2 * h, beta: 1, c: g, ldc: width)
            matmul(.transpose, .none, m: p, n: e, k: u, alpha: 1, a: dTokenPart.data, lda: p,
                   b: cache.rows.data, ldb: e, beta: 1, c: g + h, ldc: width)
            matmul(.transpose, .none, m: p, n: h, k: positions, alpha: 1, a: dz.data, lda: p,
                   b: cache.contexts.data + h, ldb: 2 * h, beta: 1, c: g + h + e, ldc: width)
        }
        if !projection.bias.frozen { addColumnSums(dz.data, rows: positions, columns: p, into: projection.bias.grad.data) }
        let dContexts = Tensor(uninitialized: [positions, 2 * h])
        let dRows = Tensor(uninitialized: [u, e])
        if positions > 0 {
            matmul(.none, .none, m: positions, n: h, k: p, alpha: 1, a: dz.data, lda: p, b: w, ldb: width,
                   beta: 0, c: dContexts.data, ldc: 2 * h)
            matmul(.none, .none, m: positions, n: h, k: p, alpha: 1, a: dz.data, lda: p, b: w + h + e, ldb: width,
                   beta: 0, c: dContexts.data + h, ldc: 2 * h)
        }
        matmul(.none, .none, m: u, n: e, k: p, alpha: 1, a: dTokenPart.data, lda: p, b: w + h, ldb: width,
               beta: 0, c: dRows.data, ldc: e)
        return (unshift(dContexts, steps: t, lengths: lengths), dRows)
    }

    /// dContexts `[T*B, 2H]` -> dEncoded `[T, B, 2H]`: each entry has exactly one source, the
    /// forward half at step s from l[s+1], the backward half from r[s-1].
    private func unshift(_ dContexts: Tensor, steps t: Int, lengths: [Int]) -> Tensor {
        let bsz = lengths.count, h = hiddenSize, dh = 2 * h
        let dOut = Tensor([t, bsz, dh])
        let src = dContexts.data, o = dOut.data
        for b in 0..<bsz {
            let len = lengths[b]
            for s in 0..<len {
                let row = src + (s * bsz + b) * dh
                if s > 0 { (o + ((s - 1) * bsz + b) * dh).update(from: row, count: h) }
                if s + 1 < len { (o + ((s + 1) * bsz + b) * dh + h).update(from: row + h, count: h) }
            }
        }
        return dOut
    }
}
