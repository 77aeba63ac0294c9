import Foundation
import XCTest

/// Issue 18 items 8 and 11: label names that line-based output cannot carry are refused
/// where they are read, with the file and line; rnn-predict's tab-separated output escapes
/// what remains ambiguous (`=` and `\`); rnn-eval's advice names its own option.
final class LabelValidationTests: XCTestCase {
    /// 20 lines `{"text": ..., "label": ...}` of two classes, with `bad` as line 3's label (JSON text).
    func jsonLines(badLabel bad: String) -> String {
        (1...20).map { i in
            let label = i == 3 ? bad : (i % 2 == 0 ? #""even""# : #""odd""#)
            return #"{"text": "天地\#(i % 2 == 0 ? "甲" : "乙")", "label": \#(label)}"#
        }.joined(separator: "\n") + "\n"
    }

    func testControlCharactersInJSONLabelsAreRefusedWithTheLine() throws {
        let dir = try temporaryDirectory(self)
        let cases: [(json: String, needle: String)] = [
            (#""new\nline""#, #"label: "new\nline" contains a line break (LF)"#),
            (#""tab\there""#, #"label: "tab\there" contains a tab"#),
            (#""cr\rhere""#, #"label: "cr\rhere" contains a carriage return (CR)"#),
            (#""esc\u001b""#, #"contains the control character U+001B"#),
            (#""nel\u0085""#, #"contains the control character U+0085"#),
            (#""ls\u2028""#, #"contains the control character U+2028"#),
        ]
        for (i, c) in cases.enumerated() {
            try jsonLines(badLabel: c.json).write(to: dir.appendingPathComponent("train\(i).jsonl"), atomically: true, encoding: .utf8)
            let config = try BadInputMatrixTests.config(in: dir, data: #"{"train": "train\#(i).jsonl", "format": "jsonl"}"#, name: "c\(i).json")
            assertFails(try Tools.run("rnn-train", [config.path]), 2, ["train\(i).jsonl:3: error: label: \"", c.needle])
        }
    }

    func testControlCharactersAreRefusedInTSVFastTextDevAndClassesFiles() throws {
        let dir = try temporaryDirectory(self)
        var lines = try BadInputMatrixTests.corpusLines(60, seed: 1)
        lines[4] = "天甲地\tal\u{1}pha"
        try (lines.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("train.tsv"), atomically: true, encoding: .utf8)
        let tsv = try BadInputMatrixTests.config(in: dir)
        assertFails(try Tools.run("rnn-train", [tsv.path]), 2, ["train.tsv:5: error: label \"al\\u0001pha\" contains the control character U+0001"])

        // A lone CR inside the label (CRLF line ends are fine: see the matrix's CRLF row).
        var dev = try BadInputMatrixTests.corpusLines(20, seed: 2)
        dev[6] = "天乙地\tbe\rta"
        try (dev.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("dev-cr.tsv"), atomically: true, encoding: .utf8)
        let good = try BadInputMatrixTests.corpusLines(60, seed: 1)
        try (good.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("good.tsv"), atomically: true, encoding: .utf8)
        let devConfig = try BadInputMatrixTests.config(in: dir, data: #"{"train": "good.tsv", "dev": "dev-cr.tsv"}"#, name: "dev.json")
        assertFails(try Tools.run("rnn-train", [devConfig.path]), 2, ["dev-cr.tsv:7: error: label \"be\\rta\" contains a carriage return (CR)"])

        let fastText = (0..<20).map { "__label__\($0 % 2 == 0 ? "a" : "b\u{1B}[31m") 天地\($0)" }.joined(separator: "\n")
        try fastText.write(to: dir.appendingPathComponent("train.ft"), atomically: true, encoding: .utf8)
        let ft = try BadInputMatrixTests.config(in: dir, data: #"{"train": "train.ft", "format": "fasttext"}"#, name: "ft.json")
        assertFails(try Tools.run("rnn-train", [ft.path]), 2, ["train.ft:2: error: label \"b\\u001B[31m\" contains the control character U+001B"])

        try "alpha\nbe\tta\ngamma\n".write(to: dir.appendingPathComponent("classes.txt"), atomically: true, encoding: .utf8)
        let classes = try BadInputMatrixTests.config(in: dir, data: #"{"train": "good.tsv", "classes": "classes.txt"}"#, name: "classes.json")
        assertFails(try Tools.run("rnn-train", [classes.path]), 2, ["classes.txt:2: error: label \"be\\tta\" contains a tab"])
    }

    func testPredictEscapesEqualsSignAndBackslashInTabSeparatedOutput() throws {
        let dir = try temporaryDirectory(self)
        let names = ["alpha": "eq=sign", "beta": #"back\slash"#, "gamma": "plain"]
        let lines = try BadInputMatrixTests.corpusLines(60, seed: 1).map { line -> String in
            let parts = line.split(separator: "\t")
            return parts[0] + "\t" + names[String(parts[1])]!
        }
        try (lines.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("train.tsv"), atomically: true, encoding: .utf8)
        let config = try BadInputMatrixTests.config(in: dir, data: #"{"train": "train.tsv"}"#)
        let train = try Tools.run("rnn-train", [config.path])
        XCTAssertEqual(train.status, 0, train.stderr)
        let ckpt = dir.appendingPathComponent("run/best.ckpt").path
        let run = try Tools.run("rnn-predict", [ckpt, "--top-k", "3", "--probs"], stdin: "天甲地\n乙\n\n")
        XCTAssertEqual(run.status, 0, run.stderr)
        let answers = run.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        XCTAssertEqual(answers.count, 3)
        let escaped: Set<String> = [#"eq\=sign"#, #"back\\slash"#, "plain"]
        for answer in answers {
            let fields = answer.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            XCTAssertEqual(fields.count, 3 * 2 + 3, answer.description)
            XCTAssertEqual(Set(stride(from: 0, to: 6, by: 2).map { fields[$0] }), escaped, "top-k names, escaped")
            for field in fields.suffix(3) {
                // NAME=PROB: exactly one "=" that is not escaped, and the name before it is escaped.
                let unescapedEquals = field.indices.filter { i in
                    field[i] == "=" && (i == field.startIndex || field[field.index(before: i)] != "\\")
                }
                XCTAssertEqual(unescapedEquals.count, 1, field)
                XCTAssertTrue(escaped.contains(String(field[..<unescapedEquals[0]])), field)
                XCTAssertNotNil(Float(field[field.index(after: unescapedEquals[0])...]), field)
            }
        }
        // JSON output carries the names as they are.
        let json = try Tools.run("rnn-predict", [ckpt, "--json", "--probs"], stdin: "天甲地\n")
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(Set((object["probs"] as? [String: Double])?.keys.map { $0 } ?? []), Set(names.values))
    }

    func testEvalUnknownLabelAdvisesTheSkipOption() throws {
        let dir = try temporaryDirectory(self)
        let config = try BadInputMatrixTests.config(in: dir)
        XCTAssertEqual(try Tools.run("rnn-train", [config.path]).status, 0)
        let bad = dir.appendingPathComponent("bad.tsv")
        try "天甲\talpha\n地乙\tdelta\n".write(to: bad, atomically: true, encoding: .utf8)
        let run = try Tools.run("rnn-eval", [dir.appendingPathComponent("run/best.ckpt").path, bad.path])
        assertFails(run, 2, [#"bad.tsv:2: error: label "delta" does not appear in the training data (use --skip-unknown-labels to skip such lines)"#])
        XCTAssertFalse(run.stderr.contains("data.unknown_labels"), run.stderr)
    }
}
