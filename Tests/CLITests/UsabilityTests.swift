import Foundation
import XCTest
@testable import RNNKit

/// Issue 18 item 14: what confused a newcomer. Help wording, plurals, `--threads 0`, a
/// hint for a JSON-lines file read as TSV, warnings for data the model cannot learn from,
/// and tables aligned for emoji labels.
final class UsabilityTests: XCTestCase {
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

    func testHelpSaysRepeatableOnceAndTheThreadCountIsSingularForOne() throws {
        let help = try Tools.run("rnn-train", ["--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssertEqual(help.stdout.components(separatedBy: "repeatable").count - 1, 1, help.stdout)
        XCTAssertFalse(help.stdout.contains("can be repeated"), help.stdout)

        let dir = try temporaryDirectory(self)
        let config = try BadInputMatrixTests.config(in: dir)
        let one = try Tools.run("rnn-train", [config.path, "--threads", "1"])
        XCTAssertEqual(one.status, 0, one.stderr)
        XCTAssertTrue(one.stderr.contains("parameters; 1 thread\n"), one.stderr)
        let two = try Tools.run("rnn-train", [config.path, "--threads", "2", "--overwrite"])
        XCTAssertTrue(two.stderr.contains("parameters; 2 threads\n"), two.stderr)
    }

    func testThreadsZeroMeansAllCoresInPredictAndEval() throws {
        let f = try trained()
        let input = "天甲地\n乙\n\n"
        let plain = try Tools.run("rnn-predict", [f.checkpoint], stdin: input)
        let zero = try Tools.run("rnn-predict", [f.checkpoint, "--threads", "0"], stdin: input)
        XCTAssertEqual(zero.status, 0, zero.stderr)
        XCTAssertEqual(zero.stdout, plain.stdout)
        let eval = try Tools.run("rnn-eval", [f.checkpoint, f.dev])
        let evalZero = try Tools.run("rnn-eval", [f.checkpoint, f.dev, "--threads", "0"])
        XCTAssertEqual(evalZero.status, 0, evalZero.stderr)
        XCTAssertEqual(evalZero.stdout, eval.stdout)
        for tool in ["rnn-predict", "rnn-eval"] {
            let arguments = tool == "rnn-eval" ? [f.checkpoint, f.dev] : [f.checkpoint]
            assertFails(try Tools.run(tool, arguments + ["--threads", "-1"]), 2, ["--threads must be 0 (all cores) or a positive number, got -1"])
        }
    }

    func testJSONLinesReadAsTSVSuggestTheFormatSetting() throws {
        let dir = try temporaryDirectory(self)
        let jsonl = (0..<20).map { #"{"text": "天地\#($0 % 3)", "label": "\#($0 % 2 == 0 ? "a" : "b")"}"# }.joined(separator: "\n")
        try jsonl.write(to: dir.appendingPathComponent("train.jsonl"), atomically: true, encoding: .utf8)
        let config = try BadInputMatrixTests.config(in: dir, data: #"{"train": "train.jsonl"}"#)
        assertFails(try Tools.run("rnn-train", [config.path]), 2,
                    [#"train.jsonl:1: error: no tab: expected text<TAB>label; the line looks like JSON lines: set data.format to "jsonl""#])
        let fastText = (0..<20).map { "__label__\($0 % 2) 天地\($0)" }.joined(separator: "\n")
        try fastText.write(to: dir.appendingPathComponent("train.ft"), atomically: true, encoding: .utf8)
        let ft = try BadInputMatrixTests.config(in: dir, data: #"{"train": "train.ft"}"#, name: "ft.json")
        assertFails(try Tools.run("rnn-train", [ft.path]), 2, [#"train.ft:1: error: no tab: expected text<TAB>label; the line looks like fastText: set data.format to "fasttext""#])

        let f = try trained()
        assertFails(try Tools.run("rnn-eval", [f.checkpoint, dir.appendingPathComponent("train.jsonl").path]), 2,
                    ["train.jsonl:1: error: no tab: expected text<TAB>label; the line looks like JSON lines: use --format jsonl"])
    }

    func testWarnsWhenTheVocabularyIsEmptyOrTheDevSetIsAllUnknown() throws {
        let dir = try temporaryDirectory(self)
        let config = try BadInputMatrixTests.config(in: dir)
        let empty = try Tools.run("rnn-train", [config.path, "--set", "vocab.min_freq=100000"])
        XCTAssertEqual(empty.status, 0, empty.stderr)
        XCTAssertTrue(empty.stderr.contains("warning: the vocabulary holds only <pad> and <unk>"), empty.stderr)
        let normal = try Tools.run("rnn-train", [config.path, "--overwrite"])
        XCTAssertFalse(normal.stderr.contains("warning"), normal.stderr)

        // A dev set in another script than the training set: every token is <unk>.
        let latin = (0..<20).map { "abc def \($0)\t\(["alpha", "beta", "gamma"][$0 % 3])" }.joined(separator: "\n")
        try latin.write(to: dir.appendingPathComponent("latin.tsv"), atomically: true, encoding: .utf8)
        let oov = try BadInputMatrixTests.config(in: dir, data: #"{"train": "train.tsv", "dev": "latin.tsv"}"#, name: "oov.json")
        let run = try Tools.run("rnn-train", [oov.path])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stderr.contains("latin.tsv: warning: all "), run.stderr)
        XCTAssertTrue(run.stderr.contains("tokens of the dev set are out of the vocabulary (<unk>)"), run.stderr)
    }

    func testEvalTableAlignsEmojiWithVariationSelectorAndCJKLabels() throws {
        let dir = try temporaryDirectory(self)
        let names = ["alpha": "\u{2764}\u{FE0F} love", "beta": "体育", "gamma": "😀"]
        for (file, count, seed) in [("train.tsv", 60, UInt64(1)), ("dev.tsv", 20, 2)] {
            let lines = try BadInputMatrixTests.corpusLines(count, seed: seed).map { line -> String in
                let parts = line.split(separator: "\t")
                return parts[0] + "\t" + names[String(parts[1])]!
            }
            try (lines.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent(file), atomically: true, encoding: .utf8)
        }
        let config = try BadInputMatrixTests.config(in: dir)
        XCTAssertEqual(try Tools.run("rnn-train", [config.path]).status, 0)
        let table = try Tools.run("rnn-eval", [dir.appendingPathComponent("run/best.ckpt").path, dir.appendingPathComponent("dev.tsv").path])
        XCTAssertEqual(table.status, 0, table.stderr)
        let rows = table.stdout.split(separator: "\n").map(String.init)
        let header = try XCTUnwrap(rows.first { $0.hasPrefix("label") })
        let perClass = rows.filter { row in names.values.contains { row.hasPrefix($0 + " ") } }
        XCTAssertEqual(perClass.count, 3 + 3, "score rows and matrix rows: \(table.stdout)")
        // Score rows end at the header's column (before the fix "❤️" was counted as one column).
        for row in perClass.prefix(3) { XCTAssertEqual(DisplayWidth.of(row), DisplayWidth.of(header), row) }
        let matrixHeader = try XCTUnwrap(rows.first { $0.hasPrefix("actual") })
        for row in perClass.suffix(3) { XCTAssertEqual(DisplayWidth.of(row), DisplayWidth.of(matrixHeader), row) }
    }
}
