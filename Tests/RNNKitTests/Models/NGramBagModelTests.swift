import XCTest
@testable import RNNKit

/// The hashed n-gram bag inside a model: `fasttext` (the bag alone) and wide and deep (the bag
/// joined to a recurrent head's features), and the `max_mean` pooling.
final class NGramBagModelTests: XCTestCase {
    private static let tokens = ["<pad>", "<unk>", "the", "cat", "sat", "on", "mat"]
    private static let batch = Batch(sequences: [[2, 3, 4, 5, 2, 6], [3, 1], [], [4, 4, 1]], labels: [0, 2, 1, 1], padId: 0)

    private func spec(_ kind: ModelKind, pooling: PoolingKind = .last, dropout: Float = 0, bagDropout: Float = 0,
                      characterNgrams: ClosedRange<Int>? = 2...3) -> ModelSpec {
        ModelSpec(kind: kind, cell: .lstm, vocabularySize: 7, embeddingDim: 3, hiddenSize: 3, layers: 1, bidirectional: true,
                  dropout: dropout, pooling: pooling, rcnnProjectionSize: 4, classCount: 3, padId: 0,
                  ngrams: NGramSpec(buckets: 11, dimension: 4, wordNgrams: 3, characterNgrams: characterNgrams, dropout: bagDropout))
    }

    private func model(_ spec: ModelSpec, seed: UInt64) -> TextClassifier {
        var rng = RandomSource(seed: seed)
        let model = TextClassifier(spec: spec, tokens: Self.tokens, rng: &rng)
        // fastText's init is uniform(-1/dim, 1/dim); larger values exercise more of backward.
        if let table = model.bag?.table.weight { table.copy(from: LayerTestSupport.randomTensor(table.shape, seed: seed + 1)) }
        return model
    }

    /// The sparse gradient scattered into a dense table.
    private func dense(_ g: RowSparseGradient) -> [Float] {
        var out = [Float](repeating: 0, count: g.tableRows * g.dimension)
        for (slot, row) in g.rows.enumerated() {
            for k in 0..<g.dimension { out[Int(row) * g.dimension + k] = g.values(ofSlot: slot)[k] }
        }
        return out
    }

    /// Finite differences of the mean cross-entropy over every parameter and every table entry, in
    /// training mode with both dropouts on (the generator copied so each pass draws the same masks).
    /// Mutations tried, each failed this check: dropping the bag's dropout backward (fasttext and
    /// both wide models fail on bag.weight, rel err 0.045 to 0.12), the split of the joined
    /// gradient reading the bag's part from offset 0 (max_mean + bag fails on the embedding and
    /// encoder, rel err 0.05 to 0.53), and max_mean dropping the mean's share of dEncoded (the
    /// embedding and every encoder weight fail, rel err 0.02 to 0.34).
    private func checkModel(_ spec: ModelSpec, seed: UInt64, eps: Float = 1e-2, file: StaticString = #filePath, line: UInt = #line) {
        let model = model(spec, seed: seed)
        let batch = Self.batch, dropoutSeed = RandomSource(seed: seed + 2)
        func loss() -> Double {
            var r = dropoutSeed
            let logits = model.trainingForward(batch, rng: &r).logits
            let k = logits.shape[1]
            var total = 0.0
            for row in 0..<batch.size {
                let z = (0..<k).map { Double(logits[row * k + $0]) }, top = z.max()!
                total += top + log(z.map { exp($0 - top) }.reduce(0, +)) - z[batch.labels[row]]
            }
            return total / Double(batch.size)
        }
        model.parameters.zeroGrads()
        var r = dropoutSeed
        let (logits, ws) = model.trainingForward(batch, rng: &r)
        model.backward(SoftmaxCrossEntropy().forward(logits: logits, labels: batch.labels).dLogits, workspace: ws)
        var check = GradientCheck()
        check.eps = eps
        for p in model.parameters {
            check.check(analytic: p.grad.array, values: p.value.data, count: p.value.count, "\(spec.kind) \(p.name)",
                        file: file, line: line, loss: loss)
        }
        if let bag = model.bag {
            check.check(analytic: dense(bag.table.gradient), values: bag.table.weight.data, count: bag.table.weight.count,
                        "\(spec.kind) bag.weight", file: file, line: line, loss: loss)
        }
    }

    func testFastTextGradients() {
        checkModel(spec(.fasttext, bagDropout: 0.3), seed: 1)
        let m = model(spec(.fasttext), seed: 1)
        XCTAssertNil(m.embedding)
        XCTAssertEqual(m.parameters.map(\.name), ["fc.weight", "fc.bias"])
        XCTAssertEqual(m.sparseTables.map(\.name), ["bag.weight"])
        XCTAssertEqual(m.bag?.table.rowCount, 7 + 11)
    }

    func testWideAndDeepGradients() {
        checkModel(spec(.textrnn, pooling: .mean, dropout: 0.2, bagDropout: 0.3), seed: 10)
        checkModel(spec(.textrcnn, dropout: 0.2, bagDropout: 0.1, characterNgrams: nil), seed: 20, eps: 1e-3)
    }

