import Foundation

/// Multi-label loss: an independent sigmoid per label and binary cross-entropy, as PyTorch's
/// `BCEWithLogitsLoss(reduction="mean")` defines it: the MEAN OVER ALL N x K ELEMENTS (not over N).
///
///     loss_nk = -[y log s(x) + (1 - y) log(1 - s(x))] = max(x, 0) - x y + log(1 + exp(-|x|))
///     loss    = (1 / (N K)) sum_nk loss_nk,      dLoss/dx_nk = (s(x_nk) - y_nk) / (N K)
///
/// The second form of loss_nk is stable for any finite x (no exp overflow, no log(0)); it is
/// evaluated in Double. Targets are sets of label ids per row (y = 1 for ids in the set).
/// N = 0 gives loss 0.
public struct SigmoidBinaryCrossEntropy {
    public init() {}

    /// Loss; writes sigmoid(x) into `probabilities` and the gradient into `dLogits` (both reshaped
    /// to `[N, K]`, caller-owned so a step allocates nothing once warm).
    public func forward(logits: Tensor, targets: [[Int]], probabilities: Tensor, dLogits: Tensor) -> Float {
        precondition(logits.shape.count == 2, "logits must be [N, K], got \(logits.shape)")
        let n = logits.shape[0], k = logits.shape[1]
        precondition(targets.count == n, "\(targets.count) target sets for \(n) rows")
        probabilities.resize([n, k])
        dLogits.resize([n, k])
        guard n * k > 0 else { return 0 }
        let x = UnsafePointer(logits.data), p = probabilities.data, dx = dLogits.data
        Elementwise.sigmoid(x, p, count: n * k)
        let scale = 1 / Double(n * k)
        var total = 0.0
        for row in 0..<n {
            let base = row * k
            for j in 0..<k { dx[base + j] = 0 }   // marks the targets first: 1 at label ids
            for label in targets[row] {
                precondition(label >= 0 && label < k, "label \(label) outside 0..<\(k)")
                dx[base + label] = 1
            }
            for j in 0..<k {
                let xi = Double(x[base + j]), y = Double(dx[base + j])
                total += max(xi, 0) - xi * y + Foundation.log1p(Foundation.exp(-abs(xi)))
                dx[base + j] = Float((Double(p[base + j]) - y) * scale)
            }
        }
        return Float(total * scale)
    }
}
