import Foundation
import XCTest

/// Issue 18 item 3 (line length): a line may hold at most `data.max_line_bytes` /
/// `--max-line-bytes` bytes (default 8 MiB). Labelled data (rnn-train, rnn-eval): a longer
/// line is an error naming file and line, since cutting it would drop its label.
/// rnn-predict: the line is answered from its first bytes, with one warning, so every input
/// line still gets its one answer. A stream without newlines costs bounded memory.
final class LineLengthTests: XCTestCase {
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

    /// Resident memory of a running process, in bytes (VmRSS).
    func residentBytes(_ pid: Int32) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kb = Int(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kb * 1024
    }

    func testPredictReadingDevZeroWarnsAtOnceAndKeepsMemoryBounded() throws {
        let f = try trained()
        let process = Process()
        process.executableURL = Tools.url("rnn-predict")
        process.arguments = [f.checkpoint]
        process.standardInput = FileHandle(forReadingAtPath: "/dev/zero")
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        // Before the fix the line buffer doubled until `failed to allocate 2148040640 bytes` (exit 134).
        let said = Tools.read(error, until: "(warned once)")
        XCTAssertTrue(said.contains("rnn-predict: warning: input line 1 is longer than 8388608 bytes (--max-line-bytes)"), said)
        var peak = 0
        for _ in 0..<10 where process.isRunning {
            peak = max(peak, residentBytes(process.processIdentifier))
            usleep(100_000)
        }
        XCTAssertTrue(process.isRunning, "it reads on to the end of the line, which never comes")
        XCTAssertGreaterThan(peak, 0)
        XCTAssertLessThan(peak, 200 << 20, "a bounded buffer (two 8 MiB lines at most) plus the model")
        process.terminate()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal)
        XCTAssertEqual(process.terminationStatus, SIGTERM, "ended by our SIGTERM, not by a crash")
    }

    func testPredictCutsALongLineAtACharacterAndAnswersEveryLine() throws {
        let f = try trained()
        let long = String(repeating: "甲", count: 1000)          // 3,000 bytes
        let input = "天甲地\n" + long + "\n乙\n" + long + "丙\n"
        let run = try Tools.run("rnn-predict", [f.checkpoint, "--max-line-bytes", "100"], stdin: input)
        XCTAssertEqual(run.status, 0, run.stderr)
        let lines = run.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        XCTAssertEqual(lines.count, 4, "one answer per input line: \(run.stdout)")
        // 100 bytes hold 33 whole characters (99 bytes): the cut never splits one, so no U+FFFD.
        let cut = try Tools.run("rnn-predict", [f.checkpoint], stdin: String(repeating: "甲", count: 33) + "\n")
        XCTAssertEqual(lines[1], cut.stdout.trimmingCharacters(in: .newlines))
        XCTAssertEqual(lines[3], cut.stdout.trimmingCharacters(in: .newlines))
        let short = try Tools.run("rnn-predict", [f.checkpoint], stdin: "天甲地\n乙\n")
        XCTAssertEqual([lines[0], lines[2]], short.stdout.split(separator: "\n").map(String.init), "the lines around it are unaffected")
        XCTAssertEqual(run.stderr.components(separatedBy: "warning:").count - 1, 1, "warned once: \(run.stderr)")
        XCTAssertTrue(run.stderr.contains("input line 2 is longer than 100 bytes"), run.stderr)
        XCTAssertFalse(run.stderr.contains("UTF-8"), run.stderr)
        assertFails(try Tools.run("rnn-predict", [f.checkpoint, "--max-line-bytes", "0"]), 2, ["--max-line-bytes must be at least 1"])
    }

    func testTrainingLineOverTheCapIsALocatedError() throws {
        let dir = try temporaryDirectory(self)
        var lines = try BadInputMatrixTests.corpusLines(60, seed: 1)
        lines[3] = String(repeating: "天", count: 700) + "\talpha"         // 2,106 bytes on line 4
        try (lines.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("train.tsv"), atomically: true, encoding: .utf8)
        let config = try BadInputMatrixTests.config(in: dir, data: #"{"train": "train.tsv", "dev": "dev.tsv", "max_line_bytes": 1000}"#)
        assertFails(try Tools.run("rnn-train", [config.path]), 2,
                    ["train.tsv:4: error: line longer than the limit of 1000 bytes (data.max_line_bytes)"])
        let printed = try Tools.run("rnn-train", ["--print-config", config.path])
        XCTAssertTrue(printed.stdout.contains(#""max_line_bytes": 1000"#), printed.stdout)
        // Raised, the same file trains.
        let raised = try Tools.run("rnn-train", [config.path, "--set", "data.max_line_bytes=4000", "--overwrite"])
        XCTAssertEqual(raised.status, 0, raised.stderr)

        // A training "file" without any newline ends at the cap with the same message, not an allocation crash.
        let started = Date()
        let zero = try Tools.run("rnn-train", [config.path, "--set", "data.train=/dev/zero", "--overwrite"])
        assertFails(zero, 2, ["/dev/zero:1: error: line longer than the limit of 1000 bytes"])
        XCTAssertLessThan(Date().timeIntervalSince(started), 30)
        let zeroDefault = try Tools.run("rnn-train", [config.path, "--set", "data.train=/dev/zero", "--set", "data.max_line_bytes=8388608"])
        assertFails(zeroDefault, 2, ["/dev/zero:1: error: line longer than the limit of 8388608 bytes (data.max_line_bytes)"])
    }

    func testEvalLineOverTheCapNamesTheOption() throws {
        let f = try trained()
        let data = f.folder.appendingPathComponent("long.tsv")
        try ("天甲\talpha\n" + String(repeating: "乙", count: 700) + "\tbeta\n").write(to: data, atomically: true, encoding: .utf8)
        assertFails(try Tools.run("rnn-eval", [f.checkpoint, data.path, "--max-line-bytes", "1000"]), 2,
                    ["long.tsv:2: error: line longer than the limit of 1000 bytes (--max-line-bytes)"])
        let raised = try Tools.run("rnn-eval", [f.checkpoint, data.path, "--max-line-bytes", "3000"])
        XCTAssertEqual(raised.status, 0, raised.stderr)
        // The default is the model's data.max_line_bytes (8 MiB here).
        assertFails(try Tools.run("rnn-eval", [f.checkpoint, "/dev/zero"]), 2, ["/dev/zero:1: error: line longer than the limit of 8388608 bytes"])
    }
}
