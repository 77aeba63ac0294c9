import Foundation

/// Softmax cross-entropy on logits `[N, K]`, with PyTorch's `F.cross_entropy` definitions.
///
/// With target distribution q_n = (1 - s) onehot(y_n) + s/K (label smoothing s) and class
/// weights w (all 1 when absent), per example
///
///     c_k    = (1 - s) w[y_n] [k == y_n] + (s/K) w[k]
///     loss_n = sum_k c_k (-log p_k)
///     loss   = sum_n loss_n / sum_n w[y_n]        (= mean over the batch without weights)
///
/// which is exactly PyTorch's weighted mean, including its form of weights plus smoothing.
/// Since d(-log p_k)/dz_j = p_j - [j == k], the gradient is dz_j = (sum_k c_k) p_j - c_j,
/// divided by the same denominator. log p is computed as z - max - log(sum exp(z - max)) in
/// Double, so any finite logits give a finite loss. A zero denominator gives loss 0, no gradient.
public struct SoftmaxCrossEntropy {
    public let classWeights: [Float]?
    public let labelSmoothing: Float

    public init(classWeights: [Float]? = nil, labelSmoothing: Float = 0) {
        precondition(labelSmoothing >= 0 && labelSmoothing <= 1, "label smoothing \(labelSmoothing) outside [0, 1]")
        self.classWeights = classWeights
        self.labelSmoothing = labelSmoothing
    }

    /// Buffers of one batch, kept between batches.
    public final class Workspace {
        public let probabilities = Tensor([0])   // [N, K] softmax, for metrics
        public let dLogits = Tensor([0])         // [N, K] dLoss/dLogits
        var logP: [Double] = [], c: [Double] = [], grad: [Double] = []
        public init() {}
    }

    /// Loss (mean as above); fills the workspace's softmax probabilities `[N, K]` and, with
    /// `gradient` (evaluation needs none), dLoss/dLogits `[N, K]`.
    public func forward(logits: Tensor, labels: [Int], workspace ws: Workspace, gradient: Bool = true) -> Float {
        precondition(logits.shape.count == 2, "logits must be [N, K], got \(logits.shape)")
        let n = logits.shape[0], k = logits.shape[1]
        precondition(labels.count == n, "\(labels.count) labels for \(n) rows")
        precondition(labels.allSatisfy { $0 >= 0 && $0 < k }, "label outside 0..<\(k)")
        if let w = classWeights { precondition(w.count == k, "\(w.count) class weights for \(k) classes") }
        let probabilities = ws.probabilities.resize([n, k])
        let dLogits = gradient ? ws.dLogits.resizeZeroed([n, k]) : ws.dLogits.resize([0, k])
        let z = logits.data, p = probabilities.data, dz = dLogits.data
        let s = Double(labelSmoothing), uniform = s / Double(k)
        Self.reset(&ws.logP, k)
        Self.reset(&ws.c, k)
        Self.reset(&ws.grad, gradient ? n * k : 0)
        var total = 0.0, denominator = 0.0
        ws.logP.withUnsafeMutableBufferPointer { logP in
        ws.c.withUnsafeMutableBufferPointer { c in
        ws.grad.withUnsafeMutableBufferPointer { grad in
            for row in 0..<n {
                let zr = z + row * k
                var top = -Double.infinity
                for j in 0..<k { top = max(top, Double(zr[j])) }
                var sum = 0.0
                for j in 0..<k { sum += Foundation.exp(Double(zr[j]) - top) }
                let logSum = Foundation.log(sum)
                for j in 0..<k {
                    logP[j] = Double(zr[j]) - top - logSum
                    p[row * k + j] = Float(Foundation.exp(logP[j]))
                }
                let y = labels[row]
                let wy = classWeights.map { Double($0[y]) } ?? 1
                var cSum = 0.0
                for j in 0..<k {
                    let wj = classWeights.map { Double($0[j]) } ?? 1
                    c[j] = uniform * wj + (j == y ? (1 - s) * wy : 0)
                    cSum += c[j]
                    total -= c[j] * logP[j]
                }
                denominator += wy
                if gradient { for j in 0..<k { grad[row * k + j] = cSum * Foundation.exp(logP[j]) - c[j] } }
            }
            guard gradient && denominator > 0 else { return }
            let inv = 1 / denominator
            for i in 0..<(n * k) { dz[i] = Float(grad[i] * inv) }
        }
        }
        }
        return denominator > 0 ? Float(total / denominator) : 0
    }

    /// The same, with buffers of its own (tests, one-off scoring).
    public func forward(logits: Tensor, labels: [Int]) -> (loss: Float, probabilities: Tensor, dLogits: Tensor) {
        let ws = Workspace()
        let loss = forward(logits: logits, labels: labels, workspace: ws)
        return (loss, ws.probabilities, ws.dLogits)
    }

    private static func reset(_ buffer: inout [Double], _ count: Int) {
        buffer.removeAll(keepingCapacity: true)
        buffer.append(contentsOf: repeatElement(0, count: count))
    }
}
