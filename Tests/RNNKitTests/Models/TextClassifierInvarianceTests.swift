import XCTest
@testable import RNNKit

/// A sentence's result must not depend on its batch, and results not on the thread count.
final class TextClassifierInvarianceTests: XCTestCase {
    private static let sentence: [Int32] = [1, 2, 3, 1]
    private static let pad: Int32 = 6

    private func specs() -> [ModelSpec] {
        let base = ModelSpec(kind: .textrnn, cell: .lstm, vocabularySize: 7, embeddingDim: 3, hiddenSize: 4,
                             layers: 2, bidirectional: true, dropout: 0, pooling: .last,
                             rcnnVariant: .paper, rcnnProjectionSize: 5, classCount: 3, padId: 6)
        var attention = base; attention.cell = .gru; attention.pooling = .attention
        var mean = base; mean.cell = .rnnTanh; mean.bidirectional = false; mean.layers = 1; mean.pooling = .mean
        var paper = base; paper.kind = .textrcnn; paper.layers = 1
        var reference = paper; reference.rcnnVariant = .reference
        return [base, attention, mean, paper, reference]
    }

    /// The sentence alone, with 5 extra padded steps, and at index 1 of a batch of 4 with a longer one.
    private func batches() -> [(Batch, Int)] {
        let s = Self.sentence, len = s.count
        let alone = Batch(sequences: [s], labels: [2], padId: Self.pad)
        let padded = Batch(ids: s + [Int32](repeating: Self.pad, count: 5), lengths: [len], steps: len + 5,
                           labels: [2])
        let mixed = Batch(sequences: [[4, 5, 1, 2, 3, 1, 2, 5], s, [2], []], labels: [0, 2, 1, 1], padId: Self.pad)
        return [(alone, 0), (padded, 0), (mixed, 1)]
    }

    func testLogitsAndGradientsDoNotDependOnPaddingOrBatch() {
        for spec in specs() {
            var rng = RandomSource(seed: 7)
            let model = TextClassifier(spec: spec, rng: &rng)
            if let attention = model.attention {
                attention.weight.value.copy(from: LayerTestSupport.randomTensor([attention.featureSize], seed: 8))
            }
            var referenceLogits: [Float] = []
            var referenceGrads: [[Float]] = []
            let what = "\(spec.kind) \(spec.cell) \(spec.pooling) \(spec.rcnnVariant)"
            for (index, (batch, row)) in batches().enumerated() {
                let classes = spec.classCount
                let logits = Array(model.planLogits(batch).array[(row * classes)..<((row + 1) * classes)])
                // Gradients of the sentence's own loss only: dLogits is zero on the other rows.
                model.parameters.zeroGrads()
                let (trainLogits, cache) = model.trainingForward(batch, rng: &rng)
                XCTAssertEqual(Array(trainLogits.array[(row * classes)..<((row + 1) * classes)]), logits, what)
                let own = Tensor([1, classes], values: logits)
                let dOwn = SoftmaxCrossEntropy().forward(logits: own, labels: [2]).dLogits
                let dLogits = Tensor([batch.size, classes])
                for k in 0..<classes { dLogits[row * classes + k] = dOwn[k] }
                model.backward(dLogits, workspace: cache)
                let grads = model.parameters.map(\.grad.array)
                if index == 0 {
                    referenceLogits = logits
                    referenceGrads = grads
                    continue
                }
                XCTAssertEqual(logits, referenceLogits, "\(what): inference logits, batch \(index), bitwise")
                for (p, (got, want)) in zip(model.parameters, zip(grads, referenceGrads)) {
                    let worst = zip(got, want).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
                    XCTAssertLessThanOrEqual(worst, 1e-6, "\(what): \(p.name), batch \(index)")
                }
            }
        }
    }

    /// Shapes large enough that matmul takes its blocked (packed, threaded) path for the full
    /// batch and its direct path for the sentence alone: inference logits must still agree bitwise,
    /// which is what rnn-predict needs (a line predicted alone or in a batch gives the same logits).
    func testInferenceBitwiseAcrossMatmulPathsAtLargerShapes() {
        var rng = RandomSource(seed: 21)
        let sentence: [Int32] = (0..<5).map { _ in Int32(rng.nextIndex(below: 49)) }
        var others: [[Int32]] = []
        for _ in 0..<15 { others.append((0..<(1 + rng.nextIndex(below: 30))).map { _ in Int32(rng.nextIndex(below: 49)) }) }
        let alone = Batch(sequences: [sentence], labels: [0], padId: 49)
        let mixed = Batch(sequences: Array(others[0..<7]) + [sentence] + Array(others[7...]),
                          labels: [Int](repeating: 0, count: 16), padId: 49)
        for (kind, pooling, variant) in [(ModelKind.textrnn, PoolingKind.last, RCNNVariant.paper),
                                         (.textrnn, .attention, .paper), (.textrcnn, .max, .paper),
                                         (.textrcnn, .max, .reference)] {
            let spec = ModelSpec(kind: kind, cell: .lstm, vocabularySize: 50, embeddingDim: 32, hiddenSize: 32,
                                 layers: 2, bidirectional: true, pooling: pooling, rcnnVariant: variant,
                                 rcnnProjectionSize: 40, classCount: 5, padId: 49)
            var initRng = RandomSource(seed: 22)
            let model = TextClassifier(spec: spec, rng: &initRng)
            if let attention = model.attention {
                attention.weight.value.copy(from: LayerTestSupport.randomTensor([64], seed: 23))
            }
            let single = model.planLogits(alone).array
            let inBatch = Array(model.planLogits(mixed).array[(7 * 5)..<(8 * 5)])
            XCTAssertEqual(single, inBatch, "\(kind) \(pooling) \(variant): logits alone vs in a batch of 16")
        }
    }

    func testForwardBackwardBitwiseForOneAndTwoThreads() {
        defer { Parallel.threadCount = 0 }
        var sequences: [[Int32]] = []
        var rng = RandomSource(seed: 3)
        for _ in 0..<9 { sequences.append((0..<rng.nextIndex(below: 14)).map { _ in Int32(rng.nextIndex(below: 6)) }) }
        let batch = Batch(sequences: sequences, labels: (0..<9).map { $0 % 3 }, padId: 6)
        for var spec in specs() {
            spec.dropout = 0.3
            spec.hiddenSize = 8
            var results: [[[Float]]] = []
            for threads in [1, 2] {
                Parallel.threadCount = threads
                var initRng = RandomSource(seed: 11)
                let model = TextClassifier(spec: spec, rng: &initRng)
                var dropoutRng = RandomSource(seed: 12)
                let (logits, cache) = model.trainingForward(batch, rng: &dropoutRng)
                let (_, _, dLogits) = SoftmaxCrossEntropy(labelSmoothing: 0.1).forward(logits: logits, labels: batch.labels)
                model.backward(dLogits, workspace: cache)
                results.append([logits.array, model.planLogits(batch).array] + model.parameters.map(\.grad.array))
            }
            XCTAssertEqual(results[0], results[1], "\(spec.kind) \(spec.cell) \(spec.pooling): 1 vs 2 threads")
        }
    }
}
