import Foundation
import XCTest
@testable import RNNKit

/// Rows of the "Checkpoints" section of docs/RELIABILITY.md.
extension BadInputMatrixTests {
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
}
