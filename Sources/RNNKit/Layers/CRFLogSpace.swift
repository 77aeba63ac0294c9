import Foundation

/// The CRF's forward-backward in plain log space (log-sum-exp in Double over K terms per entry).
///
/// Why it exists: the matmul path factors exp(T[i, j] - max) out of every sum, which stays exact
/// only while no transition row or column spans more than `LinearChainCRF.fastPathRange`. A batch
/// whose transitions are spread wider (hand-set constraints such as -1e4, or a diverging run) comes
/// here: K^2 exps per position instead of a matmul, the same definitions, the same workspace slots
/// (logAlpha, logBeta, logZ; the pair marginals go to `pairAccumulator`). It is also the naive
/// reference the tests hold the fast path against.
enum CRFLogSpace {
    /// log sum_i exp(x_i) of the K values `value(i)`, in Double.
    @inline(__always)
    static func logSumExp(_ k: Int, _ value: (Int) -> Double) -> Double {
        var top = -Double.infinity
        for i in 0..<k { top = max(top, value(i)) }
        guard top > -Double.infinity else { return -Double.infinity }
        var sum = 0.0
        for i in 0..<k { sum += Foundation.exp(value(i) - top) }
        return top + Foundation.log(sum)
    }

    static func forwardAlphas(_ crf: LinearChainCRF, _ cache: LinearChainCRF.Cache) {
        let ws = cache.workspace, lengths = cache.lengths
        let k = crf.tagCount, b = lengths.count
        let e = UnsafePointer(cache.emissions.data), la = ws.logAlpha.data
        let start = crf.startTransitions.value.data, trans = crf.transitions.value.data
        for j in 0..<b where lengths[j] > 0 {
            for c in 0..<k { la[j * k + c] = start[c] + e[j * k + c] }
            for t in 1..<max(lengths[j], 1) {
                let previous = la + ((t - 1) * b + j) * k, row = (t * b + j) * k
                for c in 0..<k {
                    let s = logSumExp(k) { Double(previous[$0]) + Double(trans[$0 * k + c]) }
                    la[row + c] = Float(s + Double(e[row + c]))
                }
            }
        }
    }

    static func backwardBetas(_ crf: LinearChainCRF, _ cache: LinearChainCRF.Cache) {
        let ws = cache.workspace, lengths = cache.lengths
        let k = crf.tagCount, b = lengths.count
        let e = UnsafePointer(cache.emissions.data), lb = ws.logBeta.data
        let end = crf.endTransitions.value.data, trans = crf.transitions.value.data
        for j in 0..<b where lengths[j] > 0 {
            let lastRow = ((lengths[j] - 1) * b + j) * k
            for c in 0..<k { lb[lastRow + c] = end[c] }
            for t in stride(from: lengths[j] - 2, through: 0, by: -1) {
                let next = ((t + 1) * b + j) * k, row = (t * b + j) * k
                for i in 0..<k {
                    lb[row + i] = Float(logSumExp(k) { Double(trans[i * k + $0]) + Double(e[next + $0]) + Double(lb[next + $0]) })
                }
            }
        }
    }

    /// pairAccumulator[i, j] = sum over real t >= 1 and b of P(y_{t-1} = i, y_t = j).
    static func pairMarginals(_ crf: LinearChainCRF, _ cache: LinearChainCRF.Cache) {
        let ws = cache.workspace, lengths = cache.lengths
        let k = crf.tagCount, b = lengths.count
        let e = UnsafePointer(cache.emissions.data), la = UnsafePointer(ws.logAlpha.data)
        let lb = UnsafePointer(ws.logBeta.data), trans = crf.transitions.value.data
        let pairs = ws.pairAccumulator, logZ = ws.logZ
        pairs.update(repeating: 0, count: k * k)
        for t in 1..<max(cache.steps, 1) {
            for j in 0..<b where t < lengths[j] {
                let previous = ((t - 1) * b + j) * k, row = (t * b + j) * k, lz = logZ[j]
                for i in 0..<k {
                    for c in 0..<k {
                        let s = Double(la[previous + i]) + Double(trans[i * k + c]) + Double(e[row + c]) + Double(lb[row + c])
                        pairs[i * k + c] += Foundation.exp(s - lz)
                    }
                }
            }
        }
    }
}
