import XCTest
@testable import RNNKit

/// Expected chunks are written by hand from conlleval's rules; each case was also run through
/// seqeval 1.2.2's `get_entities` (default mode), which agrees (its ends are inclusive, ours are not).
final class TagSchemeTests: XCTestCase {
    private func chunks(_ tags: String) -> [String] {
        TagScheme.chunks(in: tags.split(separator: " ").map(String.init)).map { "\($0.type):\($0.start)..<\($0.end)" }
    }

    func testConllevalEdgeCases() {
        XCTAssertEqual(chunks("O I-X I-X O"), ["X:1..<3"])                  // I- after O opens a chunk
        XCTAssertEqual(chunks("B-X I-Y I-Y"), ["X:0..<1", "Y:1..<3"])        // type change splits
        XCTAssertEqual(chunks("B-X B-X I-X"), ["X:0..<1", "X:1..<3"])        // B- always opens
        XCTAssertEqual(chunks("I-X B-X O I-X"), ["X:0..<1", "X:1..<2", "X:3..<4"])   // IOB1 reading
        XCTAssertEqual(chunks("B-X I-X"), ["X:0..<2"])                       // chunk closed by the end
        XCTAssertEqual(chunks(""), [])
        XCTAssertEqual(chunks("O O"), [])
        XCTAssertEqual(chunks("B-a.b I-a.b O B-c-d I-c-d"), ["a.b:0..<2", "c-d:3..<5"])   // dots, dashes in types
        XCTAssertEqual(chunks("B I O I"), ["_:0..<2", "_:3..<4"])            // typeless tags read as type _
    }

    func testBIOESChunks() {
        XCTAssertEqual(chunks("B-X I-X E-X S-X B-Y E-Y I-Y"), ["X:0..<3", "X:3..<4", "Y:4..<6", "Y:6..<7"])
        XCTAssertEqual(chunks("S-X S-X E-X I-X"), ["X:0..<1", "X:1..<2", "X:2..<3", "X:3..<4"])
        XCTAssertEqual(chunks("E-X B-X"), ["X:0..<1", "X:1..<2"])
    }

    func testTagValidityAndTransitions() {
        XCTAssertTrue(TagScheme.iob2.isValid(tag: "B-fromloc.city_name"))
        XCTAssertTrue(TagScheme.iob2.isValid(tag: "O"))
        for bad in ["B", "B-", "E-X", "S-X", "X-Y", "", "o"] { XCTAssertFalse(TagScheme.iob2.isValid(tag: bad), bad) }
        XCTAssertTrue(TagScheme.bioes.isValid(tag: "S-X"))

        XCTAssertTrue(TagScheme.iob2.isValid(sequence: ["O", "B-X", "I-X", "B-Y", "O"]))
        XCTAssertFalse(TagScheme.iob2.isValid(sequence: ["O", "I-X"]))          // I- after O
        XCTAssertFalse(TagScheme.iob2.isValid(sequence: ["B-Y", "I-X"]))        // I- after another type
        XCTAssertFalse(TagScheme.iob2.isValid(sequence: ["I-X"]))               // I- at the start
        XCTAssertTrue(TagScheme.iob1.isValid(sequence: ["I-X", "B-X", "O", "I-Y"]))
        XCTAssertFalse(TagScheme.iob1.isValid(sequence: ["O", "B-X"]))          // IOB1 B- only after the same type
        XCTAssertTrue(TagScheme.bioes.isValid(sequence: ["B-X", "I-X", "E-X", "S-Y", "O"]))
        XCTAssertFalse(TagScheme.bioes.isValid(sequence: ["B-X", "O"]))         // chunk never closed
        XCTAssertFalse(TagScheme.bioes.isValid(sequence: ["B-X"]))              // open at the end
        XCTAssertFalse(TagScheme.bioes.isValid(sequence: ["O", "E-X"]))
        XCTAssertFalse(TagScheme.bioes.isValid(sequence: ["B-X", "E-Y"]))
        XCTAssertEqual(TagScheme.detect(tags: ["O", "B-X", "S-Y"]), .bioes)
        XCTAssertEqual(TagScheme.detect(tags: ["O", "B-X", "I-X"]), .iob2)
    }

