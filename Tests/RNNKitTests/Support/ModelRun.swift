@testable import RNNKit

extension TextClassifier {
    /// The training forward on a workspace of its own: logits and the workspace (for `backward`).
    func trainingForward(_ batch: Batch, rng: inout RandomSource) -> (logits: Tensor, workspace: TrainingWorkspace) {
        let ws = makeWorkspace()
        return (forward(batch, workspace: ws, rng: &rng), ws)
    }

    /// Logits through an inference plan of the current weights (tables on unless said otherwise).
    func planLogits(_ batch: Batch, tables: Bool = true) -> Tensor {
        let plan = makeInferencePlan(tables: tables)
        return plan.logits(batch, workspace: plan.makeWorkspace())
    }
}
