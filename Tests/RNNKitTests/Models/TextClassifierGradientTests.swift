import XCTest
@testable import RNNKit

/// End-to-end finite differences: d(cross-entropy)/d(every parameter) for each model kind,
/// in training mode with dropout (the generator is copied so every pass draws the same masks).
///
/// The tolerance (GradientCheck defaults: eps 1e-2, rel 2e-2, floor 1e-2) was checked against
/// broken model backwards, each tried once: dropping the head's embedding gradient in textrcnn
/// (the `dEmbeddedHead` sum), shifting the paper's right context to step t (instead of t+1) in
/// backward only, and routing the last-state backward half to step len-1. Each made its model's
/// check fail on several parameters, with rel errors from 0.03 to 0.94 (embedding rows and the
/// encoder's reverse direction). Max-pooled models use eps 1e-3: with 1e-2 a perturbation can
/// move an argmax or cross the ReLU kink (one element each failed so; 1e-3 passes everywhere).
final class TextClassifierGradientTests: XCTestCase {
    private static let batch = Batch(sequences: [[1, 2, 3, 4, 1], [5, 1], [], [2, 3, 2]],
                                     labels: [0, 2, 1, 1], padId: 6)

    private func spec(_ kind: ModelKind, _ cell: CellKind, layers: Int = 1, bidirectional: Bool = true,
                      pooling: PoolingKind = .last, variant: RCNNVariant = .paper, dropout: Float = 0,
                      hops: Int = 3) -> ModelSpec {
        ModelSpec(kind: kind, cell: cell, vocabularySize: 7, embeddingDim: 3, hiddenSize: 3, layers: layers,
                  bidirectional: bidirectional, dropout: dropout, pooling: pooling, rcnnVariant: variant,
                  rcnnProjectionSize: 4, classCount: 3, padId: 6, memoryHops: hops)
    }

    private func checkModel(_ spec: ModelSpec, seed: UInt64, eps: Float = 1e-2, file: StaticString = #filePath, line: UInt = #line) {
        var rng = RandomSource(seed: seed)
        let model = TextClassifier(spec: spec, rng: &rng)
        if let attention = model.attention {   // zeros at init; random weights exercise more of backward
            attention.weight.value.copy(from: LayerTestSupport.randomTensor([attention.featureSize], seed: seed + 1))
        }
        let batch = Self.batch
        let dropoutSeed = RandomSource(seed: seed + 2)
        let lossFunction = SoftmaxCrossEntropy()
        func loss() -> Double {
            var r = dropoutSeed
            let logits = model.trainingForward(batch, rng: &r).logits
            return crossEntropyInDouble(logits, batch.labels)
        }
        model.parameters.zeroGrads()
        var r = dropoutSeed
        let (logits, cache) = model.trainingForward(batch, rng: &r)
        model.backward(lossFunction.forward(logits: logits, labels: batch.labels).dLogits, workspace: cache)
        var check = GradientCheck()
        check.eps = eps
        for p in model.parameters {
            check.check(analytic: p.grad.array, values: p.value.data, count: p.value.count,
                        "\(spec.kind) \(spec.cell) \(p.name)", file: file, line: line, loss: loss)
        }
        // Padding row: no gradient.
        assertExactlyZero(model.embedding!.weight.grad.array, at: Array(18..<21), "padding row", file: file, line: line)
    }

    /// Mean cross-entropy of Float logits, in Double: the loss of the numeric gradient.
    private func crossEntropyInDouble(_ logits: Tensor, _ labels: [Int]) -> Double {
        let n = logits.shape[0], k = logits.shape[1]
        var total = 0.0
        for row in 0..<n {
            let z = (0..<k).map { Double(logits[row * k + $0]) }
            let top = z.max()!
            total += top + log(z.map { exp($0 - top) }.reduce(0, +)) - z[labels[row]]
        }
        return total / Double(n)
    }

    func testTextRNNLSTMBidirectionalTwoLayersLastState() {
        checkModel(spec(.textrnn, .lstm, layers: 2, pooling: .last, dropout: 0.3), seed: 10)
    }

