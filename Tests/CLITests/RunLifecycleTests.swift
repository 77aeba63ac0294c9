import Foundation
import XCTest
@testable import RNNKit

/// The run folder's life through the real `rnn-train`: resume after changes, two runs in one
/// folder, folders that are not runs, checkpoints from elsewhere, no dev set, resume arguments,
/// a stop at an epoch's last batch (issue 18, items 1, 5, 6, 7, 9, 12, 13; docs/RELIABILITY.md,
/// "Run lifecycle"). The corpus has 300 lines and batches of 16: 19 batches per epoch.
/// The package root (this file is Tests/CLITests/RunLifecycleTests.swift).
enum PackageRoot {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}

final class RunLifecycleTests: XCTestCase {
    static let batchesPerEpoch = 19

    func run(_ arguments: [String], stopAfterStep: Int? = nil, directory: URL? = nil) throws -> ToolRun {
        let environment = stopAfterStep.map { ["RNN_TEST_STOP_AFTER_STEP": String($0)] } ?? [:]
        let run = try Tools.run("rnn-train", arguments, directory: directory, environment: environment)
        XCTAssertEqual(run.reason, .exit, "rnn-train died of signal \(run.status): \(run.stderr)")
        for marker in BadInputMatrixTests.crashMarkers { XCTAssertFalse(run.stderr.contains(marker), run.stderr) }
        return run
    }

