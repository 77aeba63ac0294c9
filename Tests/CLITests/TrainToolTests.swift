import Foundation
import XCTest
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import RNNKit

/// rnn-train as users run it: exit codes, messages, files, signals.
final class TrainToolTests: XCTestCase {
    /// A tiny config over a synthetic corpus; `extra` is spliced into "training".
    static func writeConfig(in dir: URL, epochs: Int = 2, extraTraining: String = "", model: String? = nil) throws -> URL {
        _ = try writeSyntheticCorpus(to: dir, name: "train.tsv", lines: 300, seed: 1)
        _ = try writeSyntheticCorpus(to: dir, name: "dev.tsv", lines: 90, seed: 2)
        let modelJSON = model ?? #"{"kind": "textrnn", "cell": "gru", "hidden_size": 16, "layers": 1, "bidirectional": true, "dropout": 0.1}"#
        let json = """
            {"data": {"train": "train.tsv", "dev": "dev.tsv"},
             "embedding": {"dim": 12},
             "model": \(modelJSON),
             "training": {"epochs": \(epochs), "batch_size": 16, "lr": 0.01, "seed": 3\(extraTraining)},
             "output": {"dir": "run"}}
            """
        let url = dir.appendingPathComponent("config.json")
        try json.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    func testHelpAndUsageErrors() throws {
        let help = try Tools.run("rnn-train", ["--help"])
        XCTAssertEqual(help.status, 0)
        for section in ["OVERVIEW", "USAGE", "OPTIONS", "--resume", "--set"] { XCTAssertTrue(help.stdout.contains(section), section) }
        let unknown = try Tools.run("rnn-train", ["--resum", "x"])
        XCTAssertEqual(unknown.status, 2)
        XCTAssertTrue(unknown.stderr.contains("--resume"), unknown.stderr)
        let none = try Tools.run("rnn-train", [])
        XCTAssertEqual(none.status, 2)
    }

    func testBadConfigNamesFileAndField() throws {
        let dir = try temporaryDirectory(self)
        let config = try Self.writeConfig(in: dir, extraTraining: #", "clip_norm": "fast""#)
        let run = try Tools.run("rnn-train", [config.path])
        XCTAssertEqual(run.status, 2)
        XCTAssertTrue(run.stderr.contains("config.json"), run.stderr)
        XCTAssertTrue(run.stderr.contains("training.clip_norm"), run.stderr)
        XCTAssertFalse(run.stderr.contains("Fatal error"), run.stderr)
    }

    func testPrintConfigShowsDefaultsAndOverrides() throws {
        let dir = try temporaryDirectory(self)
        let config = try Self.writeConfig(in: dir)
        let run = try Tools.run("rnn-train", ["--print-config", config.path, "--set", "training.lr=0.5"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("0.5"), run.stdout)
        XCTAssertTrue(run.stdout.contains("label_smoothing"), "defaults are filled: \(run.stdout)")
    }

    /// `training.eval_every`: the evaluations inside epochs land in steps.csv and in the report's dots and table.
    func testEvalEveryWritesStepsCsvAndReportDots() throws {
        let dir = try temporaryDirectory(self)
        let config = try Self.writeConfig(in: dir, epochs: 2)
        let run = try Tools.run("rnn-train", [config.path, "--set", "training.eval_every=2", "--set", "training.batch_size=8"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let runDir = dir.appendingPathComponent("run")
        let csv = try String(contentsOf: runDir.appendingPathComponent("steps.csv"), encoding: .utf8)
        let steps = StepEvaluation.records(csv: csv)
        XCTAssertFalse(steps.isEmpty, csv)
        XCTAssertEqual(steps.map(\.step), steps.map(\.step).sorted())
        XCTAssertTrue(steps.allSatisfy { $0.step % 2 == 0 && $0.devMetrics["accuracy"] != nil }, csv)
        let page = try XMLDocument(data: try Data(contentsOf: runDir.appendingPathComponent("report.html")), options: [])
        XCTAssertEqual(try page.nodes(forXPath: "//table[@class='steps']/tbody/tr").count, steps.count)
        XCTAssertEqual(try page.nodes(forXPath: "//*[@data-series='accuracy every 2 steps']/*[local-name()='circle']").count, steps.count)
    }

    func testTrainsWritesCheckpointsLogAndRefusesToClobber() throws {
        let dir = try temporaryDirectory(self)
        let config = try Self.writeConfig(in: dir, epochs: 3)
        let run = try Tools.run("rnn-train", [config.path, "--threads", "2"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let runDir = dir.appendingPathComponent("run")
        for name in ["last.ckpt", "best.ckpt", "log.csv", "config.json", "report.html"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: runDir.appendingPathComponent(name).path), name)
        }
        // The report is rewritten after every epoch: it shows all three, as well-formed XHTML.
        let report = try Data(contentsOf: runDir.appendingPathComponent("report.html"))
        let page = try XMLDocument(data: report, options: [])
        XCTAssertEqual(try page.nodes(forXPath: "//tr[contains(@class, 'epoch')]").count, 3)
        let log = try String(contentsOf: runDir.appendingPathComponent("log.csv"), encoding: .utf8)
        let rows = log.split(separator: "\n")
        XCTAssertEqual(rows.count, 4, log)
        XCTAssertEqual(String(rows[0]), "epoch,train_loss,dev_loss,dev_accuracy,dev_macro_f1,learning_rate,grad_norm,seconds")
        XCTAssertTrue(run.stdout.contains("best.ckpt"), run.stdout)
        // The synthetic task is easy: the best dev accuracy must be far above chance (1/3).
        let best = rows.dropFirst().compactMap { Double($0.split(separator: ",", omittingEmptySubsequences: false)[3]) }.max() ?? 0
        XCTAssertGreaterThan(best, 0.8, log)
        // A second run in the same folder must not silently destroy the first.
        let again = try Tools.run("rnn-train", [config.path])
        XCTAssertEqual(again.status, 2)
        XCTAssertTrue(again.stderr.contains("--resume"), again.stderr)
    }

    func testSigintWritesCheckpointAndResumeFinishes() throws {
        let dir = try temporaryDirectory(self)
        // Enough work that the signal lands mid-run.
        let config = try Self.writeConfig(in: dir, epochs: 200)
        let (process, input, _, error) = try Tools.start("rnn-train", [config.path])
        try? input.fileHandleForWriting.close()
        // Wait for set-up to finish (the "model:" line), then interrupt.
        // Set-up is over once the "model:" line is out: the signal then lands in training.
        var said = Tools.read(error, until: "model:")
        XCTAssertTrue(said.contains("model:"), said)
        Thread.sleep(forTimeInterval: 0.3)
        process.interrupt()
        let rest = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        said += String(decoding: rest, as: UTF8.self)
        XCTAssertEqual(process.terminationStatus, 130, said)
        XCTAssertTrue(said.contains("--resume"), said)
        let last = dir.appendingPathComponent("run/last.ckpt").path
        let (_, checkpoint) = try TrainedModel.load(checkpoint: last)
        let progress = try XCTUnwrap(try TrainingProgress.saved(in: checkpoint, path: last))
        XCTAssertGreaterThan(progress.step, 0)
        XCTAssertLessThan(progress.epochsDone, 200)
        // Resume, with fewer epochs so it ends soon.
        let resumed = try Tools.run("rnn-train", ["--resume", dir.appendingPathComponent("run").path,
                                                  "--set", "training.epochs=\(progress.epochsDone + 1)"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("resuming"), resumed.stderr)
    }

    func testResumeRefusesAChangedModel() throws {
        let dir = try temporaryDirectory(self)
        let config = try Self.writeConfig(in: dir, epochs: 1)
        XCTAssertEqual(try Tools.run("rnn-train", [config.path]).status, 0)
        let run = try Tools.run("rnn-train", ["--resume", dir.appendingPathComponent("run").path,
                                              "--set", "model.hidden_size=32", "--set", "training.epochs=2"])
        XCTAssertEqual(run.status, 2)
        XCTAssertTrue(run.stderr.contains("model.hidden_size"), run.stderr)
    }

    func testNaNLossStopsAndKeepsTheLastGoodCheckpoint() throws {
        let dir = try temporaryDirectory(self)
        let config = try Self.writeConfig(in: dir, epochs: 1, extraTraining: #", "optimizer": "sgd", "clip_norm": 0"#)
        XCTAssertEqual(try Tools.run("rnn-train", [config.path]).status, 0)
        let last = dir.appendingPathComponent("run/last.ckpt")
        let before = try Data(contentsOf: last)
        let run = try Tools.run("rnn-train", ["--resume", dir.appendingPathComponent("run").path,
                                              "--set", "training.epochs=3", "--set", "training.lr=1e38"])
        XCTAssertEqual(run.status, 1, run.stderr)
        XCTAssertTrue(run.stderr.contains("loss became") || run.stderr.contains("gradient norm became"), run.stderr)
        XCTAssertTrue(run.stderr.contains("is kept as it was"), run.stderr)
        XCTAssertEqual(try Data(contentsOf: last), before, "the last good checkpoint must stay as it was")
    }
}
