import XCTest
@testable import RNNKit

final class EmbeddingTests: XCTestCase {
    private func goldenEmbedding(_ golden: GoldenFile) -> Embedding {
        var rng = RandomSource(seed: 1)
        let shape = golden.shape("weight")
        let embedding = Embedding(vocabularySize: shape[0], dimension: shape[1], padIndex: 10, rng: &rng)
        embedding.weight.value.copy(from: Tensor(shape, values: golden.floats("weight")))
        return embedding
    }

    /// The per-position output the model's distinct rows describe (`TokenRows.gather`).
    private func perPosition(_ embedding: Embedding, _ batch: Batch) -> (output: Tensor, tokens: TokenRows, rows: Tensor) {
        let tokens = TokenRows(batch, vocabularySize: embedding.vocabularySize)
        let rows = embedding.forward(tokens, into: Tensor([0]))
        let output = Tensor([batch.steps, batch.size, embedding.dimension])
        tokens.gather(rows.data, width: embedding.dimension, into: output.data)
        return (output, tokens, rows)
    }

    func testMatchesPyTorchGolden() throws {
        let golden = try GoldenFile("embedding")
        let embedding = goldenEmbedding(golden)
        let batch = LayerTestSupport.batch(golden: golden, padId: 10)
        let (output, tokens, _) = perPosition(embedding, batch)
        assertGoldenClose(output.array, golden.timeMajor("output").map(Double.init), "output")
        let upstream = golden.timeMajor("upstream")
        assertGoldenClose([Float(weightedSum(output, upstream))], golden.doubles("loss"), "loss")
        let dRows = Tensor([tokens.count, 5])
        upstream.withUnsafeBufferPointer { tokens.accumulate($0.baseAddress!, width: 5, into: dRows.data) }
        embedding.backward(rowGradient: dRows, tokens: tokens)
        assertGoldenClose(embedding.weight.grad.array, golden.doubles("grad_weight"), "grad_weight")
        // Padding row and unused rows (4, 6) exactly zero; padded steps of the output too.
        assertExactlyZero(embedding.weight.grad.array, at: Array(50..<55) + Array(20..<25) + Array(30..<35), "grad rows")
        assertExactlyZero(output.array, at: LayerTestSupport.paddedIndices(lengths: batch.lengths, steps: 6, features: 5), "padded output")
    }

    func testPaddedPositionsReadNothingWhateverTheirId() {
        var rng = RandomSource(seed: 3)
        let embedding = Embedding(vocabularySize: 6, dimension: 3, padIndex: 5, rng: &rng)
        // Sequence 1 has length 1 but a non-pad id (2) at its padded step.
        let batch = Batch(ids: [0, 1, 2, 2], lengths: [2, 1], steps: 2)
        let (output, tokens, _) = perPosition(embedding, batch)
        XCTAssertEqual(Array(output.array[9..<12]), [0, 0, 0])
        XCTAssertEqual(tokens.ids, [0, 1, 2], "row 2 is read once (sequence 0, step 1)")
    }

    func testInitialisationAndFrozen() {
        var rng = RandomSource(seed: 11)
        let embedding = Embedding(vocabularySize: 400, dimension: 50, padIndex: 0, rng: &rng)
        let w = embedding.weight.value.array
        XCTAssertEqual(Array(w[0..<50]), [Float](repeating: 0, count: 50))
        let real = w[50...].map(Double.init)
        let mean = real.reduce(0, +) / Double(real.count)
        let variance = real.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(real.count)
        XCTAssertEqual(mean, 0, accuracy: 0.03)      // 19950 draws: std error of the mean ~0.007
        XCTAssertEqual(variance, 1, accuracy: 0.05)
        embedding.frozen = true
        XCTAssertTrue(embedding.weight.frozen)
        let tokens = TokenRows(Batch(sequences: [[1, 2, 3]], padId: 0), vocabularySize: 400)
        embedding.backward(rowGradient: Tensor([3, 50], repeating: 1), tokens: tokens)
        XCTAssertTrue(embedding.weight.grad.array.allSatisfy { $0 == 0 })
    }

    func testLoadPretrainedRows() throws {
        var rng = RandomSource(seed: 5)
        let embedding = Embedding(vocabularySize: 4, dimension: 2, padIndex: 3, rng: &rng)
        let before = embedding.weight.value.array
        try embedding.load(matrix: [0, 0, 0.5, -0.5, 0, 0, 9, 9], hasVector: [false, true, false, true])
        XCTAssertEqual(Array(embedding.weight.value.array[0..<2]), Array(before[0..<2]), "rows without a vector stay")
        XCTAssertEqual(Array(embedding.weight.value.array[2..<4]), [0.5, -0.5])
        XCTAssertEqual(Array(embedding.weight.value.array[6..<8]), [0, 0])   // padding row stays zero
        XCTAssertThrowsError(try embedding.load(matrix: [1, 2], hasVector: [true])) { XCTAssertEqual(($0 as? RNNError)?.kind, .input) }
    }

    /// Finite differences on the weight for loss = sum(output * r), with repeated ids.
    /// Checked against a broken backward (accumulating `=` instead of `+=`, so repeated
    /// ids keep only their last position): tried, rel error 1.67, far above 2e-2.
    func testGradientMatchesFiniteDifferences() {
        var rng = RandomSource(seed: 9)
        let embedding = Embedding(vocabularySize: 5, dimension: 3, padIndex: 4, rng: &rng)
        let batch = Batch(sequences: [[1, 3, 1, 0], [2, 1]], padId: 4)
        let r = LayerTestSupport.randomValues(4 * 2 * 3, seed: 10)
        let (_, tokens, _) = perPosition(embedding, batch)
        let dRows = Tensor([tokens.count, 3])
        r.withUnsafeBufferPointer { tokens.accumulate($0.baseAddress!, width: 3, into: dRows.data) }
        embedding.backward(rowGradient: dRows, tokens: tokens)
        GradientCheck().check(analytic: embedding.weight.grad.array, values: embedding.weight.value.data,
                              count: 15, "dW") { weightedSum(perPosition(embedding, batch).output, r) }
    }
}
