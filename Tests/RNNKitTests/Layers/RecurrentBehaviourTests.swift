import XCTest
@testable import RNNKit

/// Initialisation, padding invariance, determinism across thread counts, dropout and edge cases
/// of `RecurrentEncoder`.
final class RecurrentBehaviourTests: XCTestCase {
    private func values(_ count: Int, _ rng: inout RandomSource, scale: Float = 1) -> [Float] {
        (0..<count).map { _ in rng.uniform(-scale, scale) }
    }

    private func makeEncoder(_ cell: CellKind, inputSize: Int = 3, hidden: Int = 6, layers: Int = 2,
                             bidirectional: Bool = true, dropout: Float = 0, seed: UInt64 = 3) -> RecurrentEncoder {
        var rng = RandomSource(seed: seed)
        return RecurrentEncoder(cell: cell, inputSize: inputSize, hiddenSize: hidden, layers: layers,
                                bidirectional: bidirectional, dropout: dropout, name: "rnn", rng: &rng)
    }

    // MARK: Initialisation

    func testParameterNamesFollowPyTorchOrder() {
        let lstm = makeEncoder(.lstm)
        XCTAssertEqual(lstm.parameters.map(\.name), [
            "rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0",
            "rnn.weight_ih_l0_reverse", "rnn.weight_hh_l0_reverse", "rnn.bias_ih_l0_reverse", "rnn.bias_hh_l0_reverse",
            "rnn.weight_ih_l1", "rnn.weight_hh_l1", "rnn.bias_ih_l1", "rnn.bias_hh_l1",
            "rnn.weight_ih_l1_reverse", "rnn.weight_hh_l1_reverse", "rnn.bias_ih_l1_reverse", "rnn.bias_hh_l1_reverse",
        ])
        XCTAssertEqual(lstm.parameters.map(\.shape), [
            [24, 3], [24, 6], [24], [24], [24, 3], [24, 6], [24], [24],
            [24, 12], [24, 6], [24], [24], [24, 12], [24, 6], [24], [24],
        ])
        XCTAssertEqual(lstm.outputSize, 12)
        XCTAssertEqual(lstm.directions, 2)
        let gru = makeEncoder(.gru, layers: 1, bidirectional: false)
        XCTAssertEqual(gru.parameters.map(\.shape), [[18, 3], [18, 6], [18], [18]])
        let jordan = makeEncoder(.jordan, layers: 1)
        XCTAssertEqual(jordan.parameters.map(\.name), [
            "rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0", "rnn.weight_hy_l0", "rnn.bias_hy_l0",
            "rnn.weight_ih_l0_reverse", "rnn.weight_hh_l0_reverse", "rnn.bias_ih_l0_reverse", "rnn.bias_hh_l0_reverse",
            "rnn.weight_hy_l0_reverse", "rnn.bias_hy_l0_reverse",
        ])
        XCTAssertEqual(jordan.parameters.map(\.shape), [[6, 3], [6, 6], [6], [6], [6, 6], [6],
                                                         [6, 3], [6, 6], [6], [6], [6, 6], [6]])
    }

    func testInitialisationIsUniformInPyTorchBoundInParameterOrder() {
        let hidden = 6
        let encoder = makeEncoder(.gru, hidden: hidden, seed: 11)
        let bound = 1 / Float(hidden).squareRoot()
        var expected = RandomSource(seed: 11)
        var all = [Float]()
        for p in encoder.parameters { all += p.value.array }
        XCTAssertEqual(all, (0..<all.count).map { _ in expected.uniform(-bound, bound) })
        XCTAssertTrue(all.allSatisfy { abs($0) <= bound })
        XCTAssertGreaterThan(all.map(abs).max()!, 0.9 * bound)
    }

    // MARK: Padding invariance

