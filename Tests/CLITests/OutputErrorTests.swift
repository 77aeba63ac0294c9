import Foundation
import XCTest

/// Issue 18 items 2 and 4: what the tools do when stderr or stdout cannot be written.
/// A log that cannot be written never stops a run; output that cannot be written is an
/// error (exit 1, naming stdout and the reason), except a closed pipe, which ends quietly.
/// The redirections (`2>/dev/full`, `2>&-`, pipes into `true`) need a shell: `Tools.shell`.
final class OutputErrorTests: XCTestCase {
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

    // MARK: - stderr (item 2)

    func testTrainingWithStderrOnAFullDiskFinishesAndWritesItsCheckpoints() throws {
        let dir = try temporaryDirectory(self)
        try BadInputMatrixTests.config(in: dir, training: #", "epochs": 2, "log_every": 1"#)
        // Every log line fails with ENOSPC; before the fix the first one killed the tool (SIGILL, status 132).
        let run = try Tools.shell(#""$BIN/rnn-train" "$T/config.json" 2>/dev/full"#, directory: dir)
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        XCTAssertTrue(run.stdout.contains("best accuracy"), run.stdout)
        for name in ["best.ckpt", "last.ckpt", "log.csv"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("run/\(name)").path), name)
        }
        let log = try String(contentsOf: dir.appendingPathComponent("run/log.csv"), encoding: .utf8)
        XCTAssertEqual(log.split(separator: "\n").count, 3, "a header and both epochs: \(log)")
        let eval = try Tools.run("rnn-eval", [dir.appendingPathComponent("run/best.ckpt").path, dir.appendingPathComponent("dev.tsv").path])
        XCTAssertEqual(eval.status, 0, eval.stderr)
    }

