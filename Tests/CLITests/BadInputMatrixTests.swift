import Foundation
import XCTest
@testable import RNNKit

/// The bad-input matrix of docs/RELIABILITY.md: each test is one row (or a few
/// rows of one kind), running the real executables on a bad file and checking
/// the exit code and that the message names the file and the line, field or
/// byte, and that no crash or stack trace reaches the user.
final class BadInputMatrixTests: XCTestCase {
    // MARK: - Helpers

    /// Runs a tool with extra environment variables (the test seams of Checkpoint+Write.swift).
    static func run(_ tool: String, _ arguments: [String], environment: [String: String] = [:], stdin: String = "") throws -> ToolRun {
        let run = try Tools.run(tool, arguments, stdin: stdin, environment: environment)
        XCTAssertEqual(run.reason, .exit, "\(tool) died of signal \(run.status)")
        // RNN_MATRIX_LOG=FILE collects every row's command and answer, for docs/RELIABILITY.md.
        if let log = ProcessInfo.processInfo.environment["RNN_MATRIX_LOG"], let handle = FileHandle(forWritingAtPath: log) {
            handle.seekToEndOfFile()
            handle.write(Data("$ \(tool) \(arguments.joined(separator: " "))  -> \(run.status)\n\(run.stderr)\n".utf8))
            try? handle.close()
        }
        return run
    }

    /// What a crash or a stack trace would print; none of it may reach users.
    static let crashMarkers = ["Fatal error", "Stack dump", "stack trace", "Illegal instruction", "Segmentation fault",
                               "Swift runtime failure", "Thread 0", "#0 0x", "Please submit a bug report"]

    /// The run exited with `status` and said every one of `needles` on stderr, in one short message.
    func assertFails(_ run: ToolRun, _ status: Int32, _ needles: [String],
                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(run.status, status, run.stderr, file: file, line: line)
        for needle in needles {
            XCTAssertTrue(run.stderr.contains(needle), "stderr lacks \"\(needle)\": \(run.stderr)", file: file, line: line)
        }
        assertNoCrash(run, file: file, line: line)
        XCTAssertLessThan(run.stderr.utf8.count, 4000, "the message is not short", file: file, line: line)
        XCTAssertTrue(run.stderr.contains("error:"), run.stderr, file: file, line: line)
    }

    func assertNoCrash(_ run: ToolRun, file: StaticString = #filePath, line: UInt = #line) {
        for marker in Self.crashMarkers {
            XCTAssertFalse(run.stderr.contains(marker) || run.stdout.contains(marker), "\(marker): \(run.stderr)", file: file, line: line)
        }
    }

    static let defaultModel = #"{"kind": "textrnn", "cell": "gru", "hidden_size": 8, "layers": 1, "bidirectional": false, "dropout": 0}"#