    /// Sequence `a` (length 3) alone in a batch with T = 3, and inside a batch of 3 with T = 6
    /// next to other sequences (garbage at its padded steps): same outputs, states, dx and
    /// parameter gradients when only `a` receives upstream gradient.
    func testPaddingAndBatchInvariance() {
        for cell in CellKind.allCases {
            let inSize = 3, hidden = 5, len = 3
            var rng = RandomSource(seed: 99)
            let seqA = values(len * inSize, &rng)
            let upOut = values(len * 2 * hidden, &rng), upH = values(2 * 2 * hidden, &rng)
            let upC = values(2 * 2 * hidden, &rng)

            func run(steps: Int, lengths: [Int], slot: Int) -> (out: [Float], h: [Float], c: [Float], dx: [Float], grads: [[Float]]) {
                let encoder = makeEncoder(cell, inputSize: inSize, hidden: hidden)
                let batch = lengths.count, dh = 2 * hidden
                var fill = RandomSource(seed: 5)
                let x = Tensor([steps, batch, inSize], values: values(steps * batch * inSize, &fill, scale: 50))
                for t in 0..<len { for k in 0..<inSize { x[(t * batch + slot) * inSize + k] = seqA[t * inSize + k] } }
                var drop = RandomSource(seed: 1)
                let r = encoder.run(x, mask: SequenceMask(lengths: lengths, steps: steps), rng: &drop)
                let dOut = Tensor(r.output.shape), dH = Tensor(r.finalHidden.shape), dC = Tensor(r.finalHidden.shape)
                for t in 0..<len { for j in 0..<dh { dOut[(t * batch + slot) * dh + j] = upOut[t * dh + j] } }
                for s in 0..<4 { for j in 0..<hidden {
                    dH[(s * batch + slot) * hidden + j] = upH[s * hidden + j]
                    dC[(s * batch + slot) * hidden + j] = upC[s * hidden + j]
                } }
                let dx = encoder.backward(dOut, dFinalHidden: dH, dFinalCell: cell == .lstm ? dC : nil, run: r)
                var out = [Float](), h = [Float](), c = [Float](), dxA = [Float]()
                for t in 0..<steps { for j in 0..<dh { out.append(r.output[(t * batch + slot) * dh + j]) } }
                for s in 0..<4 { for j in 0..<hidden {
                    h.append(r.finalHidden[(s * batch + slot) * hidden + j])
                    c.append(r.finalCell?[(s * batch + slot) * hidden + j] ?? 0)
                } }
                for t in 0..<steps { for k in 0..<inSize { dxA.append(dx[(t * batch + slot) * inSize + k]) } }
                return (out, h, c, dxA, encoder.parameters.map(\.grad.array))
            }

            let alone = run(steps: len, lengths: [len], slot: 0)
            let crowded = run(steps: 6, lengths: [6, len, 2], slot: 1)
            let dh = 2 * hidden
            close(Array(crowded.out[0..<(len * dh)]), alone.out, "\(cell) output")
            XCTAssertTrue(crowded.out[(len * dh)...].allSatisfy { $0 == 0 }, "\(cell) padded output")
            close(crowded.h, alone.h, "\(cell) h_n")
            close(crowded.c, alone.c, "\(cell) c_n")
            close(Array(crowded.dx[0..<(len * inSize)]), alone.dx, "\(cell) dx")
            XCTAssertTrue(crowded.dx[(len * inSize)...].allSatisfy { $0 == 0 }, "\(cell) padded dx")
            for (i, g) in alone.grads.enumerated() { close(crowded.grads[i], g, "\(cell) grad \(i)") }
        }
    }

    private func close(_ got: [Float], _ want: [Float], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(got.count, want.count, what, file: file, line: line)
        for i in 0..<min(got.count, want.count) where abs(got[i] - want[i]) > 1e-6 + 1e-5 * abs(want[i]) {
            XCTFail("\(what)[\(i)]: \(got[i]) vs \(want[i])", file: file, line: line)
            return
        }
    }

    // MARK: Determinism

    private func forwardBackward(_ encoder: RecurrentEncoder, seed: UInt64) -> [[Float]] {
        var rng = RandomSource(seed: seed)
        let steps = 7, lengths = [7, 4, 0, 2], inSize = encoder.inputSize
        let x = Tensor([steps, lengths.count, inSize], values: values(steps * lengths.count * inSize, &rng))
        let r = encoder.run(x, mask: SequenceMask(lengths: lengths, steps: steps), rng: &rng)
        let dOut = Tensor(r.output.shape, values: values(r.output.count, &rng))
        let dH = Tensor(r.finalHidden.shape, values: values(r.finalHidden.count, &rng))
        let dC = Tensor(r.finalHidden.shape, values: values(r.finalHidden.count, &rng))
        encoder.parameters.zeroGrads()
        let dx = encoder.backward(dOut, dFinalHidden: dH, dFinalCell: encoder.cell == .lstm ? dC : nil, run: r)
        return [r.output.array, r.finalHidden.array, r.finalCell?.array ?? [], dx.array] + encoder.parameters.map(\.grad.array)
    }

    func testDeterministicAcrossThreadCounts() {
        let savedThreads = Parallel.threadCount
        let savedMinimum = RecurrentEncoder.concurrentDirectionsMinimumWork
        defer {
            Parallel.threadCount = savedThreads
            RecurrentEncoder.concurrentDirectionsMinimumWork = savedMinimum
        }
        RecurrentEncoder.concurrentDirectionsMinimumWork = 0   // run the directions concurrently even here
        for cell in CellKind.allCases {
            let encoder = makeEncoder(cell, hidden: 8, dropout: 0.3)
            Parallel.threadCount = 1
            let one = forwardBackward(encoder, seed: 21)
            Parallel.threadCount = 2
            let two = forwardBackward(encoder, seed: 21)
            let again = forwardBackward(encoder, seed: 21)
            XCTAssertEqual(one, two, "\(cell): 1 vs 2 threads")
            XCTAssertEqual(two, again, "\(cell): repeated run")
            XCTAssertTrue(one[3].contains { $0 != 0 }, "\(cell): dx is not all zero")
        }
    }

    // MARK: Dropout

