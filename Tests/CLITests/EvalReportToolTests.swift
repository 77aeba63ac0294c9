import Foundation
import XCTest
@testable import RNNKit

/// `rnn-eval --report FILE.html` through the built tool.
final class EvalReportToolTests: XCTestCase {
    func testReportIsWrittenBesideTheUnchangedTables() throws {
        let (folder, checkpoint) = try ExportToolTests.trainedCheckpoint()
        let data = folder.appendingPathComponent("dev.tsv").path
        let dir = try temporaryDirectory(self)
        let page = dir.appendingPathComponent("eval.html").path
        let plain = try Tools.run("rnn-eval", [checkpoint, data])
        let withReport = try Tools.run("rnn-eval", [checkpoint, data, "--report", page])
        XCTAssertEqual(withReport.status, 0, withReport.stderr)
        XCTAssertEqual(withReport.stdout, plain.stdout, "the report adds a file, not output")
        let html = try String(contentsOfFile: page, encoding: .utf8)
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>"))
        for label in ["alpha", "beta", "gamma"] { XCTAssertTrue(html.contains("<span>\(label)</span>"), label) }
        // The page's accuracy is the one the table prints.
        let accuracy = try XCTUnwrap(plain.stdout.split(separator: "\n").first { $0.hasPrefix("accuracy ") }?.split(separator: " ")[1])
        XCTAssertTrue(html.contains("<b class=\"accuracy\">\(HTMLPage.number(Double(accuracy)!))</b>"), "\(accuracy)")
        let unwritable = try Tools.run("rnn-eval", [checkpoint, data, "--report", dir.appendingPathComponent("no/such/dir/x.html").path])
        XCTAssertEqual(unwritable.status, 1, unwritable.stderr)
        XCTAssertTrue(unwritable.stderr.contains("x.html"), unwritable.stderr)
    }
}
