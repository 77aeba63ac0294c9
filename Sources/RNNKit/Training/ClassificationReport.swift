import Foundation

/// Per-class and averaged scores from a confusion matrix, as an aligned text table or JSON.
///
/// Linear in the number of classes K: one row per class, averages over K. The full
/// K x K confusion matrix is written only up to `fullMatrixMaxClasses` classes; above
/// that the table lists the `topConfusionCount` most frequent confusions and the JSON
/// lists the matrix's non-zero cells.
public struct ClassificationReport {
    /// Most classes for which the whole confusion matrix is written (a 50-column table
    /// is already wider than most terminals; 100,000 columns would be 10^10 cells).
    public static let fullMatrixMaxClasses = 50
    /// Confusions listed instead of the matrix above `fullMatrixMaxClasses`.
    public static let topConfusionCount = 20

    public let confusion: ConfusionMatrix

    public init(confusion: ConfusionMatrix) { self.confusion = confusion }

    /// Class names; missing or extra names fall back to the class index.
    private func names(_ labelNames: [String]) -> [String] {
        (0..<confusion.classCount).map { $0 < labelNames.count ? labelNames[$0] : String($0) }
    }

    /// Per-class rows (precision, recall, F1, support), macro and micro averages, accuracy,
    /// then the confusion matrix (rows actual, columns predicted) or, above
    /// `fullMatrixMaxClasses` classes, the most frequent confusions. Columns are aligned by
    /// display width, so CJK and emoji label names (two columns each) line up too; control
    /// characters in names (possible in checkpoints older than the check) are escaped.
    public func table(labelNames: [String]) -> String {
        let labels = names(labelNames).map(LabelText.forDisplay)
        let c = confusion
        func f(_ x: Double) -> String { format(x, digits: 4) }
        var rows: [[String]] = [["label", "precision", "recall", "f1", "support"]]
        rows.reserveCapacity(c.classCount + 3)
        for i in 0..<c.classCount {
            rows.append([labels[i], f(c.precision(i)), f(c.recall(i)), f(c.f1(i)), String(c.support(i))])
        }
        rows.append(["macro avg", f(c.macroPrecision), f(c.macroRecall), f(c.macroF1), String(c.total)])
        rows.append(["micro avg", f(c.microPrecision), f(c.microRecall), f(c.microF1), String(c.total)])
        var out = Self.align(rows, separatorAfter: [0, c.classCount])
        out += "\naccuracy \(f(c.accuracy)) (\(c.correct)/\(c.total))\n"

        if c.classCount <= Self.fullMatrixMaxClasses {
            out += "\nconfusion matrix (rows: actual, columns: predicted)\n"
            let dense = c.denseCounts()
            var matrix: [[String]] = [["actual \\ predicted"] + labels]
            for a in 0..<c.classCount { matrix.append([labels[a]] + dense[a].map(String.init)) }
            out += Self.align(matrix, separatorAfter: [0])
            return out
        }
        let top = c.topConfusions(Self.topConfusionCount)
        out += "\nconfusion matrix not shown: \(c.classCount) classes is more than \(Self.fullMatrixMaxClasses) "
            + "(--json lists every non-zero cell)\n"
        out += "most frequent confusions: \(top.count) of \(c.confusionCellCount) distinct (actual, predicted) pairs\n"
        guard !top.isEmpty else { return out }
        var list: [[String]] = [["actual", "predicted", "count", "% of actual"]]
        for cell in top {
            let share = 100 * Double(cell.count) / Double(max(1, c.support(cell.actual)))
            list.append([labels[cell.actual], labels[cell.predicted], String(cell.count), format(share, digits: 1)])
        }
        out += Self.align(list, separatorAfter: [0])
        return out
    }

