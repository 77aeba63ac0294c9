/// `training.pretrained_anchor`: L2-SP (Li, Grandvalet & Davoine 2018). Fine-tuning adds
/// `strength / 2 · ‖w − w₀‖²` to the loss for every weight `model.init_from` loaded (the
/// embedding and the encoder), where `w₀` is the loaded value: plain weight decay pulls a
/// pretrained encoder towards zero, which forgets what pretraining learned; this pulls it
/// towards its pretrained start instead, so a small labelled set cannot drag it far.
///
/// Applied as the optimizer applies its weight decay. Coupled (adam, sgd): the penalty's
/// gradient, `strength · (w − w₀)`, is added after the task's backward and before clipping (it is
/// part of the loss the step minimises). Under Adam that pull is divided by each weight's own
/// gradient scale, so a weight the task barely moves (an embedding row of a rare token) is held
/// at w₀ at full step size. Decoupled (adamw), as AdamW decays towards 0: before the update
/// `w -= lr · strength · (w − w₀)`, the same relative pull on every weight. Both run element by
/// element in a fixed order: bitwise the same for any thread count. The reported loss is the
/// task's alone.
///
/// `w₀` is state, saved in checkpoints as `anchor.<parameter>` (an optimizer-state prefix), so a
/// resumed run pulls towards the same values without reading `model.init_from` again.
public final class PretrainedAnchor {
    public static let statePrefix = "anchor."
    public let strength: Float
    /// adamw: `pull` before the update; else `addGradient` before clipping.
    public let decoupled: Bool
    let parameters: [Parameter]
    let anchors: [Tensor]

    /// Anchors `parameters` at their current values.
    public init(strength: Float, decoupled: Bool = false, parameters: [Parameter]) {
        precondition(strength > 0, "anchor strength \(strength) must be positive")
        self.strength = strength
        self.decoupled = decoupled
        self.parameters = parameters
        anchors = parameters.map { Tensor(copying: $0.value) }
    }

    /// grad += strength · (w − w₀) for every trainable anchored parameter.
    public func addGradient() {
        let s = strength
        for (p, anchor) in zip(parameters, anchors) where !p.frozen {
            let w = p.value.data, g = p.grad.data, a = anchor.data
            for i in 0..<anchor.count { g[i] += s * (w[i] - a[i]) }
        }
    }

    /// w -= lr · strength · (w − w₀) for every trainable anchored parameter, at its own rate
    /// (`learningRateScale`, discriminative fine-tuning): the decoupled pull (adamw).
    public func pull(learningRate: Float) {
        for (p, anchor) in zip(parameters, anchors) where !p.frozen {
            let rate = learningRate * p.learningRateScale * strength
            let w = p.value.data, a = anchor.data
            for i in 0..<anchor.count { w[i] -= rate * (w[i] - a[i]) }
        }
    }

    /// The penalty `strength / 2 · Σ (w − w₀)²` (in Double): what `addGradient` differentiates (tests).
    public func penalty() -> Double {
        var sum = 0.0
        for (p, anchor) in zip(parameters, anchors) {
            for i in 0..<anchor.count {
                let d = Double(p.value.data[i] - anchor.data[i])
                sum += d * d
            }
        }
        return Double(strength) / 2 * sum
    }

    /// `w₀` as checkpoint tensors (`anchor.<name>`, flat).
    public func stateTensors() -> [(name: String, values: [Float])] {
        zip(parameters, anchors).map { (name: Self.statePrefix + $0.name, values: $1.array) }
    }

    /// Restores `w₀` from a checkpoint's state tensors; every anchored parameter must be there.
    public func loadState(_ state: [String: [Float]]) throws {
        for (p, anchor) in zip(parameters, anchors) {
            let name = Self.statePrefix + p.name
            guard let values = state[name] else {
                throw RNNError.input("training.pretrained_anchor: the checkpoint has no \(name) (it was written by a run "
                                     + "without the anchor, which cannot be resumed with one)")
            }
            guard values.count == anchor.count else {
                throw RNNError.input("the checkpoint's \(name) has \(values.count) values, expected \(anchor.count)")
            }
            values.withUnsafeBufferPointer { anchor.data.update(from: $0.baseAddress!, count: anchor.count) }
        }
    }
}