    func testTrainingWhoseStderrReaderGoesAwayFinishes() throws {
        let dir = try temporaryDirectory(self)
        try BadInputMatrixTests.config(in: dir, training: #", "epochs": 2, "log_every": 1"#)
        // `| head -c 1`: after one byte every stderr write meets a closed pipe (SIGPIPE, then EPIPE).
        let script = #"{ "$BIN/rnn-train" "$T/config.json"; echo $? > "$T/status"; } 2>&1 >"$T/out.txt" | head -c 1 >/dev/null"#
        let run = try Tools.shell(script, directory: dir)
        XCTAssertEqual(run.status, 0, run.stderr)
        let status = try String(contentsOf: dir.appendingPathComponent("status"), encoding: .utf8)
        XCTAssertEqual(status.trimmingCharacters(in: .whitespacesAndNewlines), "0")
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("run/best.ckpt").path))
        XCTAssertTrue(try String(contentsOf: dir.appendingPathComponent("out.txt"), encoding: .utf8).contains("best accuracy"))
    }

    func testEvalAndPredictWithClosedStderrBehaveNormally() throws {
        let f = try trained()
        let env = ["CKPT": f.checkpoint, "DEV": f.dev]
        let normal = try Tools.run("rnn-eval", [f.checkpoint, f.dev])
        XCTAssertEqual(normal.status, 0, normal.stderr)
        let closed = try Tools.shell(#""$BIN/rnn-eval" "$CKPT" "$DEV" 2>&-"#, directory: f.folder, environment: env)
        XCTAssertEqual(closed.status, 0)
        XCTAssertEqual(closed.stdout, normal.stdout, "the same report without a stderr")

        // The invalid byte makes rnn-predict warn: the warning has nowhere to go.
        let answer = try Tools.run("rnn-predict", [f.checkpoint], stdin: "bad \u{FFFD}\n")
        let predict = try Tools.shell(#"printf 'bad \377\n' | "$BIN/rnn-predict" "$CKPT" 2>&-"#, directory: f.folder, environment: env)
        XCTAssertEqual(predict.status, 0)
        XCTAssertEqual(predict.stdout, answer.stdout, "one answer, the same as for U+FFFD")
        XCTAssertEqual(predict.stdout.split(separator: "\n").count, 1)
        // A read-only descriptor as stderr (what `2>&-` leaves after the tools occupy it) fails every write with EBADF.
        let readOnly = try Tools.shell(#""$BIN/rnn-eval" "$CKPT" "$DEV" 2</dev/null"#, directory: f.folder, environment: env)
        XCTAssertEqual(readOnly.status, 0)
        XCTAssertEqual(readOnly.stdout, normal.stdout)
    }

    // MARK: - stdout (item 4)

    func testOutputToAFullDiskIsExit1NamingStdout() throws {
        let f = try trained()
        let env = ["CKPT": f.checkpoint, "DEV": f.dev, "CONFIG": f.config]
        let scripts = [
            // 20,000 answers: before the fix, exit 0 with nothing written.
            #"awk 'BEGIN { for (i = 0; i < 20000; i++) print "天甲地" }' 2>/dev/null | "$BIN/rnn-predict" "$CKPT" > /dev/full"#,
            #""$BIN/rnn-eval" "$CKPT" "$DEV" > /dev/full"#,
            #""$BIN/rnn-eval" "$CKPT" "$DEV" --json > /dev/full"#,
            #""$BIN/rnn-train" --print-config "$CONFIG" > /dev/full"#,
            #""$BIN/rnn-predict" --help > /dev/full"#,
            #""$BIN/rnn-eval" --help > /dev/full"#,
            #""$BIN/rnn-train" --help > /dev/full"#,
            #""$BIN/rnn-predict" --version > /dev/full"#,
        ]
        for script in scripts {
            let run = try Tools.shell(script, directory: f.folder, environment: env)
            assertFails(run, 1, ["stdout (/dev/full): error: cannot write the output: No space left on device"])
        }
    }

    func testClosedStdoutIsExit1AndNothingLandsInTheRunFolder() throws {
        let f = try trained()
        let env = ["CKPT": f.checkpoint, "DEV": f.dev]
        let eval = try Tools.shell(#""$BIN/rnn-eval" "$CKPT" "$DEV" >&-"#, directory: f.folder, environment: env)
        assertFails(eval, 1, ["stdout (not open for writing): error: cannot write the output: Bad file descriptor"])
        let predict = try Tools.shell(#"echo 天甲 | "$BIN/rnn-predict" "$CKPT" >&-"#, directory: f.folder, environment: env)
        assertFails(predict, 1, ["stdout (not open for writing)", "Bad file descriptor"])

        // rnn-train opens files while stdout is closed: none of them may become "stdout".
        let dir = try temporaryDirectory(self)
        try BadInputMatrixTests.config(in: dir)
        let train = try Tools.shell(#""$BIN/rnn-train" "$T/config.json" >&-"#, directory: dir)
        assertFails(train, 1, ["stdout (not open for writing)"])
        let best = dir.appendingPathComponent("run/best.ckpt").path
        let check = try Tools.run("rnn-eval", [best, dir.appendingPathComponent("dev.tsv").path])
        XCTAssertEqual(check.status, 0, "the checkpoint is intact: \(check.stderr)")
        let config = try String(contentsOf: dir.appendingPathComponent("run/config.json"), encoding: .utf8)
        XCTAssertFalse(config.contains("best accuracy"), config)
    }

    func testAClosedPipeOnStdoutEndsQuietly() throws {
        let f = try trained()
        let env = ["CKPT": f.checkpoint, "DEV": f.dev, "CONFIG": f.config]
        // The reader (`true`) is gone before the tool writes: its write meets EPIPE, which is not an error.
        for command in [#""$BIN/rnn-train" --print-config "$CONFIG""#, #""$BIN/rnn-eval" "$CKPT" "$DEV""#,
                        #""$BIN/rnn-predict" --help"#] {
            let script = #"{ sleep 0.3; "# + command + #" 2>"$T/err"; echo $? > "$T/status"; } | true"#
            let run = try Tools.shell(script, directory: f.folder, environment: env)
            XCTAssertEqual(run.status, 0)
            let status = try String(contentsOf: f.folder.appendingPathComponent("status"), encoding: .utf8)
            let err = try String(contentsOf: f.folder.appendingPathComponent("err"), encoding: .utf8)
            XCTAssertEqual(status.trimmingCharacters(in: .whitespacesAndNewlines), "0", command + ": " + err)
            XCTAssertFalse(err.contains("error"), err)
        }
    }
}
