import Foundation
@testable import RNNKit

/// Brute force over every tag path of each sequence, in Double: the reference for the CRF tests.
struct CRFBruteForce {
    let k: Int
    let start: [Double], end: [Double], transitions: [Double]

    init(_ crf: LinearChainCRF) {
        k = crf.tagCount
        start = crf.startTransitions.value.array.map(Double.init)
        end = crf.endTransitions.value.array.map(Double.init)
        transitions = crf.transitions.value.array.map(Double.init)
    }

    /// Every path of `length` tags (K^length of them; one empty path for length 0).
    func paths(_ length: Int) -> [[Int]] {
        var out: [[Int]] = [[]]
        for _ in 0..<length { out = out.flatMap { p in (0..<k).map { p + [$0] } } }
        return out
    }

    /// Emission row of sequence j at step t, from a `[T, B, K]` buffer.
    func emission(_ e: [Float], _ t: Int, _ j: Int, _ b: Int) -> [Double] {
        (0..<k).map { Double(e[(t * b + j) * k + $0]) }
    }

    func score(_ path: [Int], _ e: [Float], _ j: Int, _ b: Int) -> Double {
        guard let first = path.first, let last = path.last else { return 0 }
        var s = start[first] + end[last]
        for (t, tag) in path.enumerated() {
            s += emission(e, t, j, b)[tag]
            if t > 0 { s += transitions[path[t - 1] * k + tag] }
        }
        return s
    }

    func logZ(_ length: Int, _ e: [Float], _ j: Int, _ b: Int) -> Double {
        let scores = paths(length).map { score($0, e, j, b) }
        let top = scores.max()!
        return length == 0 ? 0 : top + log(scores.reduce(0) { $0 + exp($1 - top) })
    }

    /// Mean NLL and its gradients (dEmissions [T*B*K], dStart, dEnd, dTransitions) by enumeration.
    func lossAndGradients(emissions e: [Float], tags: [Int32], lengths: [Int], steps: Int)
        -> (loss: Double, dE: [Double], dStart: [Double], dEnd: [Double], dT: [Double]) {
        let b = lengths.count
        var loss = 0.0
        var dE = [Double](repeating: 0, count: steps * b * k)
        var dS = [Double](repeating: 0, count: k), dEnd = dS, dT = [Double](repeating: 0, count: k * k)
        for j in 0..<b {
            let length = lengths[j]
            let gold = (0..<length).map { Int(tags[$0 * b + j]) }
            let z = logZ(length, e, j, b)
            loss += z - score(gold, e, j, b)
            guard length > 0 else { continue }
            // expected counts minus gold counts
            for path in paths(length) {
                let p = exp(score(path, e, j, b) - z)
                for (t, tag) in path.enumerated() {
                    dE[(t * b + j) * k + tag] += p
                    if t > 0 { dT[path[t - 1] * k + tag] += p }
                }
                dS[path[0]] += p
                dEnd[path[length - 1]] += p
            }
            for (t, tag) in gold.enumerated() {
                dE[(t * b + j) * k + tag] -= 1
                if t > 0 { dT[gold[t - 1] * k + tag] -= 1 }
            }
            dS[gold[0]] -= 1
            dEnd[gold[length - 1]] -= 1
        }
        let inv = 1 / Double(b)
        return (loss * inv, dE.map { $0 * inv }, dS.map { $0 * inv }, dEnd.map { $0 * inv }, dT.map { $0 * inv })
    }

    /// The best path (first one on ties, paths in lexicographic order), optionally among permitted ones.
    func best(_ length: Int, _ e: [Float], _ j: Int, _ b: Int, permitted: (([Int]) -> Bool)? = nil) -> [Int] {
        var best: [Int] = [], bestScore = -Double.infinity
        for path in paths(length) where permitted?(path) ?? true {
            let s = score(path, e, j, b)
            if s > bestScore { bestScore = s; best = path }
        }
        return best
    }
}

enum CRFTestSupport {
    static func makeCRF(tags: Int, seed: UInt64, scale: Float = 1) -> LinearChainCRF {
        var rng = RandomSource(seed: seed)
        let crf = LinearChainCRF(tagCount: tags, rng: &rng)
        // Larger than the 0.1 initial range, so transitions matter in the checks.
        for p in crf.parameters { for i in 0..<p.value.count { p.value[i] = rng.uniform(-scale, scale) } }
        return crf
    }

    /// Random gold tags at real steps, -1 at padding (which must never be read).
    static func tags(lengths: [Int], steps: Int, k: Int, seed: UInt64) -> [Int32] {
        var rng = RandomSource(seed: seed)
        let b = lengths.count
        var tags = [Int32](repeating: -1, count: steps * b)
        for j in 0..<b { for t in 0..<lengths[j] { tags[t * b + j] = Int32(rng.nextIndex(below: k)) } }
        return tags
    }

    /// Loss and gradients [dE, dStart, dEnd, dT] as arrays, with grads zeroed first.
    static func run(_ crf: LinearChainCRF, _ emissions: Tensor, _ tags: [Int32], _ lengths: [Int],
                    _ ws: CRFWorkspace = CRFWorkspace()) -> (loss: Float, grads: [[Float]]) {
        crf.parameters.zeroGrads()
        let (loss, cache) = crf.forward(emissions: emissions, tags: tags, lengths: lengths, workspace: ws)
        let dE = crf.backward(cache)
        return (loss, [dE.array] + crf.parameters.map { $0.grad.array })
    }
}
