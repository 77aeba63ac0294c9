import XCTest
@testable import RNNKit

/// The tagger end to end: finite differences through embedding, character bag, encoder, the
/// intent head and both tag losses; the plan against the training forward; CRF decoding's
/// validity. (The CRF's own brute-force and finite-difference checks: LinearChainCRFTests.)
///
/// Mutations tried, each made the named tests fail, then restored:
/// - character bag backward without the 1/n share (`share = 1`): testSoftmaxJointWithCharacters and
///   testCRFTagsOnlyElmanAndJordanWithCharacters, char_ngrams.weight rel err 0.92 and 0.85;
/// - the intent head's gradient not added into the encoder's (the `Elementwise.add` of
///   `gradient.encoded` dropped): both joint tests, embedding and encoder weights, rel err 0.02 to 0.49;
/// - dIntentLogits not scaled by intent_weight (0.7 here) in TaggerLoss: both joint tests, fc.weight
///   and fc.bias rel err 0.30.
final class TokenTaggerTests: XCTestCase {
    static let words = try! Vocabulary(tokens: ["<pad>", "<unk>", "from", "to", "boston", "dallas"])
    static let tags = ["O", "B-city", "I-city", "B-day"]
    static let sentences = [
        TaggedSentence(tokens: ["from", "boston", "to", "new", "york"], tags: ["O", "B-city", "O", "B-city", "I-city"], intent: "flight", line: 1),
        TaggedSentence(tokens: ["dallas"], tags: ["B-city"], intent: "city", line: 8),
        TaggedSentence(tokens: ["to", "dallas", "monday"], tags: ["O", "B-city", "B-day"], intent: "fare", line: 11),
    ]

    static func vocabulary(joint: Bool, buckets: Int) -> TaggerVocabulary {
        TaggerVocabulary(words: words, tags: tags, intents: joint ? ["city", "fare", "flight"] : [], lowercase: true, ngramBuckets: buckets)
    }

    static func model(cell: CellKind, bidirectional: Bool = true, joint: Bool, crf: Bool, buckets: Int, dropout: Float,
                      pooling: PoolingKind = .mean, seed: UInt64) -> TokenTagger {
        let base = ModelSpec(kind: .tagger, cell: cell, vocabularySize: words.count, embeddingDim: 3, hiddenSize: 3, layers: 1,
                             bidirectional: bidirectional, dropout: dropout, pooling: pooling, classCount: tags.count, padId: 0)
        var rng = RandomSource(seed: seed)
        return TokenTagger(spec: TaggerSpec(base: base, intentCount: joint ? 3 : 0, crf: crf, charBuckets: buckets, charDim: 2), rng: &rng)
    }

    private func checkGradients(_ model: TokenTagger, joint: Bool, buckets: Int, file: StaticString = #filePath, line: UInt = #line) {
        let data = TaggedDataset(sentences: Self.sentences, vocabulary: Self.vocabulary(joint: joint, buckets: buckets))
        let batch = data.batch([0, 1, 2], padId: 0)
        let loss = TaggerLoss(intentWeight: 0.7), ws = model.makeWorkspace()
        let dropoutSeed = RandomSource(seed: 99)
        func value() -> Double {
            var r = dropoutSeed
            let (e, i) = model.forward(batch, workspace: ws, rng: &r)
            return Double(loss.evaluate(emissions: e, intentLogits: i, batch: batch, crf: model.crf, gradient: false).loss)
        }
        model.parameters.zeroGrads()
        var r = dropoutSeed
        let (e, i) = model.forward(batch, workspace: ws, rng: &r)
        let result = loss.evaluate(emissions: e, intentLogits: i, batch: batch, crf: model.crf, gradient: true)
        model.backward(dEmissions: result.dEmissions!, dIntentLogits: result.dIntentLogits, workspace: ws)
        XCTAssertEqual(result.dIntentLogits != nil, joint, file: file, line: line)
        let check = GradientCheck(eps: 1e-2, tolerance: 2e-2, floor: 1e-2)
        for p in model.parameters {
            check.check(analytic: p.grad.array, values: p.value.data, count: p.value.count, p.name, file: file, line: line, loss: value)
        }
        XCTAssertEqual(Array(model.embedding.weight.grad.array[0..<3]), [0, 0, 0], "padding row", file: file, line: line)
    }

    func testSoftmaxJointWithCharacters() {
        checkGradients(Self.model(cell: .lstm, joint: true, crf: false, buckets: 7, dropout: 0.2, seed: 1), joint: true, buckets: 7)
    }

    func testCRFJoint() {
        checkGradients(Self.model(cell: .gru, bidirectional: false, joint: true, crf: true, buckets: 0, dropout: 0, pooling: .last, seed: 2),
                       joint: true, buckets: 0)
    }

    func testCRFTagsOnlyElmanAndJordanWithCharacters() {
        checkGradients(Self.model(cell: .rnnTanh, joint: false, crf: true, buckets: 5, dropout: 0.1, seed: 3), joint: false, buckets: 5)
        checkGradients(Self.model(cell: .jordan, joint: false, crf: false, buckets: 0, dropout: 0, seed: 4), joint: false, buckets: 0)
    }