    /// A small, fast config in `dir`; writes synthetic train.tsv and dev.tsv unless
    /// the test writes its own files under those names first.
    @discardableResult
    static func config(in dir: URL, data: String? = nil, embedding: String = #"{"dim": 8}"#, model: String = defaultModel,
                       training: String = "", output: String? = nil, name: String = "config.json") throws -> URL {
        let fm = FileManager.default
        if !fm.fileExists(atPath: dir.appendingPathComponent("train.tsv").path) {
            _ = try writeSyntheticCorpus(to: dir, name: "train.tsv", lines: 60, seed: 1)
        }
        if !fm.fileExists(atPath: dir.appendingPathComponent("dev.tsv").path) {
            _ = try writeSyntheticCorpus(to: dir, name: "dev.tsv", lines: 20, seed: 2)
        }
        let json = """
            {"data": \(data ?? #"{"train": "train.tsv", "dev": "dev.tsv"}"#),
             "embedding": \(embedding),
             "model": \(model),
             "training": {"batch_size": 16, "lr": 0.01, "seed": 3\(training.contains("\"epochs\"") ? "" : #", "epochs": 1"#)\(training)},
             "output": {"dir": \(output ?? (name == "config.json" ? #""run""# : "\"run-\(name.dropLast(5))\""))}}
            """
        let url = dir.appendingPathComponent(name)
        try json.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    static func write(_ bytes: [UInt8], to dir: URL, _ name: String) throws -> URL {
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    static func write(_ text: String, to dir: URL, _ name: String) throws -> URL {
        try write(Array(text.utf8), to: dir, name)
    }

    /// The lines of a synthetic corpus, for tests that alter a few of them.
    static func corpusLines(_ count: Int, seed: UInt64) throws -> [String] {
        let dir = FileManager.default.temporaryDirectory
        let url = try writeSyntheticCorpus(to: dir, name: "rnn-lines-\(UUID().uuidString).tsv", lines: count, seed: seed)
        defer { try? FileManager.default.removeItem(at: url) }
        return try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    // MARK: - A trained run shared by the checkpoint rows

    nonisolated(unsafe) static var sharedFolder: URL?

    override class func tearDown() {
        if let sharedFolder { try? FileManager.default.removeItem(at: sharedFolder) }
        super.tearDown()
    }

    /// A folder holding config.json, train.tsv, dev.tsv and run/ (trained 1 epoch).
    func trainedRun() throws -> URL {
        if let folder = Self.sharedFolder { return folder }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rnn-matrix-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let config = try Self.config(in: dir)
        let run = try Self.run("rnn-train", [config.path])
        XCTAssertEqual(run.status, 0, run.stderr)
        Self.sharedFolder = dir
        return dir
    }

    /// A fresh copy of the shared run folder, for tests that change it.
    func copyOfTrainedRun() throws -> URL {
        let source = try trainedRun()
        let dir = try temporaryDirectory(self).appendingPathComponent("copy")
        try FileManager.default.copyItem(at: source, to: dir)
        return dir
    }

    // MARK: - Config

    func testConfigNotJSONNamesLineAndColumn() throws {
        let dir = try temporaryDirectory(self)
        let url = try Self.write("{\"data\": {\"train\": \"train.tsv\"},\n \"model\": {\"cell\": \"gru\",}\n}\n", to: dir, "config.json")
        assertFails(try Self.run("rnn-train", [url.path]), 2, ["config.json:2:", "line 2, column"])
        let empty = try Self.write("", to: dir, "empty.json")
        assertFails(try Self.run("rnn-train", [empty.path]), 2, ["empty.json"])
        let binary = try Self.write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0xFF, 0x00], to: dir, "image.json")
        assertFails(try Self.run("rnn-train", [binary.path]), 2, ["image.json:1:"])
    }

    func testConfigWrongTypesNameLineAndField() throws {
        let dir = try temporaryDirectory(self)
        let url = try Self.config(in: dir, training: #", "epochs": "ten""#)
        assertFails(try Self.run("rnn-train", [url.path]), 2, ["config.json:4:", "training.epochs", "\"ten\""])
        let model = try Self.config(in: dir, model: #"{"kind": "textrnn", "hidden_size": 8.5}"#, name: "model.json")
        assertFails(try Self.run("rnn-train", [model.path]), 2, ["model.json:3:", "model.hidden_size", "8.5"])
        let section = try Self.config(in: dir, embedding: "[12]", name: "section.json")
        assertFails(try Self.run("rnn-train", [section.path]), 2, ["section.json:2:", "embedding", "expected an object"])
        let set = try Self.run("rnn-train", [url.path, "--set", "training.epochs=2", "--set", "training.lr=fast"])
        assertFails(set, 2, ["config.json", "training.lr", "from an override"])
    }

    func testConfigUnknownKeysSuggestANearName() throws {
        let dir = try temporaryDirectory(self)
        let url = try Self.config(in: dir, training: #", "batchsize": 4"#)
        assertFails(try Self.run("rnn-train", [url.path]), 2, ["config.json:4:", "training.batchsize", "did you mean \"batch_size\""])
        let top = try Self.write(#"{"data": {"train": "train.tsv"}, "trainig": {}}"#, to: dir, "top.json")
        assertFails(try Self.run("rnn-train", [top.path]), 2, ["top.json:1:", "trainig", "did you mean \"training\""])
        let set = try Self.run("rnn-train", [url.path, "--set", "trainig.lr=1"])
        assertFails(set, 2, ["trainig", "training"])
    }

    func testConfigMissingFolderAndUnreadableFiles() throws {
        let dir = try temporaryDirectory(self)
        let missing = dir.appendingPathComponent("nope.json").path
        assertFails(try Self.run("rnn-train", [missing]), 2, [missing, "not found"])
        assertFails(try Self.run("rnn-train", [dir.path]), 2, [dir.path, "is a folder"])
        // A data file named by the config that is missing: the field and the resolved path.
        let url = try Self.config(in: dir, data: #"{"train": "train.tsv", "dev": "missing-dev.tsv"}"#)
        assertFails(try Self.run("rnn-train", [url.path]), 2, ["config.json:1:", "data.dev", "missing-dev.tsv", "not found"])
        // chmod 000: root reads anyway, so as root the tool runs as user nobody through setpriv(1).
        let locked = try Self.config(in: dir, name: "locked.json")
        XCTAssertEqual(chmod(locked.path, 0), 0)
        defer { chmod(locked.path, 0o644) }
        if geteuid() != 0 {
            assertFails(try Self.run("rnn-train", [locked.path]), 2, [locked.path, "cannot read the config file"])
            return
        }
        let setpriv = "/usr/bin/setpriv"
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: setpriv),
                          "running as root without setpriv: chmod 000 does not stop root from reading, so the unreadable-config row cannot be observed")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: setpriv)
        process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", Tools.url("rnn-train").path, locked.path]
        let error = Pipe()
        process.standardError = error
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let said = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try XCTSkipIf(said.contains("setpriv:") || said.contains("Permission denied") && !said.contains("rnn-train:"),
                      "user nobody cannot run the built tool here: \(said)")
        assertFails(ToolRun(status: process.terminationStatus, stdout: "", stderr: said), 2, ["\(locked.path): error: cannot read the config file"])
    }

    func testConfigContradictorySettingsNameTheFields() throws {
        let dir = try temporaryDirectory(self)
        let bilstm = try Self.config(in: dir, model: #"{"kind": "bilstm", "cell": "gru"}"#, name: "bilstm.json")
        assertFails(try Self.run("rnn-train", [bilstm.path]), 2, ["bilstm.json:3:", "model.cell", "contradicts model.kind"])
        let rcnn = try Self.config(in: dir, model: #"{"kind": "textrcnn", "pooling": "mean"}"#, name: "rcnn.json")
        assertFails(try Self.run("rnn-train", [rcnn.path]), 2, ["rcnn.json:3:", "model.pooling"])
        let nesterov = try Self.config(in: dir, training: #", "nesterov": true"#, name: "nesterov.json")
        assertFails(try Self.run("rnn-train", [nesterov.path]), 2, ["nesterov.json:4:", "training.nesterov", "sgd"])
        let weights = try Self.config(in: dir, training: #", "class_weights": [1, 2]"#, name: "weights.json")
        assertFails(try Self.run("rnn-train", [weights.path]), 2, ["weights.json", "training.class_weights", "2 class weights for 3 classes"])
    }

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

    // MARK: - Checkpoints

    /// Every tool that reads a checkpoint, with `path` as the checkpoint.
    func readers(_ path: String, data: String) -> [(tool: String, arguments: [String])] {
        [("rnn-eval", [path, data]), ("rnn-predict", [path])]
    }

    func testTruncatedCheckpointsAreRefusedAtEveryLength() throws {
        let run = try trainedRun()
        let good = try Data(contentsOf: run.appendingPathComponent("run/last.ckpt"))
        let dir = try temporaryDirectory(self)
        let path = dir.appendingPathComponent("cut.ckpt").path
        // In-process, at many lengths: every one an input error naming the file.
        var lengths = Array(0..<100) + [good.count - 9, good.count - 8, good.count - 1]
        lengths += stride(from: 100, to: good.count, by: max(1, good.count / 60)).map { $0 }
        for length in lengths {
            try good.prefix(length).write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try TrainedModel.load(checkpoint: path), "length \(length)") { error in
                guard let e = error as? RNNError else { return XCTFail("length \(length): \(error)") }
                XCTAssertEqual(e.kind, .input)
                XCTAssertEqual(e.file, path)
                XCTAssertTrue(e.message.contains("truncated") || e.message.contains("checksum"), "length \(length): \(e.message)")
            }
        }
        // Through the tools, at a few lengths.
        let data = run.appendingPathComponent("dev.tsv").path
        for length in [0, 19, good.count / 2, good.count - 1] {
            try good.prefix(length).write(to: URL(fileURLWithPath: path))
            for (tool, arguments) in readers(path, data: data) {
                assertFails(try Self.run(tool, arguments, stdin: "甲\n"), 2, ["\(path): error:", "truncated"])
            }
        }
        let resume = try copyOfTrainedRun()
        let last = resume.appendingPathComponent("run/last.ckpt")
        try good.prefix(good.count - 100).write(to: last)
        assertFails(try Self.run("rnn-train", ["--resume", resume.appendingPathComponent("run").path]), 2,
                    [last.path, "truncated"])
    }

    func testFlippedByteIsAChecksumError() throws {
        let run = try trainedRun()
        let good = try Data(contentsOf: run.appendingPathComponent("run/last.ckpt"))
        let dir = try temporaryDirectory(self)
        let path = dir.appendingPathComponent("flip.ckpt").path
        let data = run.appendingPathComponent("dev.tsv").path
        // One bit in the JSON header, one in the tensor data, one in the checksum itself.
        for offset in [40, good.count / 2, good.count - 3] {
            var bytes = good
            bytes[offset] ^= 0x10
            try bytes.write(to: URL(fileURLWithPath: path))
            for (tool, arguments) in readers(path, data: data) {
                assertFails(try Self.run(tool, arguments, stdin: "甲\n"), 2, ["\(path): error:", "checksum mismatch"])
            }
        }
        let resume = try copyOfTrainedRun()
        let last = resume.appendingPathComponent("run/last.ckpt")
        var bytes = good
        bytes[good.count / 3] ^= 0x01
        try bytes.write(to: last)
        assertFails(try Self.run("rnn-train", ["--resume", resume.appendingPathComponent("run").path]), 2,
                    [last.path, "checksum mismatch"])
    }

    func testForeignFilesFolderAndMissingCheckpoint() throws {
        let run = try trainedRun()
        let dir = try temporaryDirectory(self)
        let data = run.appendingPathComponent("dev.tsv").path
        let cases: [(String, [UInt8], String)] = [
            ("text.ckpt", Array("hello, this is not a checkpoint\n".utf8), "not an rnn checkpoint"),
            ("config.ckpt", Array(try Data(contentsOf: run.appendingPathComponent("config.json"))), "not an rnn checkpoint"),
            ("png.ckpt", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + [UInt8](repeating: 0, count: 64), "not an rnn checkpoint"),
        ]
        for (name, bytes, needle) in cases {
            let path = try Self.write(bytes, to: dir, name).path
            for (tool, arguments) in readers(path, data: data) {
                assertFails(try Self.run(tool, arguments), 2, ["\(path): error:", needle])
            }
        }
        for (tool, arguments) in readers(dir.path, data: data) {
            assertFails(try Self.run(tool, arguments), 2, ["\(dir.path): error:", "not a regular file"])
        }
        let missing = dir.appendingPathComponent("missing.ckpt").path
        for (tool, arguments) in readers(missing, data: data) {
            assertFails(try Self.run(tool, arguments), 2, ["\(missing): error:", "No such file"])
        }
        let nothing = try temporaryDirectory(self).path
        assertFails(try Self.run("rnn-train", ["--resume", nothing]), 2, ["nothing to resume", "last.ckpt"])
    }

    func testFutureFormatVersionIsNamed() throws {
        let run = try trainedRun()
        var bytes = try Data(contentsOf: run.appendingPathComponent("run/last.ckpt"))
        bytes[8] = UInt8(Checkpoint.formatVersion + 1)
        let dir = try temporaryDirectory(self)
        let path = dir.appendingPathComponent("future.ckpt").path
        try bytes.write(to: URL(fileURLWithPath: path))
        for (tool, arguments) in readers(path, data: run.appendingPathComponent("dev.tsv").path) {
            assertFails(try Self.run(tool, arguments), 2, ["\(path): error:", "format version \(Checkpoint.formatVersion + 1) is newer than this tool (\(Checkpoint.formatVersion))"])
        }
    }

    func testResumeWithAnotherModelNamesTheDifferingFields() throws {
        let resume = try copyOfTrainedRun()
        let other = try Self.config(in: resume, model: #"{"kind": "textrnn", "cell": "lstm", "hidden_size": 6, "layers": 1, "bidirectional": false, "dropout": 0}"#,
                                    name: "other.json")
        assertFails(try Self.run("rnn-train", ["--resume", resume.appendingPathComponent("run").path, other.path]), 2,
                    ["other.json: error:", "model.cell", "model.hidden_size"])
        // The data the checkpoint's config names is gone: the message says the config came from the checkpoint.
        let own = try temporaryDirectory(self)
        XCTAssertEqual(try Self.run("rnn-train", [try Self.config(in: own).path]).status, 0)
        try FileManager.default.moveItem(at: own.appendingPathComponent("train.tsv"), to: own.appendingPathComponent("moved.tsv"))
        assertFails(try Self.run("rnn-train", ["--resume", own.appendingPathComponent("run").path]), 2,
                    ["last.ckpt: error: data.train: file not found", "(in the config stored in this checkpoint)"])
        // A checkpoint written by another tool setup (the same format, another model) is not mistaken for this run's.
        let foreign = Checkpoint(metadata: CheckpointMetadata(values: ["format": "something-else"]),
                                 tensors: [(name: "w", shape: [2], values: [1, 2])])
        let last = resume.appendingPathComponent("run/last.ckpt")
        try foreign.write(to: last.path)
        assertFails(try Self.run("rnn-train", ["--resume", resume.appendingPathComponent("run").path]), 2,
                    [last.path, "no training state"])
        for (tool, arguments) in readers(last.path, data: resume.appendingPathComponent("dev.tsv").path) {
            assertFails(try Self.run(tool, arguments), 2, ["\(last.path): error:", "not written by rnn-train"])
        }
    }

    func testAbsurdModelSizesAreRefusedBeforeAllocation() throws {
        let dir = try temporaryDirectory(self)
        let url = try Self.config(in: dir, model: #"{"kind": "textrnn", "cell": "lstm", "hidden_size": 1000000000, "layers": 1}"#)
        assertFails(try Self.run("rnn-train", [url.path]), 2, ["config.json: error:", "model.hidden_size", "too large"])
        let wide = try Self.config(in: dir, embedding: #"{"dim": 1099511627776}"#, name: "wide.json")
        assertFails(try Self.run("rnn-train", [wide.path]), 2, ["wide.json: error:", "embedding.dim", "too large"])
        let deep = try Self.config(in: dir, training: "", name: "deep.json")
        assertFails(try Self.run("rnn-train", [deep.path, "--set", "model.layers=1000000000"]), 2, ["deep.json: error:", "model.layers", "too large"])
        let rcnn = try Self.config(in: dir, model: #"{"kind": "textrcnn", "hidden_size": 8, "layers": 1, "rcnn_proj_size": 100000000000}"#, name: "rcnn.json")
        assertFails(try Self.run("rnn-train", [rcnn.path]), 2, ["rcnn.json: error:", "model.rcnn_proj_size", "too large"])
        // Checkpoints whose header describes a huge model: with a consistent checksum (anyone can
        // compute FNV-1a), only the size checks stand between the header and an allocation.
        let run = try trainedRun()
        let good = try Checkpoint.read(from: run.appendingPathComponent("run/last.ckpt").path)
        for (hidden, needle) in [(1 << 40, "too large"), (4000, "does not fit the model its header describes")] {
            var forged = good
            forged.metadata.values["config"] = good.metadata.values["config"]!
                .replacingOccurrences(of: #""hidden_size"\s*:\s*8(?=[,\s}])"#, with: #""hidden_size": \#(hidden)"#,
                                      options: .regularExpression)
            XCTAssertNotEqual(forged.metadata.values["config"], good.metadata.values["config"], "the config text changed form")
            let path = dir.appendingPathComponent("huge-\(hidden).ckpt").path
            try forged.write(to: path)
            for (tool, arguments) in readers(path, data: run.appendingPathComponent("dev.tsv").path) {
                assertFails(try Self.run(tool, arguments), 2, ["\(path): error:", needle])
            }
        }
    }

    // MARK: - Runtime
    // MARK: - Runtime

    func testOutputFolderThatCannotBeCreated() throws {
        let dir = try temporaryDirectory(self)
        _ = try Self.write("a regular file", to: dir, "blocker")
        let url = try Self.config(in: dir, output: #""blocker/run""#)
        assertFails(try Self.run("rnn-train", [url.path]), 1, [dir.appendingPathComponent("blocker/run").path + ": error: cannot create the run folder: Not a directory"])
        XCTAssertThrowsError(try Trainer.writeText("x", to: dir.appendingPathComponent("blocker/config.json").path)) { error in
            XCTAssertTrue("\(error)".contains("blocker/config.json: error: cannot write: "), "\(error)")
            XCTAssertFalse("\(error)".contains("NSCocoaErrorDomain"), "\(error)")
        }
        XCTAssertThrowsError(try EpochLog(path: dir.appendingPathComponent("blocker/log.csv").path).append(
            EpochRecord(epoch: 1, trainLoss: 1, learningRate: 1, gradientNorm: 1, seconds: 1))) { error in
            XCTAssertTrue("\(error)".contains("blocker/log.csv: error: cannot write the training log: "), "\(error)")
            XCTAssertFalse("\(error)".contains("NSCocoaErrorDomain"), "\(error)")
        }
    }

    func testInjectedDiskFullKeepsThePreviousCheckpoint() throws {
        let resume = try copyOfTrainedRun()
        let runDir = resume.appendingPathComponent("run")
        let last = runDir.appendingPathComponent("last.ckpt")
        let before = try Data(contentsOf: last)
        let run = try Self.run("rnn-train", ["--resume", runDir.path, "--set", "training.epochs=2"],
                               environment: ["RNN_TEST_CHECKPOINT_FAIL_AFTER_BYTES": "1000"])
        assertFails(run, 1, [runDir.path, ".ckpt: error: cannot write checkpoint", "disk full"])
        XCTAssertEqual(try Data(contentsOf: last), before, "last.ckpt must stay as it was")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: runDir.path).filter { $0.contains(".tmp-") }
        XCTAssertEqual(leftovers, [], "no temp file is left behind")
        XCTAssertNoThrow(try TrainedModel.load(checkpoint: last.path))
    }

    func testDiskFullOnATinyFilesystem() throws {
        let dir = try temporaryDirectory(self)
        let mountPoint = dir.appendingPathComponent("tiny")
        try FileManager.default.createDirectory(at: mountPoint, withIntermediateDirectories: true)
        let mount = Process()
        mount.executableURL = URL(fileURLWithPath: "/bin/mount")
        mount.arguments = ["-t", "tmpfs", "-o", "size=64k", "tmpfs", mountPoint.path]
        mount.standardError = FileHandle.nullDevice
        var mounted = false
        if FileManager.default.isExecutableFile(atPath: "/bin/mount") {
            try mount.run()
            mount.waitUntilExit()
            mounted = mount.terminationStatus == 0
        }
        try XCTSkipUnless(mounted, "cannot mount a 64 KB tmpfs here (needs root or CAP_SYS_ADMIN); the injected write failure row covers the writer")
        defer { _ = umount2(mountPoint.path, 2 /* MNT_DETACH */) }
        // A model whose checkpoint (weights and Adam moments) is larger than the filesystem.
        let url = try Self.config(in: dir, embedding: #"{"dim": 64}"#,
                                  model: #"{"kind": "textrnn", "cell": "lstm", "hidden_size": 32, "layers": 1, "bidirectional": false, "dropout": 0}"#,
                                  output: #""tiny/run""#)
        let run = try Self.run("rnn-train", [url.path])
        assertFails(run, 1, [mountPoint.path + "/run/", "disk full"])
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: mountPoint.appendingPathComponent("run").path)
            .filter { $0.contains(".tmp-") }
        XCTAssertEqual(leftovers, [], "no temp file is left behind")
    }

    /// Starts rnn-train on a long run, waits until training has begun, sends `signal`.
    func interrupt(with signal: Int32, expecting status: Int32, name: String) throws {
        let dir = try temporaryDirectory(self)
        let url = try Self.config(in: dir, training: #", "epochs": 500"#)
        let (process, input, _, error) = try Tools.start("rnn-train", [url.path])
        try? input.fileHandleForWriting.close()
        // Set-up is over once the "model:" line is out: the signal then lands in training.
        var said = Tools.read(error, until: "model:")
        Thread.sleep(forTimeInterval: 0.3)
        kill(process.processIdentifier, signal)
        said += String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .exit, said)
        XCTAssertEqual(process.terminationStatus, status, said)
        let runDir = dir.appendingPathComponent("run").path
        XCTAssertTrue(said.contains("\(name): stopped after epoch"), said)
        XCTAssertTrue(said.contains("Continue with: rnn-train --resume \(runDir)") || said.contains("continue with: rnn-train --resume \(runDir)"), said)
        XCTAssertNoThrow(try TrainedModel.load(checkpoint: runDir + "/last.ckpt"))
    }

    func testSIGTERMMidEpochCheckpointsAndSaysHowToResume() throws {
        try interrupt(with: SIGTERM, expecting: 143, name: "SIGTERM")
    }

    func testKillsAtRandomTimesNeverLeaveABrokenLastCheckpoint() throws {
        // No seam: SIGKILL at pseudo-random moments of runs that write a large-ish checkpoint every
        // few dozen milliseconds; whenever last.ckpt exists it must load.
        let dir = try temporaryDirectory(self)
        let url = try Self.config(in: dir, embedding: #"{"dim": 48}"#,
                                  model: #"{"kind": "textrnn", "cell": "lstm", "hidden_size": 48, "layers": 1, "bidirectional": false, "dropout": 0}"#,
                                  training: #", "epochs": 10000"#)
        let runDir = dir.appendingPathComponent("run")
        let last = runDir.appendingPathComponent("last.ckpt")
        var rng = RandomSource(seed: 11)
        var loaded = 0
        for round in 0..<4 {
            let resume = FileManager.default.fileExists(atPath: last.path)
            let (process, input, _, error) = try Tools.start("rnn-train", resume ? ["--resume", runDir.path] : [url.path, "--overwrite"])
            try? input.fileHandleForWriting.close()
            var said = ""
            let deadline = Date().addingTimeInterval(60)
            while !said.contains("model:") && Date() < deadline {
                let chunk = error.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                said += String(decoding: chunk, as: UTF8.self)
            }
            if round == 3 {
                // However slow the machine, the last round kills a run that has written checkpoints.
                while !FileManager.default.fileExists(atPath: last.path) && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
            }
            Thread.sleep(forTimeInterval: Double(rng.uniform(0.1, 0.4)))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            XCTAssertEqual(process.terminationReason, .uncaughtSignal, said)
            if FileManager.default.fileExists(atPath: last.path) {
                XCTAssertNoThrow(try TrainedModel.load(checkpoint: last.path))
                loaded += 1
            }
        }
        XCTAssertGreaterThan(loaded, 0, "no checkpoint was ever written: the kills came too early to test anything")
    }

    func testKillDuringACheckpointWriteKeepsThePreviousOne() throws {
        let resume = try copyOfTrainedRun()
        let runDir = resume.appendingPathComponent("run")
        let last = runDir.appendingPathComponent("last.ckpt")
        let before = try Data(contentsOf: last)
        let process = Process()
        process.executableURL = Tools.url("rnn-train")
        process.arguments = ["--resume", runDir.path, "--set", "training.epochs=2"]
        process.environment = ProcessInfo.processInfo.environment.merging(["RNN_TEST_CHECKPOINT_PAUSE": "last.ckpt"]) { $1 }
        let error = Pipe()
        process.standardError = error
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        var said = ""
        let deadline = Date().addingTimeInterval(60)
        while !said.contains("rnn-test: paused writing last.ckpt") && Date() < deadline {
            let chunk = error.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            said += String(decoding: chunk, as: UTF8.self)
        }
        XCTAssertTrue(said.contains("rnn-test: paused writing last.ckpt"), said)
        // The new checkpoint is complete in its temp file; the old one is still in place.
        let temps = try FileManager.default.contentsOfDirectory(atPath: runDir.path).filter { $0.hasPrefix(".last.ckpt.tmp-") }
        XCTAssertEqual(temps.count, 1, "\(temps)")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal)
        XCTAssertEqual(try Data(contentsOf: last), before, "last.ckpt must be the previous checkpoint, whole")
        XCTAssertNoThrow(try TrainedModel.load(checkpoint: last.path))
        // Resuming after the kill works and leaves no temp file behind.
        let again = try Self.run("rnn-train", ["--resume", runDir.path, "--set", "training.epochs=2"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stderr.contains("resuming"), again.stderr)
        let left = try FileManager.default.contentsOfDirectory(atPath: runDir.path).filter { $0.contains(".tmp-") }
        XCTAssertEqual(left, [], "stale temp files of the killed run are removed")
    }
}
