import Foundation

/// Linear-chain conditional random field over K tags, with pytorch-crf's parameters and meaning:
/// `<name>.start_transitions [K]`, `<name>.end_transitions [K]`, `<name>.transitions [K, K]`
/// (row i = from tag i, column j = to tag j), initialised uniform(-0.1, 0.1) in that order.
///
/// For a sequence y_0 ... y_{L-1} with emissions e_t (time-major `[T, B, K]`, real for t < L):
///
///     score(y) = start[y_0] + sum_t e_t[y_t] + sum_{t>=1} T[y_{t-1}, y_t] + end[y_{L-1}]
///     log Z    = log of the sum of exp(score) over all K^L paths
///     loss     = (1/B) sum_b (log Z_b - score_b(gold))      (pytorch-crf's reduction "mean", negated)
///
/// A sequence of length 0 has no tags and exactly one (empty) path: it adds 0 and still counts in B.
///
/// Forward algorithm, in log space with the K x K work in one matmul per step:
///     alpha_0 = start + e_0,   alpha_t[j] = log sum_i exp(alpha_{t-1}[i] + T[i, j]) + e_t[j]
///             = M + log( sum_i A'[i] exp(T[i, j] - r_i) ) + e_t[j]
/// with r_i = max_j T[i, j], M = max_i (alpha_{t-1}[i] + r_i), A'[i] = exp(alpha_{t-1}[i] + r_i - M).
/// Why it is stable: A' <= 1 with a 1 somewhere and every row of exp(T - r) holds a 1, so each
/// product row has an entry >= 1 and <= K; what underflows is below e^-88 of the largest term, as in
/// log-sum-exp. The products `[B, K] x [K, K]` go through our matmul. When a row or column of T spans
/// more than `fastPathRange`, exp(T - r) itself could underflow on a path that matters, so that batch
/// takes the plain log-space code (`CRFLogSpace`, same definitions, K^2 exps per position).
///
/// Backward, forward-backward marginals (every term divided by B, times `lossScale`):
///     beta_{L-1} = end,   beta_t[i] = log sum_j exp(T[i, j] + e_{t+1}[j] + beta_{t+1}[j])  (columns likewise)
///     p_t(j)  = exp(alpha_t[j] + beta_t[j] - log Z)
///     dE_t[j] = p_t(j) - [y_t = j],  dstart = p_0 - onehot(y_0),  dend = p_{L-1} - onehot(y_{L-1})
///     dT[i, j] = sum_{t>=1} exp(alpha_{t-1}[i] + T[i, j] + e_t[j] + beta_t[j] - log Z) - #gold(i -> j)
/// The pair sum factors as exp(T[i, j] - r_i) * sum_{t, b} A'_t[b, i] Y_t[b, j] with
/// Y_t[j] = exp(M_t + e_t[j] + beta_t[j] - log Z) = p_t(j) / P_t[j] <= e^fastPathRange, where P_t is
/// the step's product row: one `[K, T*B] x [T*B, K]` matmul for the whole batch.
///
/// Padded steps are never read (their emissions may hold anything, NaN included) and get a zero
/// emission gradient. Every sum runs in a fixed order and matmul is thread-count independent, so
/// results are bitwise the same for any `Parallel.threadCount`.
public final class LinearChainCRF: ParameterOwner {
    public let tagCount: Int
    public let startTransitions: Parameter   // [K]
    public let endTransitions: Parameter     // [K]
    public let transitions: Parameter        // [K, K], from row to column

    public var parameters: [Parameter] { [startTransitions, endTransitions, transitions] }

    /// Largest spread of a transition row or column for which the matmul path is used.
    public static let fastPathRange: Float = 60

    /// False sends every batch through the log-space code (the tests compare the two paths).
    var allowsMatmulPath = true

    public init(tagCount: Int, name: String = "crf", rng: inout RandomSource) {
        precondition(tagCount > 0, "a CRF needs at least one tag")
        self.tagCount = tagCount
        startTransitions = Parameter(name: "\(name).start_transitions", shape: [tagCount])
        endTransitions = Parameter(name: "\(name).end_transitions", shape: [tagCount])
        transitions = Parameter(name: "\(name).transitions", shape: [tagCount, tagCount])
        for p in [startTransitions, endTransitions, transitions] {
            for i in 0..<p.value.count { p.value[i] = rng.uniform(-0.1, 0.1) }
        }
    }

    /// What backward reads; the alphas and log Z live in the workspace.
    public struct Cache {
        public let emissions: Tensor   // [T, B, K]
        public let tags: [Int32]       // [T * B]; read at real steps only
        public let lengths: [Int]      // [B]
        public let steps: Int
        let workspace: CRFWorkspace
        /// False when the transitions were too spread for the matmul path (see the type comment).
        let fastPath: Bool
    }

