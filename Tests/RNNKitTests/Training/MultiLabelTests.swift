import XCTest
@testable import RNNKit

final class SigmoidBinaryCrossEntropyTests: XCTestCase {
    /// Hand-computed: logits [[0, 2], [-1, 3]], targets {1}, {0, 1}: the mean over all 4 elements.
    func testMatchesTheDefinitionAveragedOverAllElements() {
        let logits = Tensor([2, 2], values: [0, 2, -1, 3])
        let p = Tensor([0]), d = Tensor([0])
        let loss = SigmoidBinaryCrossEntropy().forward(logits: logits, targets: [[1], [0, 1]], probabilities: p, dLogits: d)
        let s = { (x: Double) in 1 / (1 + exp(-x)) }
        let expected = (-log(1 - s(0)) - log(s(2)) - log(s(-1)) - log(s(3))) / 4
        XCTAssertEqual(Double(loss), expected, accuracy: 1e-6)
        XCTAssertEqual(Double(p[1]), s(2), accuracy: 1e-6)
        XCTAssertEqual(Double(d[0]), (s(0) - 0) / 4, accuracy: 1e-6)
        XCTAssertEqual(Double(d[2]), (s(-1) - 1) / 4, accuracy: 1e-6)
    }

    func testStableForHugeLogits() {
        let logits = Tensor([1, 4], values: [1e30, -1e30, 100, -100])
        let p = Tensor([0]), d = Tensor([0])
        let loss = SigmoidBinaryCrossEntropy().forward(logits: logits, targets: [[1, 2]], probabilities: p, dLogits: d)
        XCTAssertTrue(loss.isFinite && d.array.allSatisfy(\.isFinite))
        XCTAssertEqual(Double(loss), (1e30 + 1e30 + 0 + 0) / 4, accuracy: 1e24)
        let empty = SigmoidBinaryCrossEntropy().forward(logits: Tensor([0, 3]), targets: [], probabilities: p, dLogits: d)
        XCTAssertEqual(empty, 0)
    }

    /// Finite differences. Mutation tried: scaling the gradient (only) by 1/N instead of 1/(N K):
    /// rel err 0.67 (K = 3), failed.
    func testGradientMatchesFiniteDifferences() {
        let logits = LayerTestSupport.randomTensor([4, 3], seed: 1, scale: 3)
        let targets = [[0], [], [1, 2], [0, 1, 2]]
        let p = Tensor([0]), d = Tensor([0]), scratch = Tensor([0])
        _ = SigmoidBinaryCrossEntropy().forward(logits: logits, targets: targets, probabilities: p, dLogits: d)
        GradientCheck(eps: 1e-2, tolerance: 1e-2, floor: 1e-3).check(analytic: d.array, values: logits.data, count: 12, "dLogits") {
            Double(SigmoidBinaryCrossEntropy().forward(logits: logits, targets: targets, probabilities: p, dLogits: scratch))
        }
    }
}

final class MultiLabelMetricsTests: XCTestCase {
    /// Three rows, three labels, hand-computed:
    ///   gold {0,1} pred {0}     -> tp0, fn1
    ///   gold {2}   pred {1,2}   -> fp1, tp2
    ///   gold {}    pred {}      -> exact
    func testHandComputedScores() {
        var m = MultiLabelMetrics(labelCount: 3)
        m.add(predicted: [0], actual: [0, 1])
        m.add(predicted: [1, 2], actual: [2])
        m.add(predicted: [], actual: [])
        XCTAssertEqual(m.precision(0), 1)
        XCTAssertEqual(m.recall(1), 0)
        XCTAssertEqual(m.precision(1), 0)        // predicted once, wrongly
        XCTAssertEqual(m.f1(1), 0)
        XCTAssertEqual(m.microPrecision, 2.0 / 3.0, accuracy: 1e-12)   // tp 2, fp 1
        XCTAssertEqual(m.microRecall, 2.0 / 3.0, accuracy: 1e-12)      // tp 2, fn 1
        XCTAssertEqual(m.macroF1, (1 + 0 + 1) / 3, accuracy: 1e-12)
        XCTAssertEqual(m.subsetAccuracy, 1.0 / 3.0, accuracy: 1e-12)
        XCTAssertEqual(m.hammingLoss, 2.0 / 9.0, accuracy: 1e-12)
        XCTAssertEqual(m.support(0), 1)
        XCTAssertEqual(MultiLabelMetrics(labelCount: 2).microF1, 0)   // nothing added: 0, not NaN
    }

