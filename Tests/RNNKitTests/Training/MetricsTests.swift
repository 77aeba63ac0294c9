import Foundation
import XCTest
@testable import RNNKit

final class MetricsTests: XCTestCase {
    /// Rows actual, columns predicted. Class 2 is never predicted; class 3 has neither examples nor predictions.
    ///     A: [3, 1, 0, 0]   B: [1, 2, 0, 0]   C: [1, 1, 0, 0]   D: [0, 0, 0, 0]
    private func sample() -> ConfusionMatrix {
        var m = ConfusionMatrix(classCount: 4)
        let pairs: [(Int, Int)] = [(0, 0), (0, 0), (0, 0), (0, 1), (1, 0), (1, 1), (1, 1), (2, 0), (2, 1)]
        for (actual, predicted) in pairs { m.add(predicted: predicted, actual: actual) }
        return m
    }

    func testHandComputedScores() {
        let m = sample()
        XCTAssertEqual(m.denseCounts(), [[3, 1, 0, 0], [1, 2, 0, 0], [1, 1, 0, 0], [0, 0, 0, 0]])
        XCTAssertEqual(m.total, 9)
        XCTAssertEqual(m.accuracy, 5.0 / 9, accuracy: 1e-12)
        let precision = [0.6, 0.5, 0, 0], recall = [0.75, 2.0 / 3, 0, 0], f1 = [2.0 / 3, 4.0 / 7, 0, 0]
        for i in 0..<4 {
            XCTAssertEqual(m.precision(i), precision[i], accuracy: 1e-12, "precision \(i)")
            XCTAssertEqual(m.recall(i), recall[i], accuracy: 1e-12, "recall \(i)")
            XCTAssertEqual(m.f1(i), f1[i], accuracy: 1e-12, "f1 \(i)")
        }
        XCTAssertEqual((0..<4).map(m.support), [4, 3, 2, 0])
        XCTAssertEqual((0..<4).map(m.predictedCount), [5, 4, 0, 0])
        XCTAssertEqual(m.macroPrecision, 1.1 / 4, accuracy: 1e-12)
        XCTAssertEqual(m.macroRecall, 17.0 / 48, accuracy: 1e-12)
        XCTAssertEqual(m.macroF1, 13.0 / 42, accuracy: 1e-12)
        XCTAssertEqual(m.microPrecision, 5.0 / 9, accuracy: 1e-12)
        XCTAssertEqual(m.microRecall, 5.0 / 9, accuracy: 1e-12)
        XCTAssertEqual(m.microF1, 5.0 / 9, accuracy: 1e-12)

        var doubled = m
        doubled.merge(m)
        XCTAssertEqual(doubled.total, 18)
        XCTAssertEqual(doubled.macroF1, m.macroF1, accuracy: 1e-12)
        XCTAssertEqual(ConfusionMatrix(classCount: 2).accuracy, 0, "empty matrix is defined")
    }

    func testJSONReport() throws {
        let report = ClassificationReport(confusion: sample())
        let text = report.json(labelNames: ["体育", "b\"q", "C", "D"])
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        XCTAssertEqual(object["accuracy"] as? Double ?? -1, 5.0 / 9, accuracy: 1e-12)
        XCTAssertEqual(object["examples"] as? Int, 9)
        let macro = try XCTUnwrap(object["macro"] as? [String: Double])
        XCTAssertEqual(macro["f1"] ?? -1, 13.0 / 42, accuracy: 1e-12)
        XCTAssertEqual(macro["recall"] ?? -1, 17.0 / 48, accuracy: 1e-12)
        XCTAssertEqual((object["micro"] as? [String: Double])?["precision"] ?? -1, 5.0 / 9, accuracy: 1e-12)
        let perClass = try XCTUnwrap(object["per_class"] as? [[String: Any]])
        XCTAssertEqual(perClass.map { $0["label"] as? String }, ["体育", "b\"q", "C", "D"])
        XCTAssertEqual(perClass.map { $0["support"] as? Int }, [4, 3, 2, 0])
        XCTAssertEqual(perClass[2]["precision"] as? Double, 0)
        XCTAssertEqual(perClass[1]["f1"] as? Double ?? -1, 4.0 / 7, accuracy: 1e-12)
        let confusion = try XCTUnwrap(object["confusion"] as? [String: Any])
        XCTAssertEqual(confusion["labels"] as? [String], ["体育", "b\"q", "C", "D"])
        XCTAssertEqual(confusion["matrix"] as? [[Int]], [[3, 1, 0, 0], [1, 2, 0, 0], [1, 1, 0, 0], [0, 0, 0, 0]])
    }

    func testTableIsAlignedForWideNames() {
        let report = ClassificationReport(confusion: sample())
        let text = report.table(labelNames: ["体育", "finance", "C", "教育教育教育"])
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let perClass = lines.filter { ["体育", "finance", "C ", "教育教育教育", "macro avg", "micro avg"].contains(where: $0.hasPrefix) }
        XCTAssertGreaterThanOrEqual(perClass.count, 6, text)
        // Every score row ends at the same display column, and the support column holds the counts.
        let widths = Set(perClass.prefix(6).map(ClassificationReport.displayWidth))
        XCTAssertEqual(widths.count, 1, text)
        XCTAssertTrue(text.contains("0.6000"), text)
        XCTAssertTrue(text.contains("0.6667"), text)
        XCTAssertTrue(text.contains("accuracy 0.5556 (5/9)"), text)
        XCTAssertTrue(text.contains("confusion matrix"), text)
        let matrixRows = lines.drop { !$0.hasPrefix("actual") }.filter { !$0.isEmpty && !$0.hasPrefix("-") }
        XCTAssertEqual(matrixRows.count, 5, text)
        XCTAssertEqual(Set(matrixRows.map(ClassificationReport.displayWidth)).count, 1, text)
        XCTAssertTrue(matrixRows[1].hasPrefix("体育") && matrixRows[1].hasSuffix("3        1  0             0")
                      || matrixRows[1].split(separator: " ").map(String.init) == ["体育", "3", "1", "0", "0"], text)
    }

    func testDisplayWidth() {
        XCTAssertEqual(ClassificationReport.displayWidth("abc"), 3)
        XCTAssertEqual(ClassificationReport.displayWidth("体育"), 4)
        XCTAssertEqual(ClassificationReport.displayWidth("e\u{301}"), 1)
    }
}