    func testTextRNNGRUAttention() {
        checkModel(spec(.textrnn, .gru, bidirectional: false, pooling: .attention, dropout: 0.2), seed: 20)
    }

    func testTextRNNElmanMeanAndJordanMax() {
        checkModel(spec(.textrnn, .rnnTanh, pooling: .mean), seed: 30)
        checkModel(spec(.textrnn, .jordan, bidirectional: false, pooling: .max), seed: 31, eps: 1e-3)
    }

    func testBiLSTMPreset() {
        let s = spec(.bilstm, .gru, bidirectional: false, pooling: .max, dropout: 0.25)
        var rng = RandomSource(seed: 40)
        let model = TextClassifier(spec: s, rng: &rng)
        XCTAssertEqual(model.spec.cell, .lstm)
        XCTAssertTrue(model.spec.bidirectional)
        XCTAssertEqual(model.parameters[1].name, "lstm.weight_ih_l0")
        XCTAssertEqual(model.parameters.map(\.name).filter { $0.hasSuffix("_reverse") }.count, 4)
        checkModel(s, seed: 41)
    }

    /// The memory network head, one hop and three (hops share A and C, so three hops exercise the
    /// query's gradient through later hops). Checked: dropping the score path of the query's
    /// gradient (`du += ds m`) fails the three-hop check on memory.query, memory.output.weight and
    /// the encoder's weights (rel errors 0.03 to 0.13).
    func testTextRNNMemoryNetworkHead() {
        checkModel(spec(.textrnn, .lstm, pooling: .memory, dropout: 0.2, hops: 1), seed: 60)
        checkModel(spec(.textrnn, .gru, layers: 2, pooling: .memory, dropout: 0.2, hops: 3), seed: 61)
        var rng = RandomSource(seed: 62)
        let names = TextClassifier(spec: spec(.textrnn, .gru, bidirectional: false, pooling: .memory), rng: &rng).parameters.map(\.name)
        XCTAssertEqual(Array(names.suffix(5)), ["memory.input.weight", "memory.output.weight", "memory.query", "fc.weight", "fc.bias"])
    }

    func testTextRCNNPaperAndReference() {
        checkModel(spec(.textrcnn, .lstm, variant: .paper, dropout: 0.3), seed: 50)
        checkModel(spec(.textrcnn, .gru, layers: 2, variant: .reference, dropout: 0.2), seed: 51, eps: 1e-3)
    }

    func testParameterNamesAndOrder() {
        var rng = RandomSource(seed: 1)
        let names = { (s: ModelSpec) in TextClassifier(spec: s, rng: &rng).parameters.map(\.name) }
        XCTAssertEqual(names(spec(.textrnn, .gru, bidirectional: false, pooling: .attention)),
                       ["embedding.weight", "gru.weight_ih_l0", "gru.weight_hh_l0", "gru.bias_ih_l0", "gru.bias_hh_l0",
                        "attention.w", "fc.weight", "fc.bias"])
        XCTAssertEqual(names(spec(.textrcnn, .rnnRelu, bidirectional: false, variant: .paper)).filter { !$0.hasPrefix("rnn.") },
                       ["embedding.weight", "proj.weight", "proj.bias", "fc.weight", "fc.bias"])
        XCTAssertEqual(names(spec(.textrnn, .rnnTanh))[1], "rnn.weight_ih_l0")
        let frozen = TextClassifier(spec: { var s = spec(.textrnn, .lstm); s.freezeEmbedding = true; return s }(), rng: &rng)
        XCTAssertTrue(frozen.embedding!.weight.frozen)
        var bad = spec(.textrnn, .lstm)
        bad.embeddingDim = 0
        XCTAssertThrowsError(try bad.validate()) { XCTAssertEqual(($0 as? RNNError)?.field, "embedding.dim") }
        XCTAssertNoThrow(try spec(.textrcnn, .lstm).validate())
    }
}
