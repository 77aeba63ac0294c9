@testable import RNNKit

/// One training forward of an encoder on a workspace of its own, so tests can call the encoder
/// like a function and run backward on the result.
struct EncoderRun {
    let output: Tensor
    let finalHidden: Tensor
    let finalCell: Tensor?
    let cache: RecurrentEncoder.Cache
    let workspace: RecurrentWorkspace

    /// The dropout mask that formed layer l's input (nil for layer 0 or without dropout).
    func dropoutMask(layer l: Int) -> Tensor? {
        let m = workspace.layers[l].dropoutMask
        return m.count > 0 ? m : nil
    }
}

extension RecurrentEncoder {
    func run(_ input: LayerInput, mask: SequenceMask, rng: inout RandomSource) -> EncoderRun {
        let ws = makeWorkspace()
        let r = forward(input, mask: mask, workspace: ws, rng: &rng)
        return EncoderRun(output: r.output, finalHidden: r.finalHidden, finalCell: r.finalCell, cache: r.cache, workspace: ws)
    }

    func run(_ x: Tensor, mask: SequenceMask, rng: inout RandomSource) -> EncoderRun {
        run(.dense(x), mask: mask, rng: &rng)
    }

    func backward(_ dOutput: Tensor, dFinalHidden: Tensor?, dFinalCell: Tensor?, run: EncoderRun) -> Tensor {
        backward(dOutput, dFinalHidden: dFinalHidden, dFinalCell: dFinalCell, cache: run.cache, workspace: run.workspace)
    }

    /// The inference plan's output and final states for a dense input.
    func planOutput(_ x: Tensor, mask: SequenceMask) -> (output: Tensor, finalHidden: Tensor) {
        let plan = makePlan()
        let ws = plan.makeWorkspace()
        let output = plan.run(.layer(.dense(x)), mask: mask, workspace: ws)
        return (output, ws.finalHidden)
    }
}
