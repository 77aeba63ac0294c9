import Foundation
import XCTest
@testable import RNNKit

/// Rows of the "Data" and "Pre-trained vectors" sections of docs/RELIABILITY.md.
extension BadInputMatrixTests {
    // MARK: - Data

    func testDataEmptyAndBlankFilesNameTheFile() throws {
        let dir = try temporaryDirectory(self)
        _ = try Self.write("", to: dir, "train.tsv")
        let url = try Self.config(in: dir)
        assertFails(try Self.run("rnn-train", [url.path]), 2, ["train.tsv", "no examples"])
        _ = try Self.write("\n  \n\t\n\r\n\n", to: dir, "train.tsv")
        assertFails(try Self.run("rnn-train", [url.path]), 2, ["train.tsv", "no examples"])
        _ = try Self.write("", to: dir, "empty-dev.tsv")
        let dev = try Self.config(in: dir, data: #"{"train": "good.tsv", "dev": "empty-dev.tsv"}"#, name: "dev.json")
        _ = try writeSyntheticCorpus(to: dir, name: "good.tsv", lines: 30, seed: 1)
        assertFails(try Self.run("rnn-train", [dev.path]), 2, ["empty-dev.tsv", "no examples"])
    }

    func testDataMissingTabNamesFileAndLine() throws {
        let dir = try temporaryDirectory(self)
        var lines = try Self.corpusLines(30, seed: 1)
        lines[6] = lines[6].replacingOccurrences(of: "\t", with: " ")
        _ = try Self.write(lines.joined(separator: "\n") + "\n", to: dir, "train.tsv")
        let url = try Self.config(in: dir)
        assertFails(try Self.run("rnn-train", [url.path]), 2, ["train.tsv:7:", "no tab"])
        // The same in data given to rnn-eval.
        let run = try trainedRun()
        assertFails(try Self.run("rnn-eval", [run.appendingPathComponent("run/best.ckpt").path,
                                              dir.appendingPathComponent("train.tsv").path]), 2, ["train.tsv:7:", "no tab"])
    }

    func testDataEmptyTextIsSkippedWithAWarningNamingTheLine() throws {
        let dir = try temporaryDirectory(self)
        var lines = try Self.corpusLines(40, seed: 1)
        lines[4] = "\talpha"
        lines[9] = "   \tbeta"
        _ = try Self.write(lines.joined(separator: "\n") + "\n", to: dir, "train.tsv")
        let run = try Self.run("rnn-train", [try Self.config(in: dir).path])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stderr.contains("train.tsv: warning: 2 examples with an empty text skipped (first: line 5)"), run.stderr)
        XCTAssertTrue(run.stderr.contains("train.tsv: 38 examples"), run.stderr)
        assertNoCrash(run)
    }