    func testDropoutOnlyBetweenLayersAndNeverInThePlan() {
        let encoder = makeEncoder(.lstm, hidden: 8, layers: 3, dropout: 0.5)
        let undropped = makeEncoder(.lstm, hidden: 8, layers: 3, dropout: 0)   // the same weights (same seed)
        var rng = RandomSource(seed: 8)
        let lengths = [5, 3], steps = 5
        let mask = SequenceMask(lengths: lengths, steps: steps)
        let x = Tensor([steps, 2, 3], values: values(steps * 2 * 3, &rng))

        // The inference plan has no dropout: it equals the training forward without dropout.
        var plainRng = RandomSource(seed: 1)
        let plain = undropped.run(x, mask: mask, rng: &plainRng)
        XCTAssertEqual(plainRng, RandomSource(seed: 1), "no dropout, no draws")
        XCTAssertEqual(encoder.planOutput(x, mask: mask).output.array, plain.output.array)

        // Training: masks on the inputs of layers 1 and 2 only, values 0 or 1/(1-p), reproducible.
        var r1 = RandomSource(seed: 2), r2 = RandomSource(seed: 2), r3 = RandomSource(seed: 3)
        let a = encoder.run(x, mask: mask, rng: &r1)
        let b = encoder.run(x, mask: mask, rng: &r2)
        let c = encoder.run(x, mask: mask, rng: &r3)
        XCTAssertEqual(a.output.array, b.output.array)
        XCTAssertEqual(r1, r2)
        XCTAssertNotEqual(a.output.array, plain.output.array)
        XCTAssertNotEqual(a.output.array, c.output.array)
        XCTAssertNil(a.dropoutMask(layer: 0))
        for l in 1..<3 {
            guard let m = a.dropoutMask(layer: l) else { XCTFail("layer \(l) has no dropout mask"); continue }
            XCTAssertEqual(m.array, b.dropoutMask(layer: l)!.array)
            XCTAssertTrue(m.array.allSatisfy { $0 == 0 || $0 == 2 })
            XCTAssertTrue(m.array.contains(0) && m.array.contains(2))
        }

        // A single layer has nothing between layers: training draws nothing.
        let single = makeEncoder(.gru, layers: 1, dropout: 0.5)
        var r4 = RandomSource(seed: 4)
        _ = single.run(x, mask: mask, rng: &r4)
        XCTAssertEqual(r4, RandomSource(seed: 4))
    }

    // MARK: Edge cases

    func testLengthZeroAndZeroSteps() {
        for cell in CellKind.allCases {
            let encoder = makeEncoder(cell)
            var rng = RandomSource(seed: 6)
            let x = Tensor([4, 2, 3], values: values(24, &rng))
            let r = encoder.run(x, mask: SequenceMask(lengths: [0, 4], steps: 4), rng: &rng)
            for t in 0..<4 { for j in 0..<12 { XCTAssertEqual(r.output[(t * 2) * 12 + j], 0) } }
            for s in 0..<4 {
                for j in 0..<6 { XCTAssertEqual(r.finalHidden[(s * 2) * 6 + j], 0) }
                XCTAssertTrue((0..<6).contains { r.finalHidden[(s * 2 + 1) * 6 + $0] != 0 }, "\(cell) state \(s)")
            }
            let dx = encoder.backward(Tensor(r.output.shape, repeating: 1), dFinalHidden: nil, dFinalCell: nil, run: r)
            for t in 0..<4 { for k in 0..<3 { XCTAssertEqual(dx[(t * 2) * 3 + k], 0) } }

            // An all-empty batch with T = 0.
            let empty = Tensor([0, 2, 3])
            let e = encoder.run(empty, mask: SequenceMask(lengths: [0, 0]), rng: &rng)
            XCTAssertEqual(e.output.shape, [0, 2, 12])
            XCTAssertTrue(e.finalHidden.array.allSatisfy { $0 == 0 })
            let edx = encoder.backward(e.output, dFinalHidden: Tensor(e.finalHidden.shape, repeating: 1),
                                       dFinalCell: nil, run: e)
            XCTAssertEqual(edx.shape, [0, 2, 3])
        }
    }

    func testGradientsAccumulateAndFrozenParametersGetNone() {
        let encoder = makeEncoder(.gru, layers: 1)
        var rng = RandomSource(seed: 12)
        let x = Tensor([3, 2, 3], values: values(18, &rng))
        let mask = SequenceMask(lengths: [3, 2], steps: 3)
        let r = encoder.run(x, mask: mask, rng: &rng)
        let dOut = Tensor(r.output.shape, values: values(r.output.count, &rng))
        encoder.parameters[1].frozen = true
        encoder.parameters.zeroGrads()
        _ = encoder.backward(dOut, dFinalHidden: nil, dFinalCell: nil, run: r)
        let first = encoder.parameters.map(\.grad.array)
        _ = encoder.backward(dOut, dFinalHidden: nil, dFinalCell: nil, run: r)
        for (i, p) in encoder.parameters.enumerated() {
            XCTAssertEqual(p.grad.array, first[i].map { $0 + $0 }, p.name)
        }
        XCTAssertTrue(first[1].allSatisfy { $0 == 0 })
        XCTAssertTrue(first[0].contains { $0 != 0 })
    }
}
