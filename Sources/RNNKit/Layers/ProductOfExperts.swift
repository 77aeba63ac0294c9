import Foundation

/// The prediction of two softmax experts trained on their own losses (`WideCombine.experts`):
/// out = log_softmax(a) + log_softmax(b), row by row. Its softmax is the normalised product of
/// the two experts' probabilities, so a class wins when both find it likely, and an argmax,
/// `rnn-predict`'s probabilities and the dev loss all read these logits as any model's.
/// Inference only: each expert is trained on its own cross-entropy, never through this.
public enum ProductOfExperts {
    /// `a`, `b` `[N, K]`; `out` `[N, K]` may not alias either. Log-sums in Double, as the loss's.
    public static func combine(_ a: Tensor, _ b: Tensor, into out: Tensor) -> Tensor {
        precondition(a.shape == b.shape && a.shape.count == 2, "experts' logits \(a.shape) and \(b.shape)")
        let n = a.shape[0], k = a.shape[1]
        out.resize([n, k])
        for r in 0..<n {
            let pa = a.data + r * k, pb = b.data + r * k, po = out.data + r * k
            let la = logNormaliser(pa, k), lb = logNormaliser(pb, k)
            for c in 0..<k { po[c] = Float((Double(pa[c]) - la) + (Double(pb[c]) - lb)) }
        }
        return out
    }

    /// log(sum_c exp(z_c)), shifted by the maximum.
    static func logNormaliser(_ z: UnsafePointer<Float>, _ k: Int) -> Double {
        var m = -Double.infinity
        for c in 0..<k { m = max(m, Double(z[c])) }
        var sum = 0.0
        for c in 0..<k { sum += Foundation.exp(Double(z[c]) - m) }
        return m + Foundation.log(sum)
    }
}