    func testDecideWithGlobalAndPerLabelThresholds() {
        let probabilities: [Float] = [0.5, 0.49, 0.9]
        probabilities.withUnsafeBufferPointer { p in
            XCTAssertEqual(MultiLabelMetrics.decide(p.baseAddress!, labelCount: 3, thresholds: [0.5]), [0, 2])
            XCTAssertEqual(MultiLabelMetrics.decide(p.baseAddress!, labelCount: 3, thresholds: [0.6, 0.4, 0.95]), [1])
        }
    }

    /// Label 0: positives at 0.8, 0.6, negatives at 0.7, 0.1 -> best F1 (0.8) at 0.25, 0.4, 0.55;
    /// of those the closest to 0.5 is 0.55. Label 1: no positive on dev -> F1 0 at every candidate
    /// -> the candidate closest to 0.5, again 0.55. Candidates given unsorted on purpose.
    func testThresholdTuningPerLabel() {
        let probabilities: [Float] = [0.8, 0.1, 0.6, 0.9, 0.7, 0.2, 0.1, 0.3]
        let targets: [Set<Int>] = [[0], [0], [], []]
        let t = MultiLabelMetrics.tuneThresholds(probabilities: probabilities, targets: targets, labelCount: 2,
                                                 candidates: [0.75, 0.25, 0.4, 0.55, 0.65])
        XCTAssertEqual(t, [0.55, 0.55])
    }
}

final class MultiLabelParsingTests: XCTestCase {
    func testFastTextLabels() throws {
        let (labels, text) = try MultiLabelParsing.fastText("__label__a  __label__b\t__label__a some __label__c text")
        XCTAssertEqual(labels, ["a", "b"])
        XCTAssertEqual(text, "some __label__c text")
        XCTAssertThrowsError(try MultiLabelParsing.fastText("no labels here"))
        XCTAssertThrowsError(try MultiLabelParsing.fastText("__label__ x", file: "f.txt", lineNumber: 7)) { error in
            XCTAssertEqual((error as? RNNError)?.line, 7)
            XCTAssertEqual((error as? RNNError)?.file, "f.txt")
        }
    }

    func testJSONLabels() throws {
        let value = try JSONParser.parse(#"{"labels": ["x", "y", "x"]}"#).root["labels"]!
        XCTAssertEqual(try MultiLabelParsing.json(value, field: "labels"), ["x", "y"])
        XCTAssertEqual(try MultiLabelParsing.json(.string("solo"), field: "labels"), ["solo"])
        for bad: JSONValue in [.array([]), .array([.string("a"), .integer(3)]), .array([.string("")]), .null] {
            XCTAssertThrowsError(try MultiLabelParsing.json(bad, field: "labels"), "\(bad)")
        }
    }

    func testSeparatedLabels() throws {
        XCTAssertEqual(try MultiLabelParsing.separated("sports, politics,sports"), ["sports", "politics"])
        XCTAssertEqual(try MultiLabelParsing.separated("a|b", separator: "|"), ["a", "b"])
        XCTAssertEqual(try MultiLabelParsing.separated("Sci/Tech"), ["Sci/Tech"])
        for bad in ["", " , ", "a,,b", "a,"] { XCTAssertThrowsError(try MultiLabelParsing.separated(bad), bad) }
    }
}
