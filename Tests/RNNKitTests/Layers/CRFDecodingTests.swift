import XCTest
@testable import RNNKit

final class CRFDecodingTests: XCTestCase {
    private func sequence(_ paths: [Int32], _ j: Int, _ length: Int, _ b: Int) -> [Int] {
        (0..<length).map { Int(paths[$0 * b + j]) }
    }

    /// Viterbi equals the brute-force argmax on every sequence (K = 3, lengths 4, 1, 0, 3, 2, 4) over
    /// several random draws; padded positions are -1.
    func testViterbiEqualsBruteForceArgmax() {
        let lengths = [4, 1, 0, 3, 2, 4], steps = 4, b = lengths.count
        let ws = ViterbiWorkspace()
        for seed in UInt64(0)..<5 {
            let crf = CRFTestSupport.makeCRF(tags: 3, seed: 100 + seed, scale: 2)
            let e = LayerTestSupport.randomTensor([steps, b, 3], seed: 200 + seed, scale: 2)
            let paths = crf.decode(emissions: e, lengths: lengths, workspace: ws)
            let brute = CRFBruteForce(crf)
            for j in 0..<b {
                XCTAssertEqual(sequence(paths, j, lengths[j], b), brute.best(lengths[j], e.array, j, b), "seed \(seed) sequence \(j)")
                for t in lengths[j]..<steps { XCTAssertEqual(paths[t * b + j], -1) }
            }
        }
    }

    /// IOB2 tags O, B-A, I-A, B-B, I-B with emissions and transitions that favour invalid steps
    /// (I- tags score high everywhere): constrained decoding equals the brute-force best among valid
    /// paths and is always a valid IOB2 sequence; unconstrained decoding does emit invalid ones here.
    func testConstrainedViterbiNeverEmitsInvalidIOB2() throws {
        let names = ["O", "B-A", "I-A", "B-B", "I-B"]
        let constraints = try TransitionConstraints(tags: names, scheme: .iob2)
        let lengths = [4, 3, 1, 4, 2], steps = 4, b = lengths.count
        let ws = ViterbiWorkspace()
        var unconstrainedInvalid = 0
        for seed in UInt64(0)..<8 {
            let crf = CRFTestSupport.makeCRF(tags: 5, seed: 300 + seed, scale: 2)
            let e = LayerTestSupport.randomTensor([steps, b, 5], seed: 400 + seed, scale: 2)
            for i in 0..<e.count where i % 5 == 2 || i % 5 == 4 { e[i] += 3 }   // push I-A, I-B
            let free = crf.decode(emissions: e, lengths: lengths, workspace: ws)
            unconstrainedInvalid += (0..<b).filter { !TagScheme.iob2.isValid(sequence: sequence(free, $0, lengths[$0], b).map { names[$0] }) }.count
            let paths = crf.decode(emissions: e, lengths: lengths, constraints: constraints, workspace: ws)
            let brute = CRFBruteForce(crf)
            for j in 0..<b {
                let path = sequence(paths, j, lengths[j], b)
                XCTAssertTrue(TagScheme.iob2.isValid(sequence: path.map { names[$0] }), "\(path.map { names[$0] })")
                XCTAssertTrue(constraints.permits(path.map(Int32.init)))
                let best = brute.best(lengths[j], e.array, j, b) { TagScheme.iob2.isValid(sequence: $0.map { names[$0] }) }
                XCTAssertEqual(path, best, "seed \(seed) sequence \(j)")
            }
        }
        XCTAssertGreaterThan(unconstrainedInvalid, 0, "the emissions should tempt an unconstrained decoder")
    }

    /// BIOES masks: chunks open with B or S and close with E or S; a tag set that cannot form any
    /// valid path (only I- tags) is decoded without the mask rather than failing.
    func testBIOESConstraintsAndFallback() throws {
        let names = ["O", "B-X", "I-X", "E-X", "S-X"]
        let c = try TransitionConstraints(tags: names, scheme: .bioes)
        XCTAssertEqual(c.allowedStart, [true, true, false, false, true])
        XCTAssertEqual(c.allowedEnd, [true, false, false, true, true])
        XCTAssertTrue(c.permits([1, 2, 3, 0, 4]))
        XCTAssertFalse(c.permits([1, 0]))
        XCTAssertThrowsError(try TransitionConstraints(tags: ["O", "E-X"], scheme: .iob2))

        let onlyInside = TransitionConstraints(allowed: [true], allowedStart: [false], allowedEnd: [true])
        let crf = CRFTestSupport.makeCRF(tags: 1, seed: 1)
        let paths = crf.decode(emissions: Tensor([2, 1, 1], values: [0.5, 0.25]), lengths: [2], constraints: onlyInside,
                               workspace: ViterbiWorkspace())
        XCTAssertEqual(paths, [0, 0])
    }

    /// Padded emissions (NaN, huge) never change the decoded paths.
    func testDecodingIgnoresPadding() {
        let lengths = [3, 1, 0], steps = 3
        let crf = CRFTestSupport.makeCRF(tags: 4, seed: 5)
        let base = LayerTestSupport.randomTensor([steps, 3, 4], seed: 6)
        let ws = ViterbiWorkspace()
        let reference = crf.decode(emissions: base, lengths: lengths, workspace: ws)
        for fill: Float in [.nan, 1e30, -1e30] {
            let e = Tensor(copying: base)
            for i in LayerTestSupport.paddedIndices(lengths: lengths, steps: steps, features: 4) { e[i] = fill }
            XCTAssertEqual(crf.decode(emissions: e, lengths: lengths, workspace: ws), reference, "fill \(fill)")
        }
    }
}