    /// Mean negative log-likelihood of the gold tags. `emissions` holds `T * B * K` values,
    /// time-major; `tags` holds `T * B` tag ids, each in 0..<K at real steps.
    public func forward(emissions: Tensor, tags: [Int32], lengths: [Int],
                        workspace ws: CRFWorkspace) -> (loss: Float, cache: Cache) {
        let k = tagCount, b = lengths.count
        let steps = b == 0 ? 0 : emissions.count / (b * k)
        precondition(emissions.count == steps * b * k, "CRF emissions \(emissions.shape) for \(b) sequences and \(k) tags")
        precondition(tags.count == steps * b, "\(tags.count) tags for \(steps) x \(b) positions")
        precondition(lengths.allSatisfy { $0 >= 0 && $0 <= steps }, "lengths \(lengths) exceed \(steps) steps")
        ws.prepare(steps: steps, batch: b, tags: k)
        let fast = ws.prepareTransitions(transitions.value.data, tags: k, range: Self.fastPathRange) && allowsMatmulPath
        let cache = Cache(emissions: emissions, tags: tags, lengths: lengths, steps: steps, workspace: ws, fastPath: fast)
        guard b > 0, steps > 0 else { return (0, cache) }   // steps 0: every sequence is empty, nothing to score
        if fast { forwardAlphas(cache) } else { CRFLogSpace.forwardAlphas(self, cache) }
        let e = UnsafePointer(emissions.data), la = UnsafePointer(ws.logAlpha.data)
        let start = startTransitions.value.data, end = endTransitions.value.data, trans = transitions.value.data
        var total = 0.0
        let logZ = ws.logZ
        tags.withUnsafeBufferPointer { y in
            for j in 0..<b where lengths[j] > 0 {
                let last = la + ((lengths[j] - 1) * b + j) * k
                var top = -Double.infinity
                for c in 0..<k { top = max(top, Double(last[c]) + Double(end[c])) }
                var sum = 0.0
                for c in 0..<k { sum += Foundation.exp(Double(last[c]) + Double(end[c]) - top) }
                logZ[j] = top + Foundation.log(sum)
                var score = Double(start[Self.tag(y, 0, j, b, k)])
                for t in 0..<lengths[j] {
                    let tag = Self.tag(y, t, j, b, k)
                    score += Double(e[(t * b + j) * k + tag])
                    if t > 0 { score += Double(trans[Self.tag(y, t - 1, j, b, k) * k + tag]) }
                }
                score += Double(end[Self.tag(y, lengths[j] - 1, j, b, k)])
                total += logZ[j] - score
            }
        }
        return (Float(total / Double(b)), cache)
    }

    /// The gold tag at (t, j), checked.
    @inline(__always)
    static func tag(_ y: UnsafeBufferPointer<Int32>, _ t: Int, _ j: Int, _ b: Int, _ k: Int) -> Int {
        let tag = Int(y[t * b + j])
        precondition(tag >= 0 && tag < k, "tag \(tag) at step \(t) of sequence \(j) outside 0..<\(k)")
        return tag
    }

    /// alpha for every real (t, b), the scaled rows A'_t and their shifts M_t (matmul path).
    private func forwardAlphas(_ cache: Cache) {
        let ws = cache.workspace, lengths = cache.lengths
        let k = tagCount, b = lengths.count
        let e = UnsafePointer(cache.emissions.data), la = ws.logAlpha.data, sa = ws.scaledAlpha.data
        let sh = ws.shift.data, product = ws.stepProduct.data, start = startTransitions.value.data
        let expRows = UnsafePointer(ws.expRows.data), rowMax = ws.rowMax
        for j in 0..<b where lengths[j] > 0 {
            for c in 0..<k { la[j * k + c] = start[c] + e[j * k + c] }
        }
        sa.update(repeating: 0, count: b * k)   // no pair term at t = 0
        for t in 1..<max(cache.steps, 1) {
            let rows = sa + t * b * k
            var active = false
            for j in 0..<b {
                let dst = rows + j * k
                guard lengths[j] > t else { dst.update(repeating: 0, count: k); sh[t * b + j] = 0; continue }
                active = true
                let previous = la + ((t - 1) * b + j) * k
                var m = -Float.infinity
                for i in 0..<k { dst[i] = previous[i] + rowMax[i]; m = max(m, dst[i]) }
                for i in 0..<k { dst[i] -= m }
                Elementwise.exp(dst, dst, count: k)
                sh[t * b + j] = m
            }
            guard active else { continue }
            matmul(.none, .none, m: b, n: k, k: k, alpha: 1, a: rows, lda: k, b: expRows, ldb: k,
                   beta: 0, c: product, ldc: k)
            for j in 0..<b where lengths[j] > t {
                let out = la + (t * b + j) * k, p = product + j * k, et = e + (t * b + j) * k
                let m = sh[t * b + j]
                for c in 0..<k { out[c] = m + Foundation.log(p[c]) + et[c] }
            }
        }
    }

