import Foundation

/// Per-class and averaged scores from a confusion matrix, as an aligned text table or JSON.
public struct ClassificationReport {
    public let confusion: ConfusionMatrix

    public init(confusion: ConfusionMatrix) { self.confusion = confusion }

    /// Class names; missing or extra names fall back to the class index.
    private func names(_ labelNames: [String]) -> [String] {
        (0..<confusion.classCount).map { $0 < labelNames.count ? labelNames[$0] : String($0) }
    }

    /// Per-class rows (precision, recall, F1, support), macro and micro averages, accuracy,
    /// then the confusion matrix (rows actual, columns predicted). Columns are aligned by
    /// display width, so CJK label names (two columns each) line up too.
    public func table(labelNames: [String]) -> String {
        let labels = names(labelNames)
        let c = confusion
        func f(_ x: Double) -> String { format(x, digits: 4) }
        var rows: [[String]] = [["label", "precision", "recall", "f1", "support"]]
        for i in 0..<c.classCount {
            rows.append([labels[i], f(c.precision(i)), f(c.recall(i)), f(c.f1(i)), String(c.support(i))])
        }
        rows.append(["macro avg", f(c.macroPrecision), f(c.macroRecall), f(c.macroF1), String(c.total)])
        rows.append(["micro avg", f(c.microPrecision), f(c.microRecall), f(c.microF1), String(c.total)])
        var out = Self.align(rows, separatorAfter: [0, c.classCount])
        out += "\naccuracy \(f(c.accuracy)) (\(c.correct)/\(c.total))\n"

        out += "\nconfusion matrix (rows: actual, columns: predicted)\n"
        var matrix: [[String]] = [["actual \\ predicted"] + labels]
        for a in 0..<c.classCount { matrix.append([labels[a]] + c.counts[a].map(String.init)) }
        out += Self.align(matrix, separatorAfter: [0])
        return out
    }

    /// One JSON document:
    /// `{"accuracy", "examples", "macro": {"precision","recall","f1"}, "micro": {…},
    ///   "per_class": [{"label","precision","recall","f1","support"}], "confusion": {"labels","matrix"}}`.
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
        out += "    \"matrix\": [\(c.counts.map { "[" + $0.map(String.init).joined(separator: ", ") + "]" }.joined(separator: ", "))]\n"
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

    /// Terminal columns a string takes: East Asian wide and fullwidth characters count 2,
    /// combining marks and zero-width characters 0, everything else 1.
    static func displayWidth(_ text: String) -> Int {
        var width = 0
        for scalar in text.unicodeScalars {
            let v = scalar.value
            switch scalar.properties.generalCategory {
            case .nonspacingMark, .enclosingMark, .format: continue
            default: break
            }
            let wide = (0x1100...0x115F).contains(v) || (0x2E80...0x303E).contains(v) || (0x3041...0x33FF).contains(v)
                || (0x3400...0x4DBF).contains(v) || (0x4E00...0x9FFF).contains(v) || (0xA000...0xA4CF).contains(v)
                || (0xAC00...0xD7A3).contains(v) || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v)
                || (0xFF00...0xFF60).contains(v) || (0xFFE0...0xFFE6).contains(v) || (0x1F300...0x1F64F).contains(v)
                || (0x1F900...0x1F9FF).contains(v) || (0x20000...0x3FFFD).contains(v)
            width += wide ? 2 : 1
        }
        return width
    }

    private func format(_ x: Double, digits: Int) -> String { String(format: "%.\(digits)f", x) }

    /// JSON number: shortest round-trip form of the Double (scores are finite by construction).
    private func number(_ x: Double) -> String { x.isFinite ? "\(x)" : "0" }
}