    func testDataLabelOutOfRangeAndUnknownDevLabel() throws {
        let dir = try temporaryDirectory(self)
        // With a classes file, digits are class indices.
        _ = try Self.write("alpha\nbeta\ngamma\n", to: dir, "classes.txt")
        var lines = try Self.corpusLines(30, seed: 1)
        lines[11] = "甲天地\t7"
        _ = try Self.write(lines.joined(separator: "\n") + "\n", to: dir, "train.tsv")
        let url = try Self.config(in: dir, data: #"{"train": "train.tsv", "dev": "dev.tsv", "classes": "classes.txt"}"#)
        assertFails(try Self.run("rnn-train", [url.path]), 2, ["train.tsv:12:", "label index 7 is out of range", "0...2"])
        // A dev label the training data never had.
        try FileManager.default.removeItem(at: dir.appendingPathComponent("train.tsv"))
        var dev = try Self.corpusLines(20, seed: 2)
        dev[14] = "乙天地\tdelta"
        _ = try Self.write(dev.joined(separator: "\n") + "\n", to: dir, "dev.tsv")
        let plain = try Self.config(in: dir, name: "plain.json")
        assertFails(try Self.run("rnn-train", [plain.path]), 2, ["dev.tsv:15:", "\"delta\"", "unknown_labels"])
        // ... which "skip" counts instead.
        let skip = try Self.config(in: dir, data: #"{"train": "train.tsv", "dev": "dev.tsv", "unknown_labels": "skip"}"#, name: "skip.json")
        let skipped = try Self.run("rnn-train", [skip.path])
        XCTAssertEqual(skipped.status, 0, skipped.stderr)
        XCTAssertTrue(skipped.stderr.contains("dev.tsv: 19 examples, 3 classes, 0 blank lines skipped, 0 empty texts skipped, 1 unknown label skipped"), skipped.stderr)
    }

    func testDataCRLFAndBOMAreReadAsPlainLines() throws {
        let dir = try temporaryDirectory(self)
        // CRLF train and classes files with a BOM: if "\r" or the BOM stayed, the LF dev file's
        // labels ("alpha") would not match and the run would fail.
        let lines = try Self.corpusLines(60, seed: 1)
        _ = try Self.write([0xEF, 0xBB, 0xBF] + Array((lines.joined(separator: "\r\n") + "\r\n").utf8), to: dir, "train.tsv")
        _ = try Self.write([0xEF, 0xBB, 0xBF] + Array("alpha\r\nbeta\r\ngamma\r\n".utf8), to: dir, "classes.txt")
        let url = try Self.config(in: dir, data: #"{"train": "train.tsv", "dev": "dev.tsv", "classes": "classes.txt"}"#)
        let run = try Self.run("rnn-train", [url.path])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stderr.contains("train.tsv: 60 examples, 3 classes"), run.stderr)
        assertNoCrash(run)
        // JSON lines with a BOM and CRLF: the BOM must not reach the JSON parser.
        let jsonl = lines.map { line -> String in
            let parts = line.split(separator: "\t")
            return #"{"text": "\#(parts[0])", "label": "\#(parts[1])"}"#
        }
        _ = try Self.write([0xEF, 0xBB, 0xBF] + Array(jsonl.joined(separator: "\r\n").utf8), to: dir, "train.jsonl")
        let j = try Self.config(in: dir, data: #"{"train": "train.jsonl", "format": "jsonl"}"#, name: "jsonl.json")
        let jrun = try Self.run("rnn-train", [j.path])
        XCTAssertEqual(jrun.status, 0, jrun.stderr)
        XCTAssertTrue(jrun.stderr.contains("train.jsonl: 60 examples, 3 classes"), jrun.stderr)
    }

    func testDataInvalidUTF8ReplacedOrRefusedNamingLineAndByte() throws {
        let dir = try temporaryDirectory(self)
        let lines = try Self.corpusLines(30, seed: 1)
        var bytes: [UInt8] = []
        for (i, line) in lines.enumerated() {
            var b = Array(line.utf8)
            if i == 4 { b.insert(contentsOf: [0x41, 0xC3, 0x28], at: 0) }  // "A", then a broken 2-byte sequence
            bytes += b + [0x0A]
        }
        let offset = lines[0..<4].reduce(0) { $0 + $1.utf8.count + 1 } + 1
        _ = try Self.write(bytes, to: dir, "train.tsv")
        let replace = try Self.run("rnn-train", [try Self.config(in: dir).path])
        XCTAssertEqual(replace.status, 0, replace.stderr)
        XCTAssertTrue(replace.stderr.contains("train.tsv: warning: invalid UTF-8 replaced by U+FFFD in 1 line (first: line 5, byte 2 of the line, byte offset \(offset) in the file)"), replace.stderr)
        let strict = try Self.config(in: dir, data: #"{"train": "train.tsv", "dev": "dev.tsv", "invalid_utf8": "error"}"#, name: "strict.json")
        assertFails(try Self.run("rnn-train", [strict.path]), 2, ["train.tsv:5:", "invalid UTF-8 at byte 2 of the line", "byte offset \(offset)"])
    }

    func testDataOneMegabyteLine() throws {
        let dir = try temporaryDirectory(self)
        var lines = try Self.corpusLines(40, seed: 1)
        let big = String(repeating: "天地玄黄甲", count: 1 << 18 / 3)  // ~1.3 MB of UTF-8
        lines[3] = big + "\talpha"
        _ = try Self.write(lines.joined(separator: "\n") + "\n", to: dir, "train.tsv")
        let url = try Self.config(in: dir)
        let run = try Self.run("rnn-train", [url.path])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stderr.contains("train.tsv: 40 examples"), run.stderr)
        // Broken, the same line gives a short message, not the line.
        lines[3] = big
        _ = try Self.write(lines.joined(separator: "\n") + "\n", to: dir, "train.tsv")
        assertFails(try Self.run("rnn-train", [url.path, "--overwrite"]), 2, ["train.tsv:4:", "no tab"])
        // rnn-predict answers it with one line.
        let ckpt = try trainedRun().appendingPathComponent("run/best.ckpt").path
        let predict = try Self.run("rnn-predict", [ckpt], stdin: "甲天\n" + big + "\n乙地\n")
        XCTAssertEqual(predict.status, 0, predict.stderr)
        XCTAssertEqual(predict.stdout.split(separator: "\n").count, 3, predict.stdout)
    }

    func testDataNumericLabelsWithoutAClassesFileAreNames() throws {
        // Labels "3", "1", "2" (first seen in that order): without a classes file they are names,
        // so dev's "3" is the class named "3", not class index 3.
        let dir = try temporaryDirectory(self)
        let rename = ["alpha": "3", "beta": "1", "gamma": "2"]
        for (name, seed, count) in [("train.tsv", UInt64(1), 60), ("dev.tsv", UInt64(2), 20)] {
            let lines = try Self.corpusLines(count, seed: seed).map { line -> String in
                let parts = line.split(separator: "\t")
                return parts[0] + "\t" + rename[String(parts[1])]!
            }
            _ = try Self.write(lines.joined(separator: "\n") + "\n", to: dir, name)
        }
        let url = try Self.config(in: dir)
        let config = try RunConfig.load(path: url.path)
        let data = try RunData.load(config: config, log: { _ in })
        let devLabels = try Self.corpusLines(20, seed: 2).map { rename[String($0.split(separator: "\t")[1])]! }
        XCTAssertEqual(try XCTUnwrap(data.dev).labels.map { data.labels.names[$0] }, devLabels)
        let run = try Self.run("rnn-train", [url.path])
        XCTAssertEqual(run.status, 0, run.stderr)
        let eval = try Self.run("rnn-eval", [dir.appendingPathComponent("run/best.ckpt").path, dir.appendingPathComponent("dev.tsv").path, "--json"])
        XCTAssertEqual(eval.status, 0, eval.stderr)
        // A resumed run reads the same labels the same way.
        let resumed = try Self.run("rnn-train", ["--resume", dir.appendingPathComponent("run").path, "--set", "training.epochs=2"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
    }

    func testDataResumeWithAClassesFileAndIndexLabels() throws {
        let dir = try temporaryDirectory(self)
        _ = try Self.write("alpha\nbeta\ngamma\n", to: dir, "classes.txt")
        let index = ["alpha": "0", "beta": "1", "gamma": "2"]
        let lines = try Self.corpusLines(60, seed: 1).map { line -> String in
            let parts = line.split(separator: "\t")
            return parts[0] + "\t" + index[String(parts[1])]!
        }
        _ = try Self.write(lines.joined(separator: "\n") + "\n", to: dir, "train.tsv")
        let url = try Self.config(in: dir, data: #"{"train": "train.tsv", "dev": "dev.tsv", "classes": "classes.txt"}"#)
        XCTAssertEqual(try Self.run("rnn-train", [url.path]).status, 0)
        let resumed = try Self.run("rnn-train", ["--resume", dir.appendingPathComponent("run").path, "--set", "training.epochs=2"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("train.tsv: 60 examples, 3 classes"), resumed.stderr)
    }

    func testDataSingleClassIsRefused() throws {
        let dir = try temporaryDirectory(self)
        let lines = try Self.corpusLines(30, seed: 1).map { $0.split(separator: "\t")[0] + "\talpha" }
        _ = try Self.write(lines.joined(separator: "\n") + "\n", to: dir, "train.tsv")
        let url = try Self.config(in: dir, data: #"{"train": "train.tsv"}"#)
        assertFails(try Self.run("rnn-train", [url.path]), 2, ["train.tsv", "only one class (alpha)"])
    }

    // MARK: - Pre-trained vectors

    func testPretrainedVectorsBadHeaderDimensionAndValue() throws {
        let dir = try temporaryDirectory(self)
        let url = try Self.config(in: dir, embedding: #"{"dim": 4, "pretrained": "vec.txt"}"#)
        func check(_ text: String, _ needles: [String], line: UInt = #line) throws {
            _ = try Self.write(text, to: dir, "vec.txt")
            assertFails(try Self.run("rnn-train", [url.path, "--overwrite"]), 2, needles, line: line)
        }
        try check("", ["vec.txt:1:", "empty vectors file"])
        try check("three 4\n甲 1 2 3 4\n", ["vec.txt:1:", "bad header"])
        try check("2 8\n甲 1 2 3 4 5 6 7 8\n", ["vec.txt:1:", "embedding.dim", "dimension 8"])
        try check("3 4\n甲 1 2 3 4\n乙 1 2 3\n丙 1 2 3 4\n", ["vec.txt:3:", "3 values for token \"乙\", expected 4"])
        try check("3 4\n甲 1 2 3 4\n乙 1 2 3 4 5\n", ["vec.txt:3:", "more than 4 values"])
        try check("2 4\n甲 1 2 x3 4\n", ["vec.txt:2:", "value 3 of token \"甲\" is not a finite number: \"x3\""])
        try check("2 4\n甲 1 2 nan 4\n", ["vec.txt:2:", "not a finite number: \"nan\""])
        try check("2 4\n甲 1 2 1e999 4\n", ["vec.txt:2:", "not a finite number"])
        // A good file trains.
        _ = try Self.write("2 4\n甲 1 2 3 4\n乙 0.5 -1 2e-3 4 \n", to: dir, "vec.txt")
        let good = try Self.run("rnn-train", [url.path, "--overwrite"])
        XCTAssertEqual(good.status, 0, good.stderr)
        XCTAssertTrue(good.stderr.contains("vec.txt: 2 vectors of dimension 4"), good.stderr)
    }
}