    /// Accumulates (+=) the parameter gradients and returns dLoss/dEmissions `[T, B, K]` (zero at
    /// padded steps), each scaled by `lossScale` (the weight of this loss in a sum of losses).
    /// The returned tensor belongs to the workspace and is overwritten by its next backward.
    public func backward(_ cache: Cache, lossScale: Float = 1) -> Tensor {
        let ws = cache.workspace, lengths = cache.lengths
        let k = tagCount, b = lengths.count, steps = cache.steps
        let dE = ws.dEmissions
        dE.resize([steps, b, k])
        dE.zero()
        guard b > 0, steps > 0 else { return dE }
        if cache.fastPath { backwardBetas(cache) } else { CRFLogSpace.backwardBetas(self, cache) }
        let scale = lossScale / Float(b)
        let e = UnsafePointer(cache.emissions.data), la = UnsafePointer(ws.logAlpha.data)
        let lb = UnsafePointer(ws.logBeta.data), sh = UnsafePointer(ws.shift.data)
        let right = ws.pairRight.data, dx = dE.data
        let logZ = ws.logZ, boundary = ws.boundaryGradient, goldPairs = ws.goldPairs
        boundary.update(repeating: 0, count: 2 * k)
        goldPairs.update(repeating: 0, count: k * k)
        cache.tags.withUnsafeBufferPointer { y in
            for t in 0..<steps {
                for j in 0..<b {
                    let row = (t * b + j) * k
                    guard t < lengths[j] else { (right + row).update(repeating: 0, count: k); continue }
                    let lz = Float(logZ[j]), gold = Self.tag(y, t, j, b, k)
                    for c in 0..<k { dx[row + c] = la[row + c] + lb[row + c] - lz }
                    Elementwise.exp(dx + row, dx + row, count: k)   // p_t, then p_t - onehot
                    dx[row + gold] -= 1
                    if t == 0 { for c in 0..<k { boundary[c] += Double(dx[row + c]) } }
                    if t == lengths[j] - 1 { for c in 0..<k { boundary[k + c] += Double(dx[row + c]) } }
                    for c in 0..<k { dx[row + c] *= scale }
                    if t > 0 { goldPairs[Self.tag(y, t - 1, j, b, k) * k + gold] += 1 }
                    if t > 0 && cache.fastPath {
                        let m = sh[t * b + j]
                        for c in 0..<k { right[row + c] = m + e[row + c] + lb[row + c] - lz }
                        Elementwise.exp(right + row, right + row, count: k)
                    } else {
                        (right + row).update(repeating: 0, count: k)
                    }
                }
            }
        }
        let dStart = startTransitions.grad.data, dEnd = endTransitions.grad.data, dT = transitions.grad.data
        for c in 0..<k {
            dStart[c] += scale * Float(boundary[c])
            dEnd[c] += scale * Float(boundary[k + c])
        }
        if cache.fastPath {
            // sum over every (t, b) of A'_t[b, i] Y_t[b, j]; rows at t = 0 and padded steps are zero.
            let sums = ws.pairSums.data, er = UnsafePointer(ws.expRows.data)
            matmul(.transpose, .none, m: k, n: k, k: steps * b, alpha: 1, a: ws.scaledAlpha.data, lda: k,
                   b: right, ldb: k, beta: 0, c: sums, ldc: k)
            for i in 0..<(k * k) { dT[i] += scale * (er[i] * sums[i] - Float(goldPairs[i])) }
        } else {
            CRFLogSpace.pairMarginals(self, cache)
            for i in 0..<(k * k) { dT[i] += scale * Float(ws.pairAccumulator[i] - Double(goldPairs[i])) }
        }
        return dE
    }

    /// beta for every real (t, b) (matmul path): the column form of the forward step.
    private func backwardBetas(_ cache: Cache) {
        let ws = cache.workspace, lengths = cache.lengths
        let k = tagCount, b = lengths.count
        let e = UnsafePointer(cache.emissions.data), lb = ws.logBeta.data
        let input = ws.stepInput.data, product = ws.stepProduct.data, end = endTransitions.value.data
        let expColumns = UnsafePointer(ws.expColumns.data), columnMax = ws.columnMax, stepShift = ws.stepShift
        for t in stride(from: cache.steps - 1, through: 0, by: -1) {
            var active = false
            for j in 0..<b {
                let dst = input + j * k
                if lengths[j] == t + 1 { for c in 0..<k { lb[(t * b + j) * k + c] = end[c] } }
                guard lengths[j] > t + 1 else { dst.update(repeating: 0, count: k); continue }
                active = true
                let next = (t + 1) * b + j
                var n = -Float.infinity
                for c in 0..<k {
                    dst[c] = e[next * k + c] + lb[next * k + c] + columnMax[c]
                    n = max(n, dst[c])
                }
                for c in 0..<k { dst[c] -= n }
                Elementwise.exp(dst, dst, count: k)
                stepShift[j] = n
            }
            guard active else { continue }
            // product[b, i] = sum_j input[b, j] exp(T[i, j] - c_j)
            matmul(.none, .transpose, m: b, n: k, k: k, alpha: 1, a: input, lda: k, b: expColumns, ldb: k,
                   beta: 0, c: product, ldc: k)
            for j in 0..<b where lengths[j] > t + 1 {
                let out = lb + (t * b + j) * k, q = product + j * k, n = stepShift[j]
                for c in 0..<k { out[c] = n + Foundation.log(q[c]) }
            }
        }
    }
}