    /// The plan's emissions and intent logits equal the training forward's bitwise (dropout 0),
    /// with and without per-token tables, with and without character features.
    func testPlanMatchesTrainingForwardBitwise() {
        for buckets in [0, 7] {
            let model = Self.model(cell: .lstm, joint: true, crf: true, buckets: buckets, dropout: 0, seed: 5)
            let data = TaggedDataset(sentences: Self.sentences, vocabulary: Self.vocabulary(joint: true, buckets: buckets))
            let batch = data.batch([2, 0, 1], padId: 0)
            var rng = RandomSource(seed: 1)
            let (e, i) = model.forward(batch, workspace: model.makeWorkspace(), rng: &rng)
            for tables in [false, true] {
                let plan = model.makeInferencePlan(tags: Self.tags, tables: tables)
                let (pe, pi) = plan.run(batch, workspace: plan.makeWorkspace())
                let lengths = batch.lengths, b = batch.size, k = Self.tags.count
                for s in 0..<batch.steps { for j in 0..<b where s < lengths[j] {
                    for c in 0..<k { XCTAssertEqual(pe[(s * b + j) * k + c], e[(s * b + j) * k + c], "buckets \(buckets) tables \(tables)") }
                } }
                XCTAssertEqual(pi!.array, i!.array, "buckets \(buckets) tables \(tables)")
            }
        }
    }

    /// Whatever the weights, CRF decoding writes valid IOB2: never `I-X` after `O` or after
    /// another type, never at the start. The transitions are pushed to favour exactly those steps.
    func testCRFDecodingNeverWritesInvalidIOB2() {
        let model = Self.model(cell: .lstm, joint: false, crf: true, buckets: 0, dropout: 0, seed: 6)
        let crf = model.crf!
        for from in 0..<4 { crf.transitions.value[from * 4 + 2] = 5 }   // into I-city from anything
        crf.startTransitions.value[2] = 5
        model.tagClassifier.bias.value[2] = 3
        let data = TaggedDataset(sentences: Self.sentences, vocabulary: Self.vocabulary(joint: false, buckets: 0))
        let plan = model.makeInferencePlan(tags: Self.tags)
        XCTAssertNotNil(plan.constraints)
        let predictions = plan.predict(data, padId: 0)
        var unconstrained = 0
        for (i, path) in predictions.tags.enumerated() {
            let names = path.map { Self.tags[Int($0)] }
            XCTAssertTrue(TagScheme.iob2.isValid(sequence: names), "\(names)")
            let (e, _) = plan.run(data.batch([i], padId: 0), workspace: plan.makeWorkspace())
            let free = crf.decode(emissions: e, lengths: [path.count], workspace: ViterbiWorkspace()).map { Self.tags[Int($0)] }
            if !TagScheme.iob2.isValid(sequence: free) { unconstrained += 1 }
        }
        XCTAssertGreaterThan(unconstrained, 0, "the weights must tempt an unconstrained decoder into invalid steps")
    }

    /// A warm training step of the tagger (forward, both losses, backward) allocates no tensor:
    /// the per-token head, the gathered softmax rows and the CRF run in their workspaces.
    func testWarmStepAllocatesNoTensor() {
        defer { Tensor.countingAllocations = false }
        for (crf, buckets) in [(false, 7), (true, 0)] {
            let model = Self.model(cell: .lstm, joint: true, crf: crf, buckets: buckets, dropout: 0.2, seed: 7)
            let data = TaggedDataset(sentences: Self.sentences, vocabulary: Self.vocabulary(joint: true, buckets: buckets))
            let batches = [data.batch([0, 1, 2], padId: 0), data.batch([2, 1], padId: 0), data.batch([1], padId: 0)]
            let ws = model.makeWorkspace(), loss = TaggerLoss(intentWeight: 1)
            var rng = RandomSource(seed: 8)
            func step(_ b: Batch) {
                model.parameters.zeroGrads()
                let (e, i) = model.forward(b, workspace: ws, rng: &rng)
                let r = loss.evaluate(emissions: e, intentLogits: i, batch: b, crf: model.crf, gradient: true)
                model.backward(dEmissions: r.dEmissions!, dIntentLogits: r.dIntentLogits, workspace: ws)
            }
            for b in batches { step(b) }
            Tensor.resetAllocationCount()
            Tensor.countingAllocations = true
            for b in batches + batches.reversed() { step(b) }
            XCTAssertEqual(Tensor.allocationCount, 0, "crf \(crf): tensors allocated after warm-up")
            // The counter works: a batch wider than any before grows the workspace.
            step(data.batch([0, 1, 2, 0, 1, 2], padId: 0))
            XCTAssertGreaterThan(Tensor.allocationCount, 0, "crf \(crf): a larger batch must grow some buffer")
            Tensor.countingAllocations = false
        }
    }
}
