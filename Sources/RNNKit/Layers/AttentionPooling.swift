import Foundation

/// Attention pooling over real steps, after TextRNN_Att of Chinese-Text-Classification-Pytorch
/// (models/TextRNN_Att.py, "Attention-Based Bidirectional LSTM", Zhou et al. 2016):
///
///     M_t = tanh(H_t)                 H: encoder output [T, B, F]
///     s_t = M_t . w                   w: `attention.w` [F]
///     alpha = softmax over t < len of s_t   (padded steps excluded; the reference softmaxes over padding too)
///     pooled = sum_t alpha_t H_t      [B, F]
///
/// What we took and what we left: the reference then applies ReLU, `fc1 = Linear(2H, 64)`
/// and `fc = Linear(64, C)` (no nonlinearity between the two linears). Here the pooling
/// stops at `pooled`; the model follows it with dropout and one `fc`, as for the other
/// poolings. w starts at zeros (uniform attention = mean pooling at the start; the
/// reference leaves `torch.Tensor` uninitialised, forks use zeros). Length 0 -> zeros.
///
/// Backward (per sequence, real steps only), with g = dPooled:
///     dH_t  = alpha_t g + ds_t w (1 - M_t^2)
///     da_t  = g . H_t,  ds_t = alpha_t (da_t - sum_u alpha_u da_u)
///     dw   += sum_{t,b} ds_t M_t
public final class AttentionPooling: ParameterOwner {
    public let featureSize: Int
    public let weight: Parameter   // `attention.w` [F]

    public var parameters: [Parameter] { [weight] }

    public init(featureSize: Int, name: String = "attention") {
        precondition(featureSize > 0, "attention needs a positive feature size")
        self.featureSize = featureSize
        weight = Parameter(name: "\(name).w", shape: [featureSize])
    }

    /// What forward computes and backward reads: buffers a workspace keeps between batches.
    public struct Cache {
        public let activated = Tensor([0])   // M = tanh(H) [T, B, F]
        public let weights = Tensor([0])     // alpha [T, B], zero at padded steps
        let scores = Tensor([0])             // s [T, B]; in backward, ds
        public init() {}
    }

    public func forward(_ x: Tensor, mask: SequenceMask, into y: Tensor, cache: Cache) {
        AttentionPooling.run(x, mask: mask, w: weight.value, into: y, cache: cache)
    }

    /// The pooling for live weights (training) and for an inference plan's snapshot `w`.
    static func run(_ x: Tensor, mask: SequenceMask, w: Tensor, into y: Tensor, cache: Cache) {
        let t = mask.steps, bsz = mask.batchSize, f = w.count
        precondition(x.count == t * bsz * f, "attention input \(x.shape), expected [\(t), \(bsz), \(f)]")
        let m = cache.activated.resize(x.shape)
        Elementwise.tanh(x.data, m.data, count: x.count)
        let scores = cache.scores.resize([t, bsz])
        if t * bsz > 0 {
            matmul(.none, .none, m: t * bsz, n: 1, k: f, alpha: 1, a: m.data, lda: f,
                   b: w.data, ldb: 1, beta: 0, c: scores.data, ldc: 1)
        }
        let alpha = cache.weights.resizeZeroed([t, bsz])
        y.resizeZeroed([bsz, f])
        let s = scores.data, a = alpha.data, h = x.data, out = y.data
        for b in 0..<bsz {
            let len = mask.lengths[b]
            guard len > 0 else { continue }
            var top = -Float.infinity
            for step in 0..<len { top = max(top, s[step * bsz + b]) }
            var total: Float = 0
            for step in 0..<len {
                let e = Elementwise.exp(s[step * bsz + b] - top)
                a[step * bsz + b] = e
                total += e
            }
            for step in 0..<len { a[step * bsz + b] /= total }
            let row = out + b * f
            for step in 0..<len {
                let weightT = a[step * bsz + b], src = h + (step * bsz + b) * f
                for k in 0..<f { row[k] += weightT * src[k] }
            }
        }
    }

    /// dx `[T, B, F]` into `dx` (resized; zero at padded steps) and dw accumulated, for dOutput
    /// `[B, F]` and the forward's input x and cache.
    public func backward(_ dOutput: Tensor, input x: Tensor, mask: SequenceMask, cache: Cache, into dx: Tensor) {
        let bsz = mask.batchSize, f = featureSize, t = mask.steps
        dx.resizeZeroed(x.shape)
        let dScores = cache.scores.resizeZeroed([t, bsz])   // zero at padded steps
        let g = dOutput.data, h = x.data, mAct = cache.activated.data, a = cache.weights.data
        let w = weight.value.data, ds = dScores.data, dh = dx.data
        for b in 0..<bsz {
            let len = mask.lengths[b]
            guard len > 0 else { continue }
            let gb = g + b * f
            var weighted: Float = 0
            for step in 0..<len {
                let src = h + (step * bsz + b) * f
                var dot: Float = 0
                for k in 0..<f { dot += gb[k] * src[k] }
                ds[step * bsz + b] = dot          // da_t for now
                weighted += a[step * bsz + b] * dot
            }
            for step in 0..<len {
                let i = step * bsz + b
                let dsT = a[i] * (ds[i] - weighted)
                ds[i] = dsT
                let row = dh + i * f, mRow = mAct + i * f
                for k in 0..<f { row[k] = a[i] * gb[k] + dsT * w[k] * Elementwise.tanhDerivative(output: mRow[k]) }
            }
        }
        if t * bsz > 0 && !weight.frozen {
            // dw[1, F] += dScores[1, T*B] x M[T*B, F]
            matmul(.transpose, .none, m: 1, n: f, k: t * bsz, alpha: 1, a: dScores.data, lda: 1,
                   b: mAct, ldb: f, beta: 1, c: weight.grad.data, ldc: f)
        }
    }
}