    /// On valid sequences, the chunks cover exactly the non-O tokens and each opens with B (IOB2)
    /// or B/S (BIOES): extraction and validity agree.
    func testChunksOfValidSequencesCoverTheTaggedTokens() {
        var rng = RandomSource(seed: 3)
        let names = ["O", "B-X", "I-X", "E-X", "S-X", "B-Y", "I-Y", "E-Y", "S-Y"]
        var checked = 0
        for _ in 0..<4000 {
            let tags = (0..<(1 + rng.nextIndex(below: 5))).map { _ in names[rng.nextIndex(below: names.count)] }
            guard TagScheme.bioes.isValid(sequence: tags) else { continue }
            checked += 1
            var covered = [Bool](repeating: false, count: tags.count)
            for c in TagScheme.chunks(in: tags) {
                XCTAssertTrue(tags[c.start].hasPrefix("B-") || tags[c.start].hasPrefix("S-"), "\(tags)")
                for i in c.start..<c.end { covered[i] = true }
            }
            XCTAssertEqual(covered, tags.map { $0 != "O" }, "\(tags)")
        }
        XCTAssertGreaterThan(checked, 50)
    }
}

final class SpanMetricsTests: XCTestCase {
    private func tags(_ s: String) -> [String] { s.split(separator: " ").map(String.init) }

    /// The seqeval README-style case, computed by hand (seqeval 1.2.2 gives the same):
    /// gold PER, LOC | MISC, LOC(I- after O); predicted PER, LOC | LOC; MISC missed.
    func testMicroAndPerTypeScores() {
        var m = SpanMetrics()
        m.add(gold: tags("O B-PER I-PER O B-LOC"), predicted: tags("O B-PER I-PER O B-LOC"))
        m.add(gold: tags("B-MISC I-MISC O I-LOC"), predicted: tags("B-MISC O O B-LOC"))
        // predicted chunks: PER, LOC, MISC(0..<1), LOC(3..<4): 3 of 4 right; gold 4, found 3.
        XCTAssertEqual(m.overall, SpanCounts(correct: 3, predicted: 4, gold: 4))
        XCTAssertEqual(m.overall.f1, 0.75, accuracy: 1e-12)
        XCTAssertEqual(m.byType["MISC"], SpanCounts(correct: 0, predicted: 1, gold: 1))
        XCTAssertEqual(m.byType["LOC"], SpanCounts(correct: 2, predicted: 2, gold: 2))
        XCTAssertEqual(m.types, ["LOC", "MISC", "PER"])
        XCTAssertEqual(m.macroF1, 2.0 / 3.0, accuracy: 1e-12)
        XCTAssertEqual(m.tokenAccuracy, 7.0 / 9.0, accuracy: 1e-12)
        XCTAssertEqual(m.sentenceAccuracy, 0.5)
    }

    /// Boundary and type errors: a wrong boundary is one false positive and one false negative;
    /// nothing predicted gives precision 0 (not NaN).
    func testBoundaryTypeAndEmptyCases() {
        var m = SpanMetrics()
        m.add(gold: tags("B-X I-X O"), predicted: tags("B-X O O"))        // boundary error
        m.add(gold: tags("B-X O"), predicted: tags("B-Y O"))              // type error
        XCTAssertEqual(m.overall, SpanCounts(correct: 0, predicted: 2, gold: 2))
        XCTAssertEqual(m.overall.f1, 0)
        var none = SpanMetrics()
        none.add(gold: tags("B-X"), predicted: tags("O"))
        XCTAssertEqual(none.overall.precision, 0)
        XCTAssertEqual(none.overall.recall, 0)
        XCTAssertEqual(SpanMetrics().tokenAccuracy, 0)
    }

    /// Gold tags and intents the model never saw are errors and are counted; sentence accuracy
    /// needs the intent and every tag right; merge adds shards.
    func testUnseenGoldAndJointScores() {
        var m = SpanMetrics(knownTags: ["O", "B-X", "I-X"], knownIntents: ["flight"])
        m.add(gold: tags("B-X O"), predicted: tags("B-X O"), goldIntent: "flight", predictedIntent: "flight")
        m.add(gold: tags("B-Z O"), predicted: tags("O O"), goldIntent: "flight", predictedIntent: "flight")
        var other = SpanMetrics(knownTags: ["O", "B-X", "I-X"], knownIntents: ["flight"])
        other.add(gold: tags("O"), predicted: tags("O"), goldIntent: "airfare", predictedIntent: "flight")
        m.merge(other)
        XCTAssertEqual(m.unseenGoldTags, 1)
        XCTAssertEqual(m.unseenGoldIntents, 1)
        XCTAssertEqual(m.correctTokens, 4)
        XCTAssertEqual(m.totalTokens, 5)
        XCTAssertEqual(m.intentAccuracy, 2.0 / 3.0, accuracy: 1e-12)
        XCTAssertEqual(m.correctSentences, 1)
        XCTAssertEqual(m.overall, SpanCounts(correct: 1, predicted: 1, gold: 2))
    }
}
