import XCTest
@testable import RNNKit

/// The hashed n-gram bag inside a model: `fasttext` (the bag alone) and wide and deep (the bag
/// joined to a recurrent head's features), and the `max_mean` pooling.
final class NGramBagModelTests: XCTestCase {
    private static let tokens = ["<pad>", "<unk>", "the", "cat", "sat", "on", "mat"]
    private static let batch = Batch(sequences: [[2, 3, 4, 5, 2, 6], [3, 1], [], [4, 4, 1]], labels: [0, 2, 1, 1], padId: 0)

    private func spec(_ kind: ModelKind, pooling: PoolingKind = .last, dropout: Float = 0, bagDropout: Float = 0,
                      characterNgrams: ClosedRange<Int>? = 2...3, combine: WideCombine = .features) -> ModelSpec {
        ModelSpec(kind: kind, cell: .lstm, vocabularySize: 7, embeddingDim: 3, hiddenSize: 3, layers: 1, bidirectional: true,
                  dropout: dropout, pooling: pooling, rcnnProjectionSize: 4, classCount: 3, padId: 0,
                  ngrams: NGramSpec(buckets: 11, dimension: 4, wordNgrams: 3, characterNgrams: characterNgrams, dropout: bagDropout),
                  wideCombine: combine)
    }

    /// Mean cross-entropy of logits `[B, K]` in Double (the finite differences' loss).
    private func crossEntropy(_ logits: Tensor, _ labels: [Int]) -> Double {
        let k = logits.shape[1]
        var total = 0.0
        for row in 0..<labels.count {
            let z = (0..<k).map { Double(logits[row * k + $0]) }, top = z.max()!
            total += top + log(z.map { exp($0 - top) }.reduce(0, +)) - z[labels[row]]
        }
        return total / Double(labels.count)
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
    /// embedding and every encoder weight fail, rel err 0.02 to 0.34). Experts: the loss is the
    /// sum of both experts' cross-entropies; dropping the bag expert's backward (bag_fc and
    /// bag.weight keep no gradient) fails on bag_fc.weight, bag_fc.bias and bag.weight.
    private func checkModel(_ spec: ModelSpec, seed: UInt64, eps: Float = 1e-2, file: StaticString = #filePath, line: UInt = #line) {
        let model = model(spec, seed: seed)
        let batch = Self.batch, dropoutSeed = RandomSource(seed: seed + 2), experts = model.bagClassifier != nil
        func loss() -> Double {
            var r = dropoutSeed
            let (logits, ws) = model.trainingForward(batch, rng: &r)
            return crossEntropy(logits, batch.labels) + (experts ? crossEntropy(ws.bagLogits, batch.labels) : 0)
        }
        model.parameters.zeroGrads()
        var r = dropoutSeed
        let (logits, ws) = model.trainingForward(batch, rng: &r)
        let dBag = experts ? SoftmaxCrossEntropy().forward(logits: ws.bagLogits, labels: batch.labels).dLogits : nil
        model.backward(SoftmaxCrossEntropy().forward(logits: logits, labels: batch.labels).dLogits, dBagLogits: dBag, workspace: ws)
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

    /// Experts: the bag has its own classifier (bag_fc, after fc), fc reads the head's features
    /// alone, and each expert's gradient reaches its own part.
    func testExpertsGradientsAndParameters() {
        checkModel(spec(.textrnn, pooling: .maxMean, dropout: 0.2, bagDropout: 0.3, combine: .experts), seed: 60, eps: 1e-3)
        checkModel(spec(.textrcnn, dropout: 0.2, characterNgrams: nil, combine: .experts), seed: 61, eps: 1e-3)
        let m = model(spec(.textrnn, pooling: .max, combine: .experts), seed: 62)
        XCTAssertEqual(Array(m.parameters.map(\.name).suffix(4)), ["fc.weight", "fc.bias", "bag_fc.weight", "bag_fc.bias"])
        XCTAssertEqual(m.classifier.weight.value.shape, [3, 2 * 3], "fc reads the pooled features only")
        XCTAssertEqual(m.bagClassifier?.weight.value.shape, [3, 4])
        XCTAssertNil(model(spec(.textrnn, pooling: .max), seed: 62).bagClassifier, "features: one classifier")
    }

    /// log_softmax(a) + log_softmax(b): its softmax is the normalised product of the experts'
    /// probabilities; a uniform expert leaves the other's probabilities as they are.
    func testProductOfExpertsIsTheNormalisedProduct() {
        let a = Tensor([2, 3], values: [1, -2, 0.5, 30, 29, -40]), b = Tensor([2, 3], values: [0, 3, -1, -5, 2, 2])
        let out = ProductOfExperts.combine(a, b, into: Tensor([0]))
        for row in 0..<2 {
            func probabilities(_ t: Tensor) -> [Double] {
                let z = (0..<3).map { Double(t[row * 3 + $0]) }, top = z.max()!
                let e = z.map { exp($0 - top) }, s = e.reduce(0, +)
                return e.map { $0 / s }
            }
            let pa = probabilities(a), pb = probabilities(b), po = probabilities(out)
            let product = zip(pa, pb).map { $0 * $1 }, total = product.reduce(0, +)
            for c in 0..<3 { XCTAssertEqual(po[c], product[c] / total, accuracy: 1e-6, "row \(row) class \(c)") }
        }
        let uniform = ProductOfExperts.combine(a, Tensor([2, 3], values: [7, 7, 7, 7, 7, 7]), into: Tensor([0]))
        let alone = ProductOfExperts.combine(a, Tensor([2, 3], values: [0, 0, 0, 0, 0, 0]), into: Tensor([0]))
        XCTAssertEqual(uniform.array, alone.array)
        XCTAssertEqual(uniform.array[0..<3].firstIndex(of: uniform.array[0..<3].max()!), 0, "a decides when b is uniform")
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
        for s in [spec(.fasttext), spec(.textrnn, pooling: .maxMean), spec(.textrcnn), spec(.textrnn, pooling: .max, combine: .experts)] {
            let m = model(s, seed: 40)
            var rng = RandomSource(seed: 41)
            let (logits, ws) = m.trainingForward(Self.batch, rng: &rng)
            // Experts predict with the sum of the two experts' log-probabilities.
            let training = (m.bagClassifier == nil ? logits : ProductOfExperts.combine(logits, ws.bagLogits, into: Tensor([0]))).array
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
            (#"{"kind": "textrnn", "wide_combine": "experts"}"#, "model.wide_combine"),
            (#"{"kind": "textrnn", "wide": true, "wide_combine": "logits"}"#, "model.wide_combine"),
        ]
        for (model, field) in cases {
            let json = #"{"data": {"train": "train.tsv"}, "model": \#(model)}"#
            XCTAssertThrowsError(try RunConfig.parse(json: json, path: "/tmp/c.json"), model) {
                XCTAssertEqual(($0 as? RNNError)?.field, field, model)
            }
        }
        let multiLabel = #"{"data": {"train": "train.txt", "format": "fasttext", "multi_label": true}, "model": {"kind": "textrnn", "wide": true, "wide_combine": "experts"}}"#
        XCTAssertThrowsError(try RunConfig.parse(json: multiLabel, path: "/tmp/c.json")) {
            XCTAssertEqual(($0 as? RNNError)?.field, "model.wide_combine")
            XCTAssertTrue(($0 as? RNNError)?.message.contains("sigmoid") ?? false, "\($0)")
        }
    }
}
