import Foundation
import XCTest
@testable import RNNKit

/// Rows of the "Runtime" section of docs/RELIABILITY.md.
extension BadInputMatrixTests {
    // MARK: - Runtime

    func testOutputFolderThatCannotBeCreated() throws {
        let dir = try temporaryDirectory(self)
        _ = try Self.write("a regular file", to: dir, "blocker")
        let url = try Self.config(in: dir, output: #""blocker/run""#)
        assertFails(try Self.run("rnn-train", [url.path]), 1, [dir.appendingPathComponent("blocker/run").path + ": error: cannot create the run folder: Not a directory"])
        XCTAssertThrowsError(try RunDirectory.writeText("x", toPath: dir.appendingPathComponent("blocker/config.json").path)) { error in
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
