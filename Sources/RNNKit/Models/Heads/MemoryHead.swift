/// An end-to-end memory network over the encoder's states (Sukhbaatar et al. 2015, after Weston
/// et al.'s Memory Networks), as a head: the states of the real steps are the memory, each stored
/// twice, as an input embedding m_t = A h_t and an output embedding c_t = C h_t; a learned query
/// u_1 = q reads it in K hops,
///
///     p^k_t = softmax over real steps t of (m_t . u_k)      o_k = sum_t p^k_t c_t      u_{k+1} = u_k + o_k
///
/// and the features are u_{K+1}. A and C are shared by all hops (the paper's layer-wise tying);
/// their size is the encoder's output size F: `memory.input.weight` A `[F, F]`,
/// `memory.output.weight` C `[F, F]`, `memory.query` q `[F]`. A sequence of length 0 reads
/// nothing: its features are q.
///
/// Backward, hops in reverse, with du = dLoss/du_{k+1} (starting at dFeatures):
///     do_k = du;  dc_t += p_t do_k;  dp_t = do_k . c_t;  ds_t = p_t (dp_t - sum_u p_u dp_u)
///     dm_t += ds_t u_k;  du <- du + sum_t ds_t m_t     (the gradient of u_k)
/// then dq = sum over sequences of du, dA = dM^T H, dC = dC_m^T H, dH = dM A + dC_m C.
final class MemoryHead: SequenceHead {
    let featureSize: Int
    let hops: Int
    let inputWeight: Parameter    // A [F, F]
    let outputWeight: Parameter   // C [F, F]
    let query: Parameter          // q [F]

    init(featureSize f: Int, hops: Int, rng: inout RandomSource) {
        precondition(f > 0 && hops > 0, "memory head needs a positive size and hop count")
        featureSize = f
        self.hops = hops
        inputWeight = Parameter(name: "memory.input.weight", shape: [f, f])
        outputWeight = Parameter(name: "memory.output.weight", shape: [f, f])
        query = Parameter(name: "memory.query", shape: [f])
        let bound = 1 / Float(f).squareRoot()
        for p in parameters {
            for i in 0..<p.value.count { p.value[i] = rng.uniform(-bound, bound) }
        }
    }

    var parameters: [Parameter] { [inputWeight, outputWeight, query] }

    final class Workspace: HeadWorkspace {
        // Kept for backward.
        let memoryIn = Tensor([0])     // [T*B, F]  m_t = A h_t
        let memoryOut = Tensor([0])    // [T*B, F]  c_t = C h_t
        let queries = Tensor([0])      // [K+1, B, F]  u_1 ... u_{K+1}
        let attention = Tensor([0])    // [K, T*B]  p^k_t, zero at padded steps
        // Output, scratch and gradients.
        let features = Tensor([0])     // [B, F]
        let dMemoryIn = Tensor([0]), dMemoryOut = Tensor([0]), dQuery = Tensor([0]), dEncoded = Tensor([0])
        var scores: [Float] = []
    }

    func makeWorkspace() -> HeadWorkspace { Workspace() }

    func forward(_ input: HeadInput, workspace: HeadWorkspace) -> Tensor {
        Self.run(input.encoded!, mask: input.mask, a: inputWeight.value, c: outputWeight.value, q: query.value,
                 hops: hops, workspace: workspace as! Workspace)
    }

    /// The hops for live weights (training) and for a plan's snapshot.
    static func run(_ h: Tensor, mask: SequenceMask, a: Tensor, c: Tensor, q: Tensor, hops: Int,
                    workspace ws: Workspace) -> Tensor {
        let t = mask.steps, bsz = mask.batchSize, f = q.count, positions = t * bsz
        let m = ws.memoryIn.resize([positions, f]), cm = ws.memoryOut.resize([positions, f])
        if positions > 0 {
            matmul(.none, .transpose, m: positions, n: f, k: f, alpha: 1, a: h.data, lda: f, b: a.data, ldb: f,
                   beta: 0, c: m.data, ldc: f)
            matmul(.none, .transpose, m: positions, n: f, k: f, alpha: 1, a: h.data, lda: f, b: c.data, ldb: f,
                   beta: 0, c: cm.data, ldc: f)
        }
        let u = ws.queries.resize([hops + 1, bsz, f]), p = ws.attention.resizeZeroed([hops, positions])
        for b in 0..<bsz { (u.data + b * f).update(from: q.data, count: f) }
        for k in 0..<hops {
            let uk = u.data + k * bsz * f, next = u.data + (k + 1) * bsz * f, pk = p.data + k * positions
            next.update(from: uk, count: bsz * f)
            for b in 0..<bsz {
                let len = mask.lengths[b]
                guard len > 0 else { continue }
                let ub = uk + b * f
                var top = -Float.infinity
                for s in 0..<len {
                    let i = s * bsz + b
                    var dot: Float = 0
                    for j in 0..<f { dot += m.data[i * f + j] * ub[j] }
                    pk[i] = dot
                    top = max(top, dot)
                }
                var total: Float = 0
                for s in 0..<len {
                    let i = s * bsz + b
                    pk[i] = Elementwise.exp(pk[i] - top)
                    total += pk[i]
                }
                let out = next + b * f
                for s in 0..<len {
                    let i = s * bsz + b
                    pk[i] /= total
                    let weight = pk[i], row = cm.data + i * f
                    for j in 0..<f { out[j] += weight * row[j] }
                }
            }
        }
        ws.features.resize([bsz, f]).data.update(from: u.data + hops * bsz * f, count: bsz * f)
        return ws.features
    }

