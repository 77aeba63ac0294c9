import XCTest
@testable import RNNKit

/// Workspace buffers are not zero-filled when they are resized for a batch: every layer writes
/// every element before reading it. If one were read before being written, memory left behind
/// by earlier tensors, or by an earlier batch in the same workspace, would leak into the results:
/// here the heap is filled with NaN before a fresh workspace is made, and a reused workspace has
/// first run a longer batch; both must give the clean results bitwise.
/// (Checked: cells that skip padded rows instead of clearing their activations fail this test
/// for the Jordan cell, whose output matmul reads every row.)
final class UninitializedBuffersTests: XCTestCase {
    private func specs() -> [ModelSpec] {
        let base = ModelSpec(kind: .textrnn, cell: .lstm, vocabularySize: 40, embeddingDim: 24, hiddenSize: 16,
                             layers: 2, bidirectional: true, dropout: 0.3, pooling: .max,
                             rcnnVariant: .paper, rcnnProjectionSize: 12, classCount: 3, padId: 0)
        var gru = base; gru.cell = .gru; gru.pooling = .attention
        var memory = base; memory.cell = .gru; memory.pooling = .memory
        var jordan = base; jordan.cell = .jordan; jordan.pooling = .mean
        var elman = base; elman.cell = .rnnRelu; elman.bidirectional = false; elman.pooling = .last
        var paper = base; paper.kind = .textrcnn; paper.layers = 1
        var reference = paper; reference.rcnnVariant = .reference
        return [base, gru, memory, jordan, elman, paper, reference]
    }

    /// Allocates and frees NaN-filled blocks of many sizes, so the allocator hands that memory
    /// to the next tensors (freed memory is kept, as in the tools).
    private func poisonHeap() {
        var blocks: [Tensor] = []
        for shift in 4...20 {
            for extra in [0, 3, 17] {
                let t = Tensor(uninitialized: [(1 << shift) + extra])
                t.fill(.nan)
                blocks.append(t)
            }
        }
        blocks.removeAll()
    }

    func testResultsDoNotDependOnWhatFreedMemoryHeld() {
        var data = RandomSource(seed: 3)
        let sequences = (0..<13).map { _ in (0..<data.nextIndex(below: 11)).map { _ in Int32(1 + data.nextIndex(below: 39)) } }
        let batch = Batch(sequences: sequences, labels: (0..<13).map { $0 % 3 }, padId: 0)
        let longer = Batch(sequences: (0..<15).map { _ in (0..<(8 + data.nextIndex(below: 9))).map { _ in Int32(1 + data.nextIndex(below: 39)) } },
                           padId: 0)
        for spec in specs() {
            let what = "\(spec.kind) \(spec.cell) \(spec.pooling) \(spec.rcnnVariant)"
            var initRng = RandomSource(seed: 5)
            let model = TextClassifier(spec: spec, rng: &initRng)
            if let attention = model.attention {
                attention.weight.value.copy(from: LayerTestSupport.randomTensor([attention.featureSize], seed: 6))
            }
            func pass(_ workspace: TrainingWorkspace) -> [[UInt32]] {
                var rng = RandomSource(seed: 9)
                model.parameters.zeroGrads()
                let logits = model.forward(batch, workspace: workspace, rng: &rng)
                let dLogits = SoftmaxCrossEntropy().forward(logits: logits, labels: batch.labels).dLogits
                model.backward(dLogits, workspace: workspace)
                let inference = model.planLogits(batch)
                return [logits.array.map(\.bitPattern), inference.array.map(\.bitPattern)]
                    + model.parameters.map { $0.grad.array.map(\.bitPattern) }
            }
            let clean = pass(model.makeWorkspace())
            XCTAssertFalse(clean.joined().contains { Float(bitPattern: $0).isNaN }, "\(what): clean pass is finite")
            poisonHeap()
            let poisoned = pass(model.makeWorkspace())
            XCTAssertEqual(poisoned, clean, "\(what): results changed after the heap held NaN")
            let reused = model.makeWorkspace()
            var rng = RandomSource(seed: 4)
            _ = model.forward(longer, workspace: reused, rng: &rng)
            model.backward(Tensor([longer.size, spec.classCount], repeating: 0.5), workspace: reused)
            XCTAssertEqual(pass(reused), clean, "\(what): results changed in a workspace an earlier batch used")
        }
    }
}
