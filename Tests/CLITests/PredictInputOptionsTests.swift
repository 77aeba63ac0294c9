import Foundation
import XCTest

/// Issue 16 item 4: rnn-predict as the map step of Spark, Hadoop Streaming or GNU parallel.
/// `--id-column` passes a leading `ID<TAB>` through byte for byte, `--input-format tsv`
/// reads labelled files directly, and the contract holds: one output line per input line,
/// in order, results only on stdout, non-zero exit on any error.
final class PredictInputOptionsTests: XCTestCase {
    nonisolated(unsafe) static var fixture: TrainedFixture?

    override class func tearDown() {
        fixture?.remove()
        super.tearDown()
    }

    func trained() throws -> TrainedFixture {
        if let f = Self.fixture { return f }
        let f = try TrainedFixture()
        Self.fixture = f
        return f
    }

    func texts(_ count: Int) -> [String] {
        (0..<count).map { i in String(repeating: "天", count: i % 13) + ["甲", "乙", "丙"][i % 3] + (i % 7 == 0 ? "\t地" : "") }
    }

    /// Runs rnn-predict on raw bytes; returns status, stdout bytes and stderr.
    func predict(_ arguments: [String], input: [UInt8]) throws -> (status: Int32, out: [UInt8], err: String) {
        let f = try trained()
        let dir = try temporaryDirectory(self)
        try Data(input).write(to: dir.appendingPathComponent("in"))
        let run = try Tools.shell(#""$BIN/rnn-predict" "$CKPT" "$@" < "$T/in" > "$T/out""#.replacingOccurrences(of: "\"$@\"", with: arguments.map { "'\($0)'" }.joined(separator: " ")),
                                  directory: dir, environment: ["CKPT": f.checkpoint])
        return (run.status, Array(try Data(contentsOf: dir.appendingPathComponent("out"))), run.stderr)
    }

    func testIdColumnPassesTheIdThroughUnchanged() throws {
        let lines = texts(300)
        let plain = try predict([], input: Array((lines.joined(separator: "\n") + "\n").utf8))
        XCTAssertEqual(plain.status, 0, plain.err)
        let answers = plain.out.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast()
        XCTAssertEqual(answers.count, lines.count)
        // IDs of every kind: numbers, empty, spaces, invalid UTF-8 (passed as bytes, not replaced).
        var input: [UInt8] = [], expected: [UInt8] = []
        for (i, line) in lines.enumerated() {
            let id: [UInt8] = i % 50 == 1 ? [] : i % 50 == 2 ? Array("doc 2 b".utf8) : i % 50 == 3 ? [0x69, 0xFF, 0x64] : Array("id-\(i)".utf8)
            input += id + [0x09] + Array(line.utf8) + [0x0A]
            expected += id + [0x09] + answers[i] + [0x0A]
        }
        let run = try predict(["--id-column"], input: input)
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertEqual(run.out, expected, "ID<TAB> then exactly the answer the text gets without an ID")
        XCTAssertFalse(run.err.contains("UTF-8"), "the invalid byte was in an ID, not a text: \(run.err)")
        // JSON output gets the same prefix.
        let json = try predict(["--id-column", "--json"], input: Array("a1\t天甲\n".utf8))
        XCTAssertEqual(json.status, 0, json.err)
        XCTAssertTrue(json.out.starts(with: Array("a1\t{\"label\": ".utf8)), String(decoding: json.out, as: UTF8.self))
    }

    func testIdColumnLineWithoutATabIsAnErrorAfterTheLinesBeforeIt() throws {
        let run = try predict(["--id-column"], input: Array("a\t天甲\nb\t乙\nno id here\nc\t丙\n".utf8))
        XCTAssertEqual(run.status, 2)
        XCTAssertTrue(run.err.contains("<stdin>:3: error: no tab: --id-column expects ID<TAB>text"), run.err)
        let out = String(decoding: run.out, as: UTF8.self).split(separator: "\n")
        XCTAssertEqual(out.map { String($0.prefix(2)) }, ["a\t", "b\t"], "lines 1 and 2 answered, nothing after the bad one")
        let empty = try predict(["--id-column"], input: Array("a\t天甲\n\n".utf8))
        XCTAssertEqual(empty.status, 2, "an empty line has no ID either")
        XCTAssertTrue(empty.err.contains("<stdin>:2:"), empty.err)
    }

    func testTSVInputReadsLabelledLinesAndIgnoresTheLabel() throws {
        let lines = texts(200)
        let plain = try predict([], input: Array((lines.joined(separator: "\n") + "\n").utf8))
        // Labels of every kind, even ones the model does not know: they are ignored.
        let labelled = lines.enumerated().map { i, text in text + "\t" + ["alpha", "beta", "unknown label", ""][i % 4] }
        let tsv = try predict(["--input-format", "tsv"], input: Array((labelled.joined(separator: "\n") + "\n").utf8))
        XCTAssertEqual(tsv.status, 0, tsv.err)
        XCTAssertEqual(tsv.out, plain.out, "the text before the last tab is what is predicted")
        // A line without a tab is all text; an ID column comes first.
        let mixed = try predict(["--input-format", "tsv", "--id-column"], input: Array("x\t天甲\talpha\ny\t乙\n".utf8))
        let reference = try predict([], input: Array("天甲\n乙\n".utf8))
        XCTAssertEqual(mixed.status, 0, mixed.err)
        let referenceLines = reference.out.split(separator: 0x0A)
        XCTAssertEqual(mixed.out, Array("x\t".utf8) + referenceLines[0] + [0x0A] + Array("y\t".utf8) + referenceLines[1] + [0x0A])
        let bad = try predict(["--input-format", "csv"], input: [])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.err.contains("--input-format must be text or tsv"), bad.err)
    }
}