    func backward(_ dFeatures: Tensor, input: HeadInput, workspace: HeadWorkspace) -> HeadGradient {
        let ws = workspace as! Workspace, mask = input.mask, h = input.encoded!
        let t = mask.steps, bsz = mask.batchSize, f = featureSize, positions = t * bsz
        let m = ws.memoryIn.data, cm = ws.memoryOut.data, u = ws.queries.data, p = ws.attention.data
        let dm = ws.dMemoryIn.resizeZeroed([positions, f]), dcm = ws.dMemoryOut.resizeZeroed([positions, f])
        let du = ws.dQuery.resize([bsz, f])
        du.copy(from: dFeatures)
        ws.scores.removeAll(keepingCapacity: true)
        ws.scores.append(contentsOf: repeatElement(0, count: t))
        ws.scores.withUnsafeMutableBufferPointer { dp in
            for k in stride(from: hops - 1, through: 0, by: -1) {
                let uk = u + k * bsz * f, pk = p + k * positions
                for b in 0..<bsz {
                    let len = mask.lengths[b]
                    guard len > 0 else { continue }
                    let dub = du.data + b * f   // do_k = du (before adding the score path)
                    var weighted: Float = 0
                    for s in 0..<len {
                        let i = s * bsz + b
                        var dot: Float = 0
                        for j in 0..<f { dot += dub[j] * cm[i * f + j] }
                        dp[s] = dot
                        weighted += pk[i] * dot
                        let weight = pk[i], row = dcm.data + i * f
                        for j in 0..<f { row[j] += weight * dub[j] }
                    }
                    for s in 0..<len {
                        let i = s * bsz + b
                        let ds = pk[i] * (dp[s] - weighted)
                        let ub = uk + b * f, dmRow = dm.data + i * f, mRow = m + i * f
                        for j in 0..<f { dmRow[j] += ds * ub[j] }
                        for j in 0..<f { dub[j] += ds * mRow[j] }
                    }
                }
            }
        }
        if !query.frozen {
            for b in 0..<bsz { Elementwise.add(du.data + b * f, into: query.grad.data, count: f) }
        }
        let dh = ws.dEncoded.resize(h.shape)
        if positions > 0 {
            for (param, d) in [(inputWeight, dm), (outputWeight, dcm)] where !param.frozen {
                matmul(.transpose, .none, m: f, n: f, k: positions, alpha: 1, a: d.data, lda: f, b: h.data, ldb: f,
                       beta: 1, c: param.grad.data, ldc: f)
            }
            matmul(.none, .none, m: positions, n: f, k: f, alpha: 1, a: dm.data, lda: f, b: inputWeight.value.data,
                   ldb: f, beta: 0, c: dh.data, ldc: f)
            matmul(.none, .none, m: positions, n: f, k: f, alpha: 1, a: dcm.data, lda: f, b: outputWeight.value.data,
                   ldb: f, beta: 1, c: dh.data, ldc: f)
        }
        return HeadGradient(encoded: dh, rows: nil)
    }

    func makePlan(embedding: Tensor) -> HeadPlan {
        Plan(a: Tensor(copying: inputWeight.value), c: Tensor(copying: outputWeight.value),
             q: Tensor(copying: query.value), hops: hops)
    }

    struct Plan: HeadPlan {
        let a: Tensor, c: Tensor, q: Tensor
        let hops: Int
        var featureSize: Int { q.count }
        func makeWorkspace() -> HeadWorkspace { Workspace() }
        func features(_ input: PlanHeadInput, workspace: HeadWorkspace) -> Tensor {
            MemoryHead.run(input.encoded!, mask: input.mask, a: a, c: c, q: q, hops: hops, workspace: workspace as! Workspace)
        }
    }
}