    func rows(_ runDir: URL) throws -> [[String]] {
        try String(contentsOf: runDir.appendingPathComponent("log.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    func storedConfig(_ checkpoint: URL) throws -> RunConfig {
        let (trained, _) = try TrainedModel.load(checkpoint: checkpoint.path)
        return trained.config
    }

    // MARK: Item 1: a changed batch size mid-epoch

    func testMidEpochResumeWithAnotherBatchSizeFinishesTheEpochWithItsOwn() throws {
        let dir = try temporaryDirectory(self)
        let config = try TrainToolTests.writeConfig(in: dir, epochs: 4)
        // Reference: two uninterrupted epochs.
        XCTAssertEqual(try run([config.path, "--set", "training.epochs=2", "--set", #"output.dir="reference""#]).status, 0)
        let reference = try rows(dir.appendingPathComponent("reference"))
        // Stopped in epoch 2 at batch 6, resumed with batch size 500 (one batch per epoch).
        let stopped = try run([config.path], stopAfterStep: Self.batchesPerEpoch + 6)
        XCTAssertEqual(stopped.status, 130, stopped.stderr)
        let runDir = dir.appendingPathComponent("run")
        let resumed = try run(["--resume", runDir.path, "--set", "training.batch_size=500"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("epoch 2 continues with its batch size 16"), resumed.stderr)
        let log = try rows(runDir)
        XCTAssertEqual(log.map { $0[0] }, ["1", "2", "3", "4"])
        // Epoch 2 saw every example with batches of 16, exactly as without the stop.
        XCTAssertEqual(Array(log[1][0...4]), Array(reference[1][0...4]), "epoch 2 differs from the uninterrupted run")
    }

    /// A mid-epoch checkpoint of the former version has no `epochBatchSize`: the batch size in
    /// its stored config is the epoch's. (Checked: ignoring that fallback fails this test.)
    func testAnOlderMidEpochCheckpointFinishesItsEpochWithItsStoredBatchSize() throws {
        let dir = try temporaryDirectory(self)
        let config = try TrainToolTests.writeConfig(in: dir, epochs: 2)
        XCTAssertEqual(try run([config.path, "--set", #"output.dir="reference""#]).status, 0)
        XCTAssertEqual(try run([config.path], stopAfterStep: 5).status, 130)
        let last = dir.appendingPathComponent("run/last.ckpt")
        var checkpoint = try Checkpoint.read(from: last.path)
        var progress = try XCTUnwrap(TrainingProgress.saved(in: checkpoint, path: last.path))
        XCTAssertEqual(progress.epochBatchSize, 16)
        progress.epochBatchSize = nil
        progress.epochSecondsBefore = nil
        checkpoint.metadata.values["progress"] = String(decoding: try JSONEncoder().encode(progress), as: UTF8.self)
        checkpoint.metadata.values["run_identity"] = nil
        try checkpoint.write(to: last.path)
        let resumed = try run(["--resume", dir.appendingPathComponent("run").path, "--set", "training.batch_size=40"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("older version"), resumed.stderr)
        XCTAssertEqual(Array(try rows(dir.appendingPathComponent("run"))[0][0...4]),
                       Array(try rows(dir.appendingPathComponent("reference"))[0][0...4]))
    }

    /// A checkpoint written by the former version (the fuzz seed) resumes; its data file is
    /// recreated at the absolute path its stored config names.
    func testACheckpointOfTheFormerVersionResumes() throws {
        let seed = PackageRoot.root.appendingPathComponent("fuzz/corpus/checkpoint/gru-last.ckpt")
        let dataPath = try storedConfig(seed).data.train
        let fm = FileManager.default
        if !fm.fileExists(atPath: dataPath) {
            let folder = (dataPath as NSString).deletingLastPathComponent
            if !fm.fileExists(atPath: folder) {
                try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
                addTeardownBlock { try? fm.removeItem(atPath: folder) }
            }
            let lines = (0..<40).map { i in (i % 2 == 0 ? "good fine nice \(i)\tpos" : "bad awful poor \(i)\tneg") }
            try (lines.joined(separator: "\n") + "\n").write(toFile: dataPath, atomically: true, encoding: .utf8)
            addTeardownBlock { try? fm.removeItem(atPath: dataPath) }
        }
        let runDir = try temporaryDirectory(self).appendingPathComponent("old")
        try fm.createDirectory(at: runDir, withIntermediateDirectories: true)
        try fm.copyItem(at: seed, to: runDir.appendingPathComponent("last.ckpt"))
        let resumed = try run(["--resume", runDir.path, "--set", "training.epochs=2"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("resuming") && resumed.stderr.contains("older version"), resumed.stderr)
        XCTAssertEqual(try rows(runDir).map { $0[0] }, ["2"])
    }

    // MARK: Item 5: one run per folder

    func testASecondRunInTheSameFolderIsRefusedNamingTheHolder() throws {
        let dir = try temporaryDirectory(self)
        let config = try TrainToolTests.writeConfig(in: dir, epochs: 500)
        let (first, input, _, error) = try Tools.start("rnn-train", [config.path])
        try? input.fileHandleForWriting.close()
        let said = Tools.read(error, until: "model:")
        XCTAssertTrue(said.contains("model:"), said)
        let second = try run([config.path, "--set", "training.seed=9", "--set", "training.epochs=1"])
        first.interrupt()
        _ = error.fileHandleForReading.readDataToEndOfFile()
        first.waitUntilExit()
        XCTAssertEqual(second.status, 2, second.stderr)
        XCTAssertTrue(second.stderr.contains("in use by another rnn-train (PID \(first.processIdentifier))"), second.stderr)
        XCTAssertEqual(first.terminationStatus, 130)
        // A lock left by a process that is gone (kill -9, power loss) is taken over, with a warning.
        let runDir = dir.appendingPathComponent("run")
        try "999999999\n".write(to: runDir.appendingPathComponent("run.lock"), atomically: true, encoding: .utf8)
        let restarted = try run([config.path, "--overwrite", "--set", "training.epochs=1"])
        XCTAssertEqual(restarted.status, 0, restarted.stderr)
        XCTAssertTrue(restarted.stderr.contains("PID 999999999"), restarted.stderr)
        XCTAssertEqual(try String(contentsOf: runDir.appendingPathComponent("run.lock"), encoding: .utf8), "", "released at exit")
    }

    // MARK: Item 6: files the tool did not write

    func testAFolderThatIsNotARunIsNeverClobbered() throws {
        let dir = try temporaryDirectory(self)
        _ = try TrainToolTests.writeConfig(in: dir, epochs: 1)
        try "my own settings\n".write(to: dir.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        try "my own log\n".write(to: dir.appendingPathComponent("log.csv"), atomically: true, encoding: .utf8)
        let json = #"{"data": {"train": "train.tsv", "dev": "dev.tsv"}, "embedding": {"dim": 8}, "model": {"cell": "gru", "hidden_size": 8, "layers": 1}, "training": {"epochs": 1, "batch_size": 16}, "output": {"dir": "."}}"#
        let mine = dir.appendingPathComponent("mine.json")
        try json.write(to: mine, atomically: true, encoding: .utf8)
        for extra in [[], ["--overwrite"]] {
            let refused = try run([mine.path] + extra)
            XCTAssertEqual(refused.status, 2, refused.stderr)
            XCTAssertTrue(refused.stderr.contains("not a run folder"), refused.stderr)
            XCTAssertTrue(refused.stderr.contains("config.json") && refused.stderr.contains("log.csv"), refused.stderr)
        }
        XCTAssertEqual(try String(contentsOf: dir.appendingPathComponent("config.json"), encoding: .utf8), "my own settings\n")
        XCTAssertEqual(try String(contentsOf: dir.appendingPathComponent("log.csv"), encoding: .utf8), "my own log\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("run.lock").path))
    }

    // MARK: Item 7: the checkpoint and the data must be this run's

    func testResumeRefusesAnotherRunsCheckpointAndChangedData() throws {
        let dir = try temporaryDirectory(self)
        let config = try TrainToolTests.writeConfig(in: dir, epochs: 1)
        XCTAssertEqual(try run([config.path]).status, 0)
        XCTAssertEqual(try run([config.path, "--set", #"output.dir="other""#, "--set", "model.cell=lstm",
                               "--set", "model.hidden_size=6"]).status, 0)
        let runDir = dir.appendingPathComponent("run")
        let before = try ["config.json", "log.csv"].map { try Data(contentsOf: runDir.appendingPathComponent($0)) }
        try FileManager.default.removeItem(at: runDir.appendingPathComponent("last.ckpt"))
        try FileManager.default.copyItem(at: dir.appendingPathComponent("other/last.ckpt"), to: runDir.appendingPathComponent("last.ckpt"))
        let foreign = try run(["--resume", runDir.path, "--set", "training.epochs=2"])
        XCTAssertEqual(foreign.status, 2, foreign.stderr)
        XCTAssertTrue(foreign.stderr.contains("does not belong to this run folder"), foreign.stderr)
        XCTAssertTrue(foreign.stderr.contains("model.cell") && foreign.stderr.contains("model.hidden_size"), foreign.stderr)
        XCTAssertEqual(try ["config.json", "log.csv"].map { try Data(contentsOf: runDir.appendingPathComponent($0)) }, before)

        // The run's own checkpoint again, but the training file has changed since the run started.
        try FileManager.default.removeItem(at: runDir.appendingPathComponent("last.ckpt"))
        try FileManager.default.copyItem(at: runDir.appendingPathComponent("best.ckpt"), to: runDir.appendingPathComponent("last.ckpt"))
        let train = dir.appendingPathComponent("train.tsv")
        let lines = try String(contentsOf: train, encoding: .utf8).split(separator: "\n")
        try (lines.dropLast(40).joined(separator: "\n") + "\n").write(to: train, atomically: true, encoding: .utf8)
        let changed = try run(["--resume", runDir.path, "--set", "training.epochs=2"])
        XCTAssertEqual(changed.status, 2, changed.stderr)
        XCTAssertTrue(changed.stderr.contains("data.train") && changed.stderr.contains("changed since the run started"), changed.stderr)
        let accepted = try run(["--resume", runDir.path, "--set", "training.epochs=2", "--allow-changed-data"])
        XCTAssertEqual(accepted.status, 0, accepted.stderr)
        XCTAssertTrue(accepted.stderr.contains("warning: data.train changed since the run started"), accepted.stderr)
    }

    /// A mid-epoch stop, then a shorter training file: the epoch cannot go on where it stopped.
    func testMidEpochResumeOnAShorterTrainingFileRestartsTheEpochWhenAccepted() throws {
        let dir = try temporaryDirectory(self)
        let config = try TrainToolTests.writeConfig(in: dir, epochs: 2)
        XCTAssertEqual(try run([config.path], stopAfterStep: 15).status, 130)
        let train = dir.appendingPathComponent("train.tsv")
        let lines = try String(contentsOf: train, encoding: .utf8).split(separator: "\n")
        try (lines.prefix(100).joined(separator: "\n") + "\n").write(to: train, atomically: true, encoding: .utf8)
        let runDir = dir.appendingPathComponent("run")
        XCTAssertEqual(try run(["--resume", runDir.path]).status, 2)
        let accepted = try run(["--resume", runDir.path, "--allow-changed-data"])
        XCTAssertEqual(accepted.status, 0, accepted.stderr)
        XCTAssertTrue(accepted.stderr.contains("epoch 1 starts again from its first batch"), accepted.stderr)
        XCTAssertEqual(try rows(runDir).map { $0[0] }, ["1", "2"])
    }

    // MARK: Item 9: no dev set

    func testWithoutADevSetTheRunSaysSoAndEarlyStoppingIsAnError() throws {
        let dir = try temporaryDirectory(self)
        let config = try TrainToolTests.writeConfig(in: dir, epochs: 2)
        let plain = try run([config.path, "--set", "data.dev=null"])
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertTrue(plain.stderr.contains("no dev set"), plain.stderr)
        XCTAssertTrue(plain.stdout.hasPrefix("lowest train loss "), plain.stdout)
        XCTAssertFalse(plain.stdout.contains(" -"), "a negated loss is no accuracy: \(plain.stdout)")
        let early = try run([config.path, "--overwrite", "--set", "data.dev=null", "--set", "training.early_stopping.patience=2"])
        XCTAssertEqual(early.status, 2, early.stderr)
        XCTAssertTrue(early.stderr.contains("training.early_stopping.patience"), early.stderr)
        XCTAssertTrue(early.stderr.contains("dev"), early.stderr)
    }

    // MARK: Item 12: resume arguments are never ignored

    func testResumeArgumentsAreUsedOrRefused() throws {
        let dir = try temporaryDirectory(self)
        let config = try TrainToolTests.writeConfig(in: dir, epochs: 3)
        XCTAssertEqual(try run([config.path]).status, 0)
        let runDir = dir.appendingPathComponent("run")
        let last = runDir.appendingPathComponent("last.ckpt")
        let before = try Data(contentsOf: last)

        let done = try run(["--resume", runDir.path])
        XCTAssertEqual(done.status, 0, done.stderr)
        XCTAssertTrue(done.stderr.contains("nothing to train"), done.stderr)
        let fewer = try run(["--resume", runDir.path, "--set", "training.epochs=1"])
        XCTAssertEqual(fewer.status, 2, fewer.stderr)
        XCTAssertTrue(fewer.stderr.contains("training.epochs") && fewer.stderr.contains("3 epochs"), fewer.stderr)
        let moved = try run(["--resume", runDir.path, "--set", #"output.dir="elsewhere""#, "--set", "training.epochs=4"])
        XCTAssertEqual(moved.status, 2, moved.stderr)
        XCTAssertTrue(moved.stderr.contains("output.dir"), moved.stderr)
        let overwrite = try run(["--resume", runDir.path, "--overwrite"])
        XCTAssertEqual(overwrite.status, 2, overwrite.stderr)
        XCTAssertTrue(overwrite.stderr.contains("--overwrite") && overwrite.stderr.contains("--resume"), overwrite.stderr)
        XCTAssertEqual(try Data(contentsOf: last), before, "a refused resume writes nothing")

        // A relative --resume path is stored as the absolute folder, so later readers find it.
        let relative = try run(["--resume", "run", "--set", "training.epochs=4"], directory: dir)
        XCTAssertEqual(relative.status, 0, relative.stderr)
        XCTAssertEqual(try storedConfig(last).output.dir, runDir.standardizedFileURL.path)
    }

    // MARK: Item 13: a stop at an epoch's last batch

    func testAStopAtAnEpochsLastBatchLogsTheEpochInFull() throws {
        let dir = try temporaryDirectory(self)
        // A model large enough that an epoch takes more than the log's 0.01 s resolution.
        let config = try TrainToolTests.writeConfig(in: dir, epochs: 2,
            model: #"{"kind": "textrnn", "cell": "lstm", "hidden_size": 48, "layers": 2, "bidirectional": true, "dropout": 0}"#)
        let stopped = try run([config.path], stopAfterStep: Self.batchesPerEpoch)
        XCTAssertEqual(stopped.status, 130, stopped.stderr)
        let runDir = dir.appendingPathComponent("run")
        XCTAssertEqual(try run(["--resume", runDir.path]).status, 0)
        let log = try rows(runDir)
        XCTAssertEqual(log.map { $0[0] }, ["1", "2"])
        XCTAssertEqual(Double(log[0][5]), 0.01, "epoch 1's learning rate")
        XCTAssertGreaterThan(Double(log[0][7]) ?? 0, 0, "epoch 1's seconds")
    }
}
