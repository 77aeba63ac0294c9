import Foundation
import XCTest
@testable import RNNKit

/// README's first command, shortened: the default config on the committed sample must learn.
final class SampleDataTests: XCTestCase {
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    func testDefaultConfigOnTheSampleBeatsChanceByAMargin() throws {
        let dir = try temporaryDirectory(self)
        let config = Self.repositoryRoot.appendingPathComponent("configs/sample.json").path
        let run = try Tools.run("rnn-train", [config, "--set", "training.epochs=2", "--set", "output.dir=\(dir.path)/run"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stderr.contains("train.tsv: 4000 examples, 10 classes"), run.stderr)
        // Ten balanced classes: chance is 0.10; two short epochs reach about 0.5.
        let eval = try Tools.run("rnn-eval", ["\(dir.path)/run/best.ckpt", Self.repositoryRoot.appendingPathComponent("data/dev.tsv").path, "--json"])
        XCTAssertEqual(eval.status, 0, eval.stderr)
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any])
        let accuracy = try XCTUnwrap(report["accuracy"] as? Double)
        XCTAssertGreaterThan(accuracy, 0.3, eval.stdout)
    }
}
