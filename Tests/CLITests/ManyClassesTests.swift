import Foundation
import XCTest

/// Issue 18 item 10: many classes. Confusion counts are sparse and the report is linear in
/// the number of classes K; above `ClassificationReport.fullMatrixMaxClasses` (50) the table
/// lists the most frequent confusions instead of the K x K matrix, and `--json` lists the
/// non-zero cells instead of the matrix rows.
final class ManyClassesTests: XCTestCase {
    func testEvalOfAModelWithThousandsOfClassesIsQuickAndSkipsTheFullMatrix() throws {
        let classes = 3000
        let dir = try temporaryDirectory(self)
        // One line per class (a cheap checkpoint: 1 epoch of a tiny model); the text names its class.
        var train = ""
        for c in 0..<classes { train += "w\(c) 天\(c % 7)\tc\(c)\n" }
        try train.write(to: dir.appendingPathComponent("train.tsv"), atomically: true, encoding: .utf8)
        var dev = ""
        for i in 0..<100 { dev += "w\(i * 29 % classes) 天\tc\(i * 31 % classes)\n" }
        try dev.write(to: dir.appendingPathComponent("dev.tsv"), atomically: true, encoding: .utf8)
        let config = try BadInputMatrixTests.config(in: dir, embedding: #"{"dim": 4}"#,
            model: #"{"kind": "textrnn", "cell": "gru", "hidden_size": 4, "layers": 1, "bidirectional": false, "dropout": 0}"#,
            training: "")
        let trained = try Tools.run("rnn-train", [config.path], timeout: 300)
        XCTAssertEqual(trained.status, 0, trained.stderr)
        let ckpt = dir.appendingPathComponent("run/best.ckpt").path
        let data = dir.appendingPathComponent("dev.tsv").path

        let started = Date()
        let table = try Tools.run("rnn-eval", [ckpt, data], timeout: 120)
        let seconds = Date().timeIntervalSince(started)
        XCTAssertEqual(table.status, 0, table.stderr)
        // Before: a dense 3000 x 3000 matrix, printed in full (9 million cells).
        XCTAssertLessThan(seconds, 30, "100 lines with \(classes) classes")
        XCTAssertTrue(table.stdout.contains("confusion matrix not shown: 3000 classes is more than 50"), String(table.stdout.suffix(2000)))
        XCTAssertTrue(table.stdout.contains("most frequent confusions:"), String(table.stdout.suffix(2000)))
        XCTAssertFalse(table.stdout.contains("actual \\ predicted"))
        let lines = table.stdout.split(separator: "\n")
        XCTAssertLessThan(lines.count, classes + 60, "one row per class, averages, at most 20 confusions")
        XCTAssertEqual(lines.filter { $0.hasPrefix("c2999 ") }.count, 1, "every class has its row")
        // The confusions listed are real: every one names two classes and a count, largest first.
        let listed = lines.drop { !$0.hasPrefix("actual ") }.dropFirst(2).map { $0.split(separator: " ") }
        XCTAssertFalse(listed.isEmpty)
        XCTAssertLessThanOrEqual(listed.count, 20)
        let counts = listed.map { Int($0[2]) ?? -1 }
        XCTAssertEqual(counts, counts.sorted(by: >), "\(listed)")
        XCTAssertTrue(listed.allSatisfy { $0[0].hasPrefix("c") && $0[1].hasPrefix("c") && $0[0] != $0[1] }, "\(listed)")

        let json = try Tools.run("rnn-eval", [ckpt, data, "--json"], timeout: 120)
        XCTAssertEqual(json.status, 0, json.stderr)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let confusion = try XCTUnwrap(object["confusion"] as? [String: Any])
        XCTAssertNil(confusion["matrix"], "no 3000 x 3000 matrix")
        let cells = try XCTUnwrap(confusion["cells"] as? [[Int]])
        XCTAssertEqual(cells.reduce(0) { $0 + $1[2] }, 100, "the cells hold every example once")
        XCTAssertTrue(cells.allSatisfy { $0.count == 3 && (0..<classes).contains($0[0]) && (0..<classes).contains($0[1]) && $0[2] > 0 })
        XCTAssertEqual((confusion["labels"] as? [String])?.count, classes)
        let perClass = try XCTUnwrap(object["per_class"] as? [[String: Any]])
        XCTAssertEqual(perClass.count, classes)
        // Recomputed from the cells: accuracy is the diagonal's share.
        let correct = cells.filter { $0[0] == $0[1] }.reduce(0) { $0 + $1[2] }
        XCTAssertEqual(object["accuracy"] as? Double ?? -1, Double(correct) / 100, accuracy: 1e-12)
    }
}
