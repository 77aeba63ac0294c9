import XCTest
@testable import RNNKit

/// The distinct-token path of the embedding and the encoder's first layer (`TokenRows`): the
/// same forward values bitwise as the per-position path, and the same gradients up to the
/// order in which shared tokens' terms are summed.
/// (Checked: skipping the per-token sum of dGates in the encoder fails the encoder test here and
/// the TextRCNN golden test.)
final class TokenRowsTests: XCTestCase {
    /// Two sequences, lengths 4 and 2, T = 4: token 7 repeats, token 3 appears in both, pad id 0.
    private let batch = Batch(sequences: [[7, 3, 7, 5], [3, 7]], labels: [0, 1], padId: 0)

    func testDistinctIdsInFirstOccurrenceOrderAndSlotsPerPosition() {
        let tokens = TokenRows(batch, vocabularySize: 8)
        // Time-major positions: (t0: 7, 3) (t1: 3, 7) (t2: 7, pad) (t3: 5, pad).
        XCTAssertEqual(tokens.ids, [7, 3, 5])
        XCTAssertEqual(tokens.slots, [0, 1, 1, 0, 0, -1, 2, -1])
        XCTAssertEqual(tokens.count, 3)
    }

    /// The per-position tensor the slots describe: x[p] = rows[slots[p]], zero at padded positions.
    private func dense(_ rows: Tensor, _ tokens: TokenRows, width: Int) -> Tensor {
        let x = Tensor([tokens.slots.count, width])
        for (p, slot) in tokens.slots.enumerated() where slot >= 0 {
            (x.data + p * width).update(from: rows.data + Int(slot) * width, count: width)
        }
        return x
    }

    func testAccumulateSumsPositionsPerToken() {
        let tokens = TokenRows(batch, vocabularySize: 8)
        var sums = [Float](repeating: 0, count: 6)
        let positions: [Float] = (0..<16).map(Float.init)
        positions.withUnsafeBufferPointer { p in sums.withUnsafeMutableBufferPointer { tokens.accumulate(p.baseAddress!, width: 2, into: $0.baseAddress!) } }
        // Token 7 at positions 0, 3, 4; token 3 at 1, 2; token 5 at 6; padded 5 and 7 are skipped.
        let expected: [Float] = [14, 17, 6, 8, 12, 13]   // (0+6+8, 1+7+9), (2+4, 3+5), (12, 13)
        XCTAssertEqual(sums, expected)
    }

    func testEmbeddingRowGradientSkipsPaddingRowAndFrozenTable() {
        var rng = RandomSource(seed: 1)
        let embedding = Embedding(vocabularySize: 8, dimension: 2, padIndex: 3, rng: &rng)
        let tokens = TokenRows(batch, vocabularySize: 8)
        let rows = embedding.forward(tokens, into: Tensor([0]))
        XCTAssertEqual(rows.array, [7, 3, 5].flatMap { Array(embedding.weight.value.array[2 * $0..<2 * $0 + 2]) })
        embedding.backward(rowGradient: Tensor([3, 2], values: [1, 2, 3, 4, 5, 6]), tokens: tokens)
        var expected = [Float](repeating: 0, count: 16)
        expected[14] = 1; expected[15] = 2; expected[10] = 5; expected[11] = 6   // row 3 is the padding row
        XCTAssertEqual(embedding.weight.grad.array, expected)
        embedding.frozen = true
        embedding.backward(rowGradient: Tensor([3, 2], values: [1, 2, 3, 4, 5, 6]), tokens: tokens)
        XCTAssertEqual(embedding.weight.grad.array, expected)
    }

    /// A longer random batch with many repeated tokens, for every cell: forward bitwise equal to
    /// the dense path on the gathered input; parameter gradients and the per-token input gradient
    /// equal to the dense path's up to summation order.
    func testEncoderFromDistinctRowsMatchesDensePath() {
        for cell in CellKind.allCases {
            var rng = RandomSource(seed: 5)
            let vocabulary = 6, inputSize = 5, b = 7, t = 9
            let table = Tensor([vocabulary, inputSize], values: (0..<(vocabulary * inputSize)).map { _ in rng.uniform(-1, 1) })
            let lengths = [9, 3, 0, 7, 9, 1, 5]
            let sequences = lengths.map { n in (0..<n).map { _ in Int32(rng.nextIndex(below: vocabulary)) } }
            let batch = Batch(sequences: sequences, labels: Array(repeating: 0, count: b), padId: 0)
            let tokens = TokenRows(batch, vocabularySize: vocabulary)
            let rows = Tensor([tokens.count, inputSize])
            for (u, id) in tokens.ids.enumerated() {
                (rows.data + u * inputSize).update(from: table.data + Int(id) * inputSize, count: inputSize)
            }
            let dense = self.dense(rows, tokens, width: inputSize)
            dense.resize([t, b, inputSize])

            var initRng = RandomSource(seed: 9)
            let encoder = RecurrentEncoder(cell: cell, inputSize: inputSize, hiddenSize: 4, layers: 2, bidirectional: true,
                                           dropout: 0, name: "rnn", rng: &initRng)
            let dOut = Tensor([t, b, 8], values: (0..<(t * b * 8)).map { _ in rng.uniform(-1, 1) })
            let mask = batch.mask
            var r1 = RandomSource(seed: 2), r2 = RandomSource(seed: 2)

            encoder.parameters.zeroGrads()
            let a = encoder.run(dense, mask: mask, rng: &r1)
            let dDense = encoder.backward(dOut, dFinalHidden: nil, dFinalCell: nil, run: a)
            let denseGrads = encoder.parameters.map(\.grad.array)
            let denseRowGrad = Tensor([tokens.count, inputSize])
            tokens.accumulate(dDense.data, width: inputSize, into: denseRowGrad.data)

            encoder.parameters.zeroGrads()
            let c = encoder.run(.rows(rows, tokens), mask: mask, rng: &r2)
            XCTAssertEqual(c.output.array, a.output.array, "\(cell): output bitwise")
            XCTAssertEqual(c.finalHidden.array, a.finalHidden.array, "\(cell): final states bitwise")
            let dRows = encoder.backward(dOut, dFinalHidden: nil, dFinalCell: nil, run: c)
            XCTAssertEqual(dRows.shape, [tokens.count, inputSize])
            assertClose(dRows.array, denseRowGrad.array, "\(cell): row gradient")
            for (p, expected) in zip(encoder.parameters, denseGrads) {
                assertClose(p.grad.array, expected, "\(cell): \(p.name)")
            }
            XCTAssertGreaterThan(denseRowGrad.array.map(abs).max()!, 0.01, "the comparison is not between zeros")
        }
    }

    private func assertClose(_ actual: [Float], _ expected: [Float], _ what: String,
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.count, expected.count, what, file: file, line: line)
        for (x, y) in zip(actual, expected) where abs(x - y) > 1e-5 * max(1, abs(y)) {
            return XCTFail("\(what): \(x) vs \(y)", file: file, line: line)
        }
    }
}
