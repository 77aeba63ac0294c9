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
}