    func testMaxMeanPoolingGradientsAndWidth() {
        var s = spec(.textrnn, pooling: .maxMean, dropout: 0.2)
        s.ngrams = nil
        checkModel(s, seed: 30, eps: 1e-3)
        let m = model(s, seed: 30)
        XCTAssertEqual(m.head?.featureSize, 2 * 2 * 3, "max and mean of both directions")
        checkModel(spec(.textrnn, pooling: .maxMean, dropout: 0.2, bagDropout: 0.2), seed: 31, eps: 1e-3)
    }

    /// A text's bag rows: per token its word row (none for <unk>) and character n-grams, then the
    /// token n-grams; padding and the other texts of the batch change nothing.
    func testBagRowsFollowFastTextAndIgnorePadding() {
        let features = NGramFeatures(spec: NGramSpec(buckets: 11, dimension: 4, wordNgrams: 2, characterNgrams: nil),
                                     tokens: Self.tokens, unknownId: 1)
        var bags = RaggedRows(), hashes: [UInt32] = []
        features.bags(of: Batch(sequences: [[3, 1]], padId: 0), into: &bags, hashes: &hashes)
        let hasher = NGramHasher(vocabularySize: 7, buckets: 11, tokenNgrams: 2)
        var expected: [Int32] = [], scratch: [UInt32] = []
        hasher.appendFeatures(tokens: ["cat", "<unk>"], ids: [3, -1], to: &expected, scratch: &scratch)
        XCTAssertEqual(bags.ids, expected)
        XCTAssertEqual(bags.ids.count, 2, "cat's row and the bigram's; <unk> has no row")
        var padded = RaggedRows()
        features.bags(of: Batch(sequences: [[2, 3, 4, 5, 6], [3, 1]], padId: 0), into: &padded, hashes: &hashes)
        XCTAssertEqual(Array(padded.ids[padded.offsets[1]..<padded.offsets[2]]), expected)
    }

    /// The plan's logits are the training forward's without dropout, bitwise, for each sentence
    /// whatever its batch; a plan does not see later table changes.
    func testPlanEqualsTrainingForwardAndIsPaddingInvariant() {
        for s in [spec(.fasttext), spec(.textrnn, pooling: .maxMean), spec(.textrcnn)] {
            let m = model(s, seed: 40)
            var rng = RandomSource(seed: 41)
            let training = m.trainingForward(Self.batch, rng: &rng).logits.array
            let plan = m.makeInferencePlan()
            XCTAssertEqual(plan.logits(Self.batch, workspace: plan.makeWorkspace()).array, training, "\(s.kind)")
            let alone = Batch(sequences: [[3, 1]], padId: 0)
            XCTAssertEqual(plan.logits(alone, workspace: plan.makeWorkspace()).array, Array(training[3..<6]), "\(s.kind) alone")
            let longer = Batch(ids: [3, 1, 0, 0, 0], lengths: [2], steps: 5)
            XCTAssertEqual(plan.logits(longer, workspace: plan.makeWorkspace()).array, Array(training[3..<6]), "\(s.kind) padded")
            m.bag!.table.weight.fill(0)
            XCTAssertEqual(plan.logits(Self.batch, workspace: plan.makeWorkspace()).array, training, "\(s.kind) plan immutable")
        }
    }

    /// One optimizer step changes only the table rows the batch touched, with Adam and with SGD.
    func testStepUpdatesOnlyTouchedRows() {
        for optimizer in [TrainingConfig.Optimizer.adam, .sgd] {
            let m = model(spec(.textrnn, pooling: .max), seed: 50)
            var training = TrainingConfig()
            training.optimizer = optimizer
            let sparse = SparseTableOptimizer(training: training, tables: m.sparseTables)
            let before = m.bag!.table.weight.array
            var rng = RandomSource(seed: 51)
            let (logits, ws) = m.trainingForward(Self.batch, rng: &rng)
            m.backward(SoftmaxCrossEntropy().forward(logits: logits, labels: Self.batch.labels).dLogits, workspace: ws)
            sparse.step(learningRate: 0.1)
            let touched = Set(m.bag!.table.gradient.rows.map(Int.init)), after = m.bag!.table.weight.array, d = 4
            XCTAssertFalse(touched.isEmpty)
            for row in 0..<m.bag!.table.rowCount {
                let same = Array(before[(row * d)..<((row + 1) * d)]) == Array(after[(row * d)..<((row + 1) * d)])
                XCTAssertEqual(same, !touched.contains(row), "\(optimizer) row \(row)")
            }
        }
    }

    /// Config errors name the field: inverted character range, zero buckets, a half-open range.
    func testBadNGramConfigsAreLocated() throws {
        let cases: [(String, String)] = [
            (#"{"kind": "fasttext", "ngrams": {"minn": 4, "maxn": 2}}"#, "model.ngrams.minn"),
            (#"{"kind": "fasttext", "ngrams": {"buckets": 0}}"#, "model.ngrams.buckets"),
            (#"{"kind": "textrnn", "wide": true, "ngrams": {"maxn": 3}}"#, "model.ngrams.minn"),
            (#"{"kind": "fasttext", "wide": true}"#, "model.wide"),
        ]
        for (model, field) in cases {
            let json = #"{"data": {"train": "train.tsv"}, "model": \#(model)}"#
            XCTAssertThrowsError(try RunConfig.parse(json: json, path: "/tmp/c.json"), model) {
                XCTAssertEqual(($0 as? RNNError)?.field, field, model)
            }
        }
    }
}
