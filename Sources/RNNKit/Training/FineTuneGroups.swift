/// ULMFiT's layer groups of a classifier, top first: the head and `fc`, then each encoder layer
/// from the top down, then the embedding (Howard & Ruder 2018, section 3.2).
///
/// - Discriminative fine-tuning (`training.discriminative_lr` = f): group g trains at `lr / f^g`,
///   through `Parameter.learningRateScale`, which the optimizers multiply into the step's rate.
/// - Gradual unfreezing (`training.gradual_unfreezing`): in epoch e the groups 0..<e train and the
///   rest are frozen (no gradient, no update, no optimizer state until unfrozen; its moments then
///   start at zero). A frozen embedding (`embedding.freeze`) stays frozen.
///
/// Both are pure functions of the config and the epoch, so a resumed run sets them again the
/// same way: nothing of them is stored.
struct FineTuneGroups {
    let groups: [[Parameter]]

    init(_ model: TextClassifier) {
        var groups = [(model.head?.parameters ?? []) + model.classifier.parameters]
        if let encoder = model.encoder {
            for l in stride(from: encoder.layers - 1, through: 0, by: -1) {
                groups.append(encoder.parameters(ofLayer: l))
            }
        }
        if let embedding = model.embedding { groups.append(embedding.parameters) }
        self.groups = groups
    }

    func applyRates(factor: Double) {
        for (g, group) in groups.enumerated() {
            let scale = Float(1 / pow(factor, Double(g)))
            for p in group { p.learningRateScale = scale }
        }
    }

    /// Freezes every group from `epoch` on (1-based: epoch 1 trains group 0 only).
    func unfreeze(epoch: Int, embeddingFrozen: Bool) {
        for (g, group) in groups.enumerated() {
            let frozen = g >= epoch || (g == groups.count - 1 && embeddingFrozen)
            for p in group { p.frozen = frozen }
        }
    }
}

private func pow(_ x: Double, _ y: Double) -> Double {
    var r = 1.0
    for _ in 0..<Int(y) { r *= x }
    return r
}

extension RecurrentEncoder {
    /// The parameters of layer l, both directions, in parameter order.
    func parameters(ofLayer l: Int) -> [Parameter] {
        weights[l].flatMap { w in
            [w.inputWeight, w.recurrentWeight, w.inputBias, w.recurrentBias] + [w.outputWeight, w.outputBias].compactMap { $0 }
        }
    }
}
