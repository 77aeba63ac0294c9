import XCTest
@testable import RNNKit

/// A training step runs in the buffers of its `TrainingWorkspace`: once the largest batch shape
/// has been seen, forward, loss, backward, clipping and the optimizer step allocate no tensor.
/// (Checked: a head that allocates its features per batch, `Tensor([B, F])` in forward, fails
/// this test with one allocation per step.)
final class WorkspaceAllocationTests: XCTestCase {
    private func specs() -> [ModelSpec] {
        let base = ModelSpec(kind: .textrnn, cell: .lstm, vocabularySize: 30, embeddingDim: 6, hiddenSize: 5,
                             layers: 2, bidirectional: true, dropout: 0.3, pooling: .max,
                             rcnnVariant: .paper, rcnnProjectionSize: 7, classCount: 3, padId: 0)
        var gru = base; gru.cell = .gru; gru.pooling = .attention
        var jordan = base; jordan.cell = .jordan; jordan.pooling = .last; jordan.layers = 1
        var elman = base; elman.cell = .rnnRelu; elman.bidirectional = false; elman.pooling = .mean
        var memory = base; memory.pooling = .memory; memory.memoryHops = 2
        var paper = base; paper.kind = .textrcnn; paper.layers = 1
        var reference = paper; reference.rcnnVariant = .reference
        return [base, gru, jordan, elman, memory, paper, reference]
    }

    private func batch(_ count: Int, maxLength: Int, seed: UInt64) -> Batch {
        var rng = RandomSource(seed: seed)
        let sequences = (0..<count).map { _ in
            (0..<(1 + rng.nextIndex(below: maxLength))).map { _ in Int32(1 + rng.nextIndex(below: 29)) }
        }
        return Batch(sequences: sequences, labels: (0..<count).map { $0 % 3 }, padId: 0)
    }

    func testWarmStepAllocatesNoTensor() {
        defer { Tensor.countingAllocations = false }
        let largest = batch(9, maxLength: 12, seed: 1)
        let smaller = [batch(9, maxLength: 12, seed: 2), batch(4, maxLength: 5, seed: 3), batch(7, maxLength: 12, seed: 4)]
        for spec in specs() {
            let what = "\(spec.kind) \(spec.cell) \(spec.pooling) \(spec.rcnnVariant)"
            var rng = RandomSource(seed: 5)
            let model = TextClassifier(spec: spec, rng: &rng)
            let workspace = model.makeWorkspace(), lossWorkspace = SoftmaxCrossEntropy.Workspace()
            let optimizer = Adam(), loss = SoftmaxCrossEntropy()
            func step(_ b: Batch) {
                model.parameters.zeroGrads()
                let logits = model.forward(b, workspace: workspace, rng: &rng)
                _ = loss.forward(logits: logits, labels: b.labels, workspace: lossWorkspace)
                model.backward(lossWorkspace.dLogits, workspace: workspace)
                clipGradientNorm(model.parameters, maxNorm: 1)
                optimizer.step(model.parameters, learningRate: 0.01)
            }
            // Warm-up: every shape once (a smaller batch may still hold more distinct tokens).
            for b in [largest] + smaller { step(b) }
            Tensor.resetAllocationCount()
            Tensor.countingAllocations = true
            for b in smaller + [largest] + smaller { step(b) }
            XCTAssertEqual(Tensor.allocationCount, 0, "\(what): tensors allocated after warm-up")
            // The counter works: a longer batch than any before grows the workspace.
            step(batch(9, maxLength: 30, seed: 6))
            XCTAssertGreaterThan(Tensor.allocationCount, 0, "\(what): a larger batch must grow some buffer")
            Tensor.countingAllocations = false
        }
    }
}
