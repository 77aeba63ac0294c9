import Foundation
import XCTest

/// Checks shared by the tests that run the tools: an error exits with its code and a short,
/// located message, and nothing a crash prints ever reaches the user.
extension XCTestCase {
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
}
