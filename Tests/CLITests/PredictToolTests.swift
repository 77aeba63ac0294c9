import Foundation
import XCTest
@testable import RNNKit

/// rnn-predict as a Unix filter, and rnn-eval's reports.
final class PredictToolTests: XCTestCase {
    /// One trained checkpoint shared by the tests of this class (training it once keeps them fast).
    nonisolated(unsafe) static var checkpoint: String?
    nonisolated(unsafe) static var folder: URL?

    override class func tearDown() {
        if let folder { try? FileManager.default.removeItem(at: folder) }
        super.tearDown()
    }

    func trainedCheckpoint() throws -> String {
        if let c = Self.checkpoint { return c }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rnn-predict-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        Self.folder = dir
        let config = try TrainToolTests.writeConfig(in: dir, epochs: 3)
        let run = try Tools.run("rnn-train", [config.path])
        XCTAssertEqual(run.status, 0, run.stderr)
        Self.checkpoint = dir.appendingPathComponent("run/best.ckpt").path
        return Self.checkpoint!
    }

    func testDefaultOutputOneLinePerInputLineInOrderWithEmptyLine() throws {
        let ckpt = try trainedCheckpoint()
        let (trained, _) = try TrainedModel.load(checkpoint: ckpt)
        let alone = try LinePredictor(trained: trained, format: PredictionFormat())
        // Mixed lengths, so internal length sorting would scramble the order if it were not restored.
        var texts: [String] = []
        for i in 0..<3000 {
            texts.append(String(repeating: "天", count: (i * 7) % 23) + ["甲", "乙", "丙"][i % 3] + String(repeating: "地", count: i % 5))
        }
        texts.append("")                         // an empty line still gets an answer
        let run = try Tools.run("rnn-predict", [ckpt], stdin: texts.joined(separator: "\n") + "\n")
        XCTAssertEqual(run.status, 0, run.stderr)
        let lines = run.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        XCTAssertEqual(lines.count, texts.count)
        // Each answer must be the one the model gives that line on its own.
        for i in stride(from: 0, to: texts.count, by: 97) + [texts.count - 1] {
            XCTAssertEqual(String(lines[i]), alone.formatLine(alone.probabilities([texts[i]])[0]), "line \(i + 1)")
        }
        let labels = Set(lines.map { String($0.split(separator: "\t")[0]) })
        XCTAssertTrue(labels.isSubset(of: ["alpha", "beta", "gamma"]), "\(labels)")
    }

    func testJSONTopKAndProbabilitiesSumToOne() throws {
        let ckpt = try trainedCheckpoint()
        let run = try Tools.run("rnn-predict", [ckpt, "--json", "--top-k", "2", "--probs"], stdin: "天甲地\n\u{FF}\u{FE}\n")
        XCTAssertEqual(run.status, 0, run.stderr)
        let lines = run.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        for line in lines {
            let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            XCTAssertNotNil(object["label"] as? String)
            XCTAssertEqual((object["top"] as? [Any])?.count, 2)
            let probs = try XCTUnwrap(object["probs"] as? [String: Double])
            XCTAssertEqual(probs.values.reduce(0, +), 1, accuracy: 1e-5)
        }
    }

    func testInvalidUTF8IsReplacedWithOneWarning() throws {
        let ckpt = try trainedCheckpoint()
        let (process, input, output, error) = try Tools.start("rnn-predict", [ckpt])
        try? input.fileHandleForWriting.write(contentsOf: Data([0xE7, 0x94, 0x0A, 0xFF, 0x41, 0x0A, 0x41, 0x0A]))
        try input.fileHandleForWriting.close()
        let out = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let err = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        XCTAssertEqual(out.split(separator: "\n").count, 3)
        XCTAssertEqual(err.components(separatedBy: "UTF-8").count - 1, 1, err)
    }

    func testAnswersALineBeforeInputEnds() throws {
        let ckpt = try trainedCheckpoint()
        let (process, input, output, _) = try Tools.start("rnn-predict", [ckpt])
        try? input.fileHandleForWriting.write(contentsOf: "天乙地\n".data(using: .utf8)!)
        // Read the answer while stdin is still open: a filter that waited for EOF would hang here.
        let answered = expectation(description: "answer before EOF")
        var answer = ""
        DispatchQueue.global().async {
            answer = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
            answered.fulfill()
        }
        wait(for: [answered], timeout: 30)
        XCTAssertTrue(answer.hasSuffix("\n"), answer)
        XCTAssertTrue(answer.hasPrefix("beta\t"), answer)
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
    }

    func testClosedOutputEndsQuietly() throws {
        let ckpt = try trainedCheckpoint()
        let (process, input, output, error) = try Tools.start("rnn-predict", [ckpt])
        try output.fileHandleForReading.close()          // like `| head -0`
        let lines = String(repeating: "天甲地\n", count: 20000)
        DispatchQueue.global().async {
            try? input.fileHandleForWriting.write(contentsOf: lines.data(using: .utf8)!)
            try? input.fileHandleForWriting.close()
        }
        process.waitUntilExit()
        let err = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(process.terminationStatus, 0, err)
        XCTAssertEqual(process.terminationReason, .exit)
        XCTAssertFalse(err.contains("error"), err)
    }

    func testBatchInvariance() throws {
        let ckpt = try trainedCheckpoint()
        let (trained, _) = try TrainedModel.load(checkpoint: ckpt)
        let predictor = try LinePredictor(trained: trained, format: PredictionFormat())
        let texts = ["天甲", "地地地地地地地地乙玄黄", "", "丙", "宇宙洪荒日月盈昃甲辰宿列张"]
        let together = predictor.probabilities(texts)
        for (i, text) in texts.enumerated() {
            XCTAssertEqual(predictor.probabilities([text])[0], together[i], "line \(i) depends on its batch")
        }
    }

    func testEvalTableJSONAndUnknownLabel() throws {
        let ckpt = try trainedCheckpoint()
        let dev = Self.folder!.appendingPathComponent("dev.tsv").path
        let table = try Tools.run("rnn-eval", [ckpt, dev])
        XCTAssertEqual(table.status, 0, table.stderr)
        for word in ["accuracy", "alpha", "beta", "gamma"] { XCTAssertTrue(table.stdout.contains(word), table.stdout) }
        let json = try Tools.run("rnn-eval", [ckpt, dev, "--json"])
        XCTAssertEqual(json.status, 0, json.stderr)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let accuracy = try XCTUnwrap(object["accuracy"] as? Double)
        XCTAssertGreaterThan(accuracy, 0.8)
        let bad = Self.folder!.appendingPathComponent("bad.tsv")
        try "天甲\talpha\n地乙\tdelta\n".write(to: bad, atomically: true, encoding: .utf8)
        let unknown = try Tools.run("rnn-eval", [ckpt, bad.path])
        XCTAssertEqual(unknown.status, 2)
        XCTAssertTrue(unknown.stderr.contains("bad.tsv:2"), unknown.stderr)
        XCTAssertTrue(unknown.stderr.contains("delta"), unknown.stderr)
        let skipped = try Tools.run("rnn-eval", [ckpt, bad.path, "--skip-unknown-labels"])
        XCTAssertEqual(skipped.status, 0, skipped.stderr)
    }
}