    /// One JSON document:
    /// `{"accuracy", "examples", "macro": {"precision","recall","f1"}, "micro": {…},
    ///   "per_class": [{"label","precision","recall","f1","support"}], "confusion": {"labels", …}}`.
    /// Up to `fullMatrixMaxClasses` classes `confusion` holds `"matrix"` (rows actual, columns
    /// predicted); above, `"cells"`: every non-zero cell as `[actual, predicted, count]`
    /// (class indices into `labels`), sorted by actual then predicted.
    public func json(labelNames: [String]) -> String {
        let labels = names(labelNames)
        let c = confusion
        func average(_ p: Double, _ r: Double, _ f: Double) -> String {
            "{\"precision\": \(number(p)), \"recall\": \(number(r)), \"f1\": \(number(f))}"
        }
        var out = "{\n"
        out += "  \"accuracy\": \(number(c.accuracy)),\n"
        out += "  \"examples\": \(c.total),\n"
        out += "  \"macro\": \(average(c.macroPrecision, c.macroRecall, c.macroF1)),\n"
        out += "  \"micro\": \(average(c.microPrecision, c.microRecall, c.microF1)),\n"
        out += "  \"per_class\": [\n"
        out += (0..<c.classCount).map { i in
            "    {\"label\": \(JSONValue.quoted(labels[i])), \"precision\": \(number(c.precision(i))), "
                + "\"recall\": \(number(c.recall(i))), \"f1\": \(number(c.f1(i))), \"support\": \(c.support(i))}"
        }.joined(separator: ",\n")
        out += c.classCount > 0 ? "\n  ],\n" : "  ],\n"
        out += "  \"confusion\": {\n"
        out += "    \"labels\": [\(labels.map(JSONValue.quoted).joined(separator: ", "))],\n"
        if c.classCount <= Self.fullMatrixMaxClasses {
            let dense = c.denseCounts()
            out += "    \"matrix\": [\(dense.map { "[" + $0.map(String.init).joined(separator: ", ") + "]" }.joined(separator: ", "))]\n"
        } else {
            out += "    \"cells\": [\(c.cells.map { "[\($0.actual), \($0.predicted), \($0.count)]" }.joined(separator: ", "))]\n"
        }
        out += "  }\n}\n"
        return out
    }

    // MARK: Formatting

    /// Rows as columns: first column left-aligned, the others right-aligned, two spaces apart,
    /// with a dashed rule after the listed row indices.
    static func align(_ rows: [[String]], separatorAfter: Set<Int>) -> String {
        let columns = rows.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for row in rows { for (j, cell) in row.enumerated() { widths[j] = max(widths[j], displayWidth(cell)) } }
        var out = ""
        for (i, row) in rows.enumerated() {
            var line = ""
            for (j, cell) in row.enumerated() {
                let pad = String(repeating: " ", count: widths[j] - displayWidth(cell))
                line += j == 0 ? cell + pad : "  " + pad + cell
            }
            out += line + "\n"
            if separatorAfter.contains(i) {
                out += String(repeating: "-", count: widths.reduce(0, +) + 2 * max(0, columns - 1)) + "\n"
            }
        }
        return out
    }

    /// Terminal columns a string takes (see `DisplayWidth`).
    static func displayWidth(_ text: String) -> Int { DisplayWidth.of(text) }

    /// `x` with `digits` decimals, as `String(format: "%.4f")` writes it (round half to even)
    /// but without its cost (about 9 µs a call on Linux: 3 s for a 100,000-class table).
    func format(_ x: Double, digits: Int) -> String {
        let scale = [1.0, 10, 100, 1_000, 10_000][digits]
        let product = x * scale
        let scaled = product.rounded(.toNearestOrEven)
        // Near a tie the product's own rounding may decide wrongly: printf sees the exact value.
        guard x.isFinite, x >= 0, scaled < 1e15, abs(abs(product - scaled) - 0.5) > 1e-6 else {
            return String(format: "%.\(digits)f", x)
        }
        let n = Int(scaled), unit = Int(scale)
        guard digits > 0 else { return String(n) }
        let fraction = String(n % unit)
        return "\(n / unit)." + String(repeating: "0", count: digits - fraction.count) + fraction
    }

    /// JSON number: shortest round-trip form of the Double (scores are finite by construction).
    private func number(_ x: Double) -> String { x.isFinite ? "\(x)" : "0" }
}
