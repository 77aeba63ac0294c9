import Foundation

/// `rnn-eval`'s answer for a multi-label model: per-label precision/recall/F1, micro and macro
/// averages, subset accuracy and Hamming loss, at the thresholds used, as a table or JSON.
public struct MultiLabelReport {
    public let metrics: MultiLabelMetrics
    /// One threshold for every label, or one per label.
    public let thresholds: [Float]

    public init(metrics: MultiLabelMetrics, thresholds: [Float]) {
        precondition(thresholds.count == 1 || thresholds.count == metrics.labelCount, "thresholds per label or one")
        self.metrics = metrics
        self.thresholds = thresholds
    }

    private func threshold(_ label: Int) -> Float { thresholds[thresholds.count == 1 ? 0 : label] }

    /// Per-label rows (threshold, precision, recall, F1, support), macro and micro averages, then
    /// subset accuracy and Hamming loss; columns aligned as `ClassificationReport` aligns them.
    public func table(labelNames: [String]) -> String {
        let m = metrics
        let shared = ClassificationReport(confusion: ConfusionMatrix(classCount: 0))
        func f(_ x: Double) -> String { shared.format(x, digits: 4) }
        let names = labelNames.map(LabelText.forDisplay)
        var rows: [[String]] = [["label", "threshold", "precision", "recall", "f1", "support"]]
        for i in 0..<m.labelCount {
            rows.append([names[i], f(Double(threshold(i))), f(m.precision(i)), f(m.recall(i)), f(m.f1(i)), String(m.support(i))])
        }
        let support = (0..<m.labelCount).reduce(0) { $0 + m.support($1) }
        rows.append(["macro avg", "", f(m.macroPrecision), f(m.macroRecall), f(m.macroF1), String(support)])
        rows.append(["micro avg", "", f(m.microPrecision), f(m.microRecall), f(m.microF1), String(support)])
        var out = ClassificationReport.align(rows, separatorAfter: [0, m.labelCount])
        out += "\nsubset accuracy \(f(m.subsetAccuracy)) (\(m.exactRows)/\(m.rows) examples with exactly the gold labels)\n"
        out += "hamming loss \(f(m.hammingLoss)) (wrong decisions over \(m.rows) examples x \(m.labelCount) labels)\n"
        return out
    }

    /// One JSON document:
    /// `{"subset_accuracy", "hamming_loss", "examples", "macro": {"precision","recall","f1"}, "micro": {…},
    ///   "per_label": [{"label","threshold","precision","recall","f1","support"}]}`.
    public func json(labelNames: [String]) -> String {
        let m = metrics
        func number(_ x: Double) -> String { x.isFinite ? "\(x)" : "0" }
        func average(_ p: Double, _ r: Double, _ f: Double) -> String {
            "{\"precision\": \(number(p)), \"recall\": \(number(r)), \"f1\": \(number(f))}"
        }
        var out = "{\n"
        out += "  \"subset_accuracy\": \(number(m.subsetAccuracy)),\n"
        out += "  \"hamming_loss\": \(number(m.hammingLoss)),\n"
        out += "  \"examples\": \(m.rows),\n"
        out += "  \"macro\": \(average(m.macroPrecision, m.macroRecall, m.macroF1)),\n"
        out += "  \"micro\": \(average(m.microPrecision, m.microRecall, m.microF1)),\n"
        out += "  \"per_label\": [\n"
        out += (0..<m.labelCount).map { i in
            "    {\"label\": \(JSONValue.quoted(labelNames[i])), \"threshold\": \(threshold(i)), "
                + "\"precision\": \(number(m.precision(i))), \"recall\": \(number(m.recall(i))), \"f1\": \(number(m.f1(i))), "
                + "\"support\": \(m.support(i))}"
        }.joined(separator: ",\n")
        out += m.labelCount > 0 ? "\n  ]\n}\n" : "  ]\n}\n"
        return out
    }
}
