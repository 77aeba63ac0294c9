import Foundation

/// Adversarial training on the embeddings (Miyato et al. 2017, the fast gradient method): after
/// a batch's backward, the embedding rows the model read are moved by
/// `r = ε g / ‖g‖₂` (g: the loss gradient of those rows, ‖·‖ over the whole batch), and a second
/// forward and backward on the moved rows adds the gradient of that worse loss to the step. The
/// perturbation is a constant of the second pass (no gradient flows through r).
///
/// The second forward replays the first one's draws (a copy of the generator from before the
/// first forward): the same tokens dropped, the same masks, so r moves exactly the rows whose
/// gradient it was computed from, and training's generator advances as for one pass. The step
/// has no state of its own: the checkpoint's generator state covers it.
public struct AdversarialTraining {
    /// Norm of the perturbation of the batch's rows; 0 = off.
    public let epsilon: Float

    public init(epsilon: Float) {
        precondition(epsilon >= 0, "adversarial epsilon \(epsilon) < 0")
        self.epsilon = epsilon
    }

    /// r = ε g / ‖g‖ into `perturbation` (resized to g's shape); false (nothing written) when
    /// g is zero or not finite: there is no direction to move along.
    public func perturbation(along gradient: Tensor, into perturbation: Tensor) -> Bool {
        let g = gradient.data, n = gradient.count
        var sum = 0.0
        for i in 0..<n { sum += Double(g[i]) * Double(g[i]) }
        let norm = sum.squareRoot()
        guard norm > 0 && norm.isFinite else { return false }
        let scale = Float(Double(epsilon) / norm)
        perturbation.resize(gradient.shape)
        let r = perturbation.data
        for i in 0..<n { r[i] = g[i] * scale }
        return true
    }
}
