import XCTest
@testable import RNNKit

/// Forward and backward of `RecurrentEncoder` against PyTorch's LSTM/GRU/RNN (Golden/*.json).
final class RecurrentGoldenTests: XCTestCase {
    private func runGolden(_ fileName: String, cell: CellKind, layers: Int, bidirectional: Bool,
                           file: StaticString = #filePath, line: UInt = #line) throws {
        let g = try GoldenFile(fileName)
        let xShape = g.shape("x")   // [B, T, E]
        let batch = xShape[0], steps = xShape[1], inSize = xShape[2]
        let hidden = g.shape("weight_hh_l0")[1]
        var rng = RandomSource(seed: 1)
        let encoder = RecurrentEncoder(cell: cell, inputSize: inSize, hiddenSize: hidden, layers: layers,
                                       bidirectional: bidirectional, dropout: 0, name: "rnn", rng: &rng)
        // Load the weights by name (the files have no prefix); every parameter must be covered.
        for p in encoder.parameters {
            let key = String(p.name.dropFirst("rnn.".count))
            XCTAssertEqual(g.shape(key), p.shape, key, file: file, line: line)
            let values = g.floats(key)
            for i in 0..<values.count { p.value[i] = values[i] }
        }
        let lengths = g.ints("lengths")
        let mask = SequenceMask(lengths: lengths, steps: steps)
        let x = Tensor([steps, batch, inSize], values: g.timeMajor("x"))
        let run = encoder.run(x, mask: mask, rng: &rng)
        let (output, finalHidden, finalCell) = (run.output, run.finalHidden, run.finalCell)
        assertGoldenClose(output.array, timeMajorDoubles(g, "output"), "\(fileName) output", file: file, line: line)
        assertGoldenClose(finalHidden.array, g.doubles("h_n"), "\(fileName) h_n", file: file, line: line)
        if cell == .lstm {
            XCTAssertNotNil(finalCell, file: file, line: line)
            if let fc = finalCell { assertGoldenClose(fc.array, g.doubles("c_n"), "\(fileName) c_n", file: file, line: line) }
        } else {
            XCTAssertNil(finalCell, file: file, line: line)
        }
        // Padded steps: output exactly zero.
        let width = encoder.outputSize
        var paddedOut = [Int](), paddedIn = [Int]()
        for t in 0..<steps { for b in 0..<batch where t >= lengths[b] {
            paddedOut += Array((t * batch + b) * width..<(t * batch + b + 1) * width)
            paddedIn += Array((t * batch + b) * inSize..<(t * batch + b + 1) * inSize)
        } }
        XCTAssertFalse(paddedOut.isEmpty)
        assertExactlyZero(output.array, at: paddedOut, "\(fileName) padded output", file: file, line: line)

        // Inference gives the same numbers.
        let inf = encoder.planOutput(x, mask: mask)
        XCTAssertEqual(inf.output.array, output.array, "\(fileName) inference output", file: file, line: line)
        XCTAssertEqual(inf.finalHidden.array, finalHidden.array, "\(fileName) inference h_n", file: file, line: line)

        encoder.parameters.zeroGrads()
        let dOutput = Tensor(output.shape, values: g.timeMajor("upstream"))
        let dh = Tensor(finalHidden.shape, values: g.floats("upstream_h_n"))
        let dc = cell == .lstm ? Tensor(finalHidden.shape, values: g.floats("upstream_c_n")) : nil
        let dx = encoder.backward(dOutput, dFinalHidden: dh, dFinalCell: dc, run: run)
        XCTAssertEqual(dx.shape, [steps, batch, inSize], file: file, line: line)
        assertGoldenClose(dx.array, timeMajorDoubles(g, "grad_x"), "\(fileName) grad_x", file: file, line: line)
        assertExactlyZero(dx.array, at: paddedIn, "\(fileName) padded grad_x", file: file, line: line)
        for p in encoder.parameters {
            let key = "grad_" + String(p.name.dropFirst("rnn.".count))
            assertGoldenClose(p.grad.array, g.doubles(key), "\(fileName) \(key)", file: file, line: line)
        }
    }

    private func timeMajorDoubles(_ g: GoldenFile, _ key: String) -> [Double] {
        let s = g.shape(key), src = g.doubles(key)
        let b = s[0], t = s[1], f = s.dropFirst(2).reduce(1, *)
        var out = [Double](repeating: 0, count: src.count)
        for i in 0..<b { for j in 0..<t { for k in 0..<f { out[(j * b + i) * f + k] = src[(i * t + j) * f + k] } } }
        return out
    }

    func testLSTMUni1() throws { try runGolden("lstm_uni_1layer", cell: .lstm, layers: 1, bidirectional: false) }
    func testLSTMUni2() throws { try runGolden("lstm_uni_2layer", cell: .lstm, layers: 2, bidirectional: false) }
    func testLSTMBi1() throws { try runGolden("lstm_bi_1layer", cell: .lstm, layers: 1, bidirectional: true) }
    func testLSTMBi2() throws { try runGolden("lstm_bi_2layer", cell: .lstm, layers: 2, bidirectional: true) }
    func testGRUUni1() throws { try runGolden("gru_uni_1layer", cell: .gru, layers: 1, bidirectional: false) }
    func testGRUUni2() throws { try runGolden("gru_uni_2layer", cell: .gru, layers: 2, bidirectional: false) }
    func testGRUBi1() throws { try runGolden("gru_bi_1layer", cell: .gru, layers: 1, bidirectional: true) }
    func testGRUBi2() throws { try runGolden("gru_bi_2layer", cell: .gru, layers: 2, bidirectional: true) }
    func testRNNTanhUni1() throws { try runGolden("rnn_tanh_uni_1layer", cell: .rnnTanh, layers: 1, bidirectional: false) }
    func testRNNTanhUni2() throws { try runGolden("rnn_tanh_uni_2layer", cell: .rnnTanh, layers: 2, bidirectional: false) }
    func testRNNTanhBi1() throws { try runGolden("rnn_tanh_bi_1layer", cell: .rnnTanh, layers: 1, bidirectional: true) }
    func testRNNTanhBi2() throws { try runGolden("rnn_tanh_bi_2layer", cell: .rnnTanh, layers: 2, bidirectional: true) }
    func testRNNReluUni1() throws { try runGolden("rnn_relu_uni_1layer", cell: .rnnRelu, layers: 1, bidirectional: false) }
}
