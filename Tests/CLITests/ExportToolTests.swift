import Foundation
import XCTest
@testable import RNNKit

/// rnn-export end to end, the export folder through the real rnn-predict and rnn-eval, and the
/// reader's located errors (exit 2) on corrupted model.safetensors files.
final class ExportToolTests: XCTestCase {
    nonisolated(unsafe) static var shared: (folder: URL, checkpoint: String)?

    /// A checkpoint trained once per test process (2 epochs of the synthetic corpus), shared with
    /// EvalReportToolTests and SafeTensorsPythonTests; removed when the process exits.
    static func trainedCheckpoint() throws -> (folder: URL, checkpoint: String) {
        if let shared { return shared }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rnn-export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        atexit { if let folder = ExportToolTests.shared?.folder { try? FileManager.default.removeItem(at: folder) } }
        let config = try TrainToolTests.writeConfig(in: dir, epochs: 2)
        let run = try Tools.run("rnn-train", [config.path])
        guard run.status == 0 else { throw RNNError.runtime("rnn-train failed: \(run.stderr)") }
        shared = (dir, dir.appendingPathComponent("run/last.ckpt").path)
        return shared!
    }

    static let input = "天甲地\n乙\n\n丙丙丙 天 地 玄 黄\n未见过的字\n"

    func testHelpAndUsageErrors() throws {
        let help = try Tools.run("rnn-export", ["--help"])
        XCTAssertEqual(help.status, 0)
        for part in ["OVERVIEW", "USAGE", "rnn-export CHECKPOINT OUT_DIR", "--overwrite", "model.safetensors"] {
            XCTAssertTrue(help.stdout.contains(part), part)
        }
        for arguments in [[], ["only-one"], ["a", "b", "c"], ["a", "b", "--overwrit"]] {
            let run = try Tools.run("rnn-export", arguments)
            XCTAssertEqual(run.status, 2, "\(arguments): \(run.stderr)")
            XCTAssertTrue(run.stderr.contains("rnn-export --help"), run.stderr)
        }
        let dir = try temporaryDirectory(self)
        let missing = try Tools.run("rnn-export", [dir.appendingPathComponent("none.ckpt").path, dir.appendingPathComponent("out").path])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("none.ckpt"), missing.stderr)
    }

    func testFolderPredictsAndScoresExactlyLikeTheCheckpoint() throws {
        let (_, checkpoint) = try Self.trainedCheckpoint()
        let dir = try temporaryDirectory(self)
        let out = dir.appendingPathComponent("export").path
        let export = try Tools.run("rnn-export", [checkpoint, out])
        XCTAssertEqual(export.status, 0, export.stderr)
        XCTAssertEqual(export.stdout, "", "results only: nothing to print")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["export"], "no temp folder left")
        // Same output, option by option, from the checkpoint file and from the folder.
        for options in [[], ["--top-k", "2", "--probs"], ["--json", "--probs"], ["--logits"], ["--logits", "--json"]] {
            let a = try Tools.run("rnn-predict", [checkpoint] + options, stdin: Self.input)
            let b = try Tools.run("rnn-predict", [out] + options, stdin: Self.input)
            XCTAssertEqual(a.status, 0, a.stderr)
            XCTAssertEqual(b.status, 0, b.stderr)
            XCTAssertEqual(b.stdout, a.stdout, "\(options)")
            XCTAssertEqual(b.stdout.split(separator: "\n", omittingEmptySubsequences: false).count, 6)
        }
        let data = Self.shared!.folder.appendingPathComponent("dev.tsv").path
        let evalA = try Tools.run("rnn-eval", [checkpoint, data, "--json"])
        let evalB = try Tools.run("rnn-eval", [out, data, "--json"])
        XCTAssertEqual(evalA.status, 0, evalA.stderr)
        XCTAssertEqual(evalB.stdout, evalA.stdout)
        // The export of an export is the same folder, byte for byte.
        let again = dir.appendingPathComponent("again").path
        XCTAssertEqual(try Tools.run("rnn-export", [out, again]).status, 0)
        for name in [ExportFolder.weightsFile, ExportFolder.configFile, ExportFolder.vocabularyFile] {
            XCTAssertEqual(FileManager.default.contents(atPath: again + "/" + name), FileManager.default.contents(atPath: out + "/" + name), name)
        }
    }

    /// Models with the n-gram bag (fasttext, the experts of a wide model): the table is no
    /// Parameter but a weight all the same, so the folder holds it and predicts as the checkpoint.
    /// (Without it the folder was written and then refused by rnn-predict as too short.)
    func testBagModelsExportTheirTable() throws {
        let models = [
            #"{"kind": "fasttext", "ngrams": {"buckets": 500, "dim": 6, "word_ngrams": 2}}"#,
            #"{"kind": "textrnn", "cell": "gru", "hidden_size": 8, "pooling": "max", "wide": true, "wide_combine": "experts", "ngrams": {"buckets": 500, "dim": 6}}"#,
        ]
        for model in models {
            let dir = try temporaryDirectory(self)
            let config = try TrainToolTests.writeConfig(in: dir, epochs: 1, model: model)
            let trained = try Tools.run("rnn-train", [config.path])
            XCTAssertEqual(trained.status, 0, trained.stderr)
            let checkpoint = dir.appendingPathComponent("run/last.ckpt").path, out = dir.appendingPathComponent("export").path
            let export = try Tools.run("rnn-export", [checkpoint, out])
            XCTAssertEqual(export.status, 0, export.stderr)
            let tensors = try SafeTensors.read(from: out + "/" + ExportFolder.weightsFile).tensors.map(\.name)
            XCTAssertTrue(tensors.contains("bag.weight"), "\(tensors)")
            let a = try Tools.run("rnn-predict", [checkpoint, "--logits"], stdin: Self.input)
            let b = try Tools.run("rnn-predict", [out, "--logits"], stdin: Self.input)
            XCTAssertEqual(b.status, 0, b.stderr)
            XCTAssertEqual(b.stdout, a.stdout, model)
        }
    }

    func testLogitsGiveTheProbabilitiesBySoftmax() throws {
        let (_, checkpoint) = try Self.trainedCheckpoint()
        let logits = try Tools.run("rnn-predict", [checkpoint, "--logits"], stdin: Self.input)
        let probs = try Tools.run("rnn-predict", [checkpoint, "--probs"], stdin: Self.input)
        XCTAssertEqual(logits.status, 0, logits.stderr)
        for (l, p) in zip(logits.stdout.split(separator: "\n"), probs.stdout.split(separator: "\n")) {
            let lf = l.split(separator: "\t"), pf = p.split(separator: "\t")
            XCTAssertEqual(lf[0], pf[0], "same label")
            let z = lf.dropFirst().map { Double($0)! }
            XCTAssertEqual(z.count, 3)
            let m = z.max()!, total = z.reduce(0) { $0 + exp($1 - m) }
            let expected = z.map { exp($0 - m) / total }
            let printed = pf.dropFirst(2).map { Double($0.split(separator: "=")[1])! }
            for (a, b) in zip(expected, printed) { XCTAssertEqual(a, b, accuracy: 2e-6) }
        }
    }

    func testOverwriteRules() throws {
        let (_, checkpoint) = try Self.trainedCheckpoint()
        let dir = try temporaryDirectory(self)
        let out = dir.appendingPathComponent("o").path
        XCTAssertEqual(try Tools.run("rnn-export", [checkpoint, out]).status, 0)
        try "keep".write(toFile: out + "/notes.txt", atomically: true, encoding: .utf8)
        let refused = try Tools.run("rnn-export", [checkpoint, out])
        XCTAssertEqual(refused.status, 2)
        XCTAssertTrue(refused.stderr.contains("--overwrite"), refused.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/notes.txt"))
        let replaced = try Tools.run("rnn-export", [checkpoint, out, "--overwrite"])
        XCTAssertEqual(replaced.status, 0, replaced.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/notes.txt"), "the old folder is replaced whole")
    }

    // MARK: Corrupted model.safetensors through the real rnn-predict

    /// One header entry; the file is rebuilt from a list of them, so each corruption is one edit.
    struct Entry { var name: String; var dtype = "F32"; var shape: [Int]; var begin: Int; var end: Int }

    static func build(_ entries: [Entry], data: [UInt8], raw: ((String) -> String)? = nil) -> [UInt8] {
        var header = "{\"__metadata__\":{\"format\":\"pt\"}" + entries.map {
            ",\"\($0.name)\":{\"dtype\":\"\($0.dtype)\",\"shape\":[\($0.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\($0.begin),\($0.end)]}"
        }.joined() + "}"
        if let raw { header = raw(header) }
        var h = Array(header.utf8)
        h += [UInt8](repeating: 0x20, count: (8 - h.count % 8) % 8)
        return withUnsafeBytes(of: UInt64(h.count).littleEndian) { Array($0) } + h + data
    }

    func testCorruptWeightFilesExitTwoWithALocatedError() throws {
        let (_, checkpoint) = try Self.trainedCheckpoint()
        let dir = try temporaryDirectory(self)
        let good = dir.appendingPathComponent("good").path
        XCTAssertEqual(try Tools.run("rnn-export", [checkpoint, good]).status, 0)
        let bytes = [UInt8](FileManager.default.contents(atPath: good + "/model.safetensors")!)
        let (tensors, _) = try SafeTensors.decode(bytes, path: "good")
        var entries: [Entry] = [], offset = 0
        for t in tensors { entries.append(Entry(name: t.name, shape: t.shape, begin: offset, end: offset + 4 * t.values.count)); offset += 4 * t.values.count }
        let data = Array(bytes.suffix(offset))
        XCTAssertEqual(Self.build(entries, data: data), bytes, "the rebuild reproduces the exported file")
        let last = entries.count - 1, lastName = entries[last].name, secondName = entries[1].name

        var cases: [(String, [UInt8], String, String?)] = []
        cases.append(("truncated", Array(bytes.dropLast(10)), "outside the data", lastName))
        cases.append(("truncated header", Array(bytes.prefix(40)), "runs past the end", nil))
        cases.append(("huge header length", [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F] + bytes.dropFirst(8), "over the format's limit", nil))
        var e = entries; e[1].begin -= 4; e[1].end -= 4
        cases.append(("overlapping", Self.build(e, data: data), "overlap tensor", secondName))
        e = entries; e[last].begin += 4; e[last].end += 4
        cases.append(("gap", Self.build(e, data: data + [0, 0, 0, 0]), "gap of 4 bytes", lastName))
        e = entries; e[last].end += 4
        cases.append(("out of range", Self.build(e, data: data), "outside the data", lastName))
        cases.append(("trailing bytes", bytes + [1, 2, 3, 4], "no tensor claims", nil))
        e = entries; e.append(entries[1])
        cases.append(("duplicate key", Self.build(e, data: data), "duplicate key", secondName))
        e = entries; e[0].dtype = "F16"; e[0].end = e[0].begin + (e[0].end - e[0].begin) / 2
        cases.append(("wrong dtype", Self.build(e, data: data), "dtype F16", entries[0].name))
        cases.append(("bad JSON", Self.build(entries, data: data) { $0.replacingOccurrences(of: "\"shape\":[", with: "\"shape\":[,") }, "not valid JSON", nil))
        var nonUTF8 = Self.build(entries, data: data) { $0.replacingOccurrences(of: "\"format\"", with: "\"form@t\"") }
        nonUTF8[nonUTF8[8...].firstIndex(of: UInt8(ascii: "@"))!] = 0xFF
        cases.append(("non-UTF-8", nonUTF8, "not valid UTF-8", nil))

        for (what, corrupt, fragment, field) in cases {
            let folder = dir.appendingPathComponent(what.replacingOccurrences(of: " ", with: "-")).path
            try FileManager.default.copyItem(atPath: good, toPath: folder)
            try Data(corrupt).write(to: URL(fileURLWithPath: folder + "/model.safetensors"))
            let run = try Tools.run("rnn-predict", [folder], stdin: "天甲地\n")
            XCTAssertEqual(run.status, 2, "\(what): \(run.stderr)")
            XCTAssertEqual(run.stdout, "", what)
            XCTAssertTrue(run.stderr.hasPrefix("rnn-predict: \(folder)/model.safetensors: error: "), "\(what): \(run.stderr)")
            XCTAssertTrue(run.stderr.contains(fragment), "\(what): \(run.stderr) lacks \(fragment)")
            if let field { XCTAssertTrue(run.stderr.contains("error: \(field): "), "\(what): \(run.stderr) names no \(field)") }
            XCTAssertEqual(run.stderr.split(separator: "\n").count, 1, "one line, no stack trace: \(run.stderr)")
        }
    }
}
