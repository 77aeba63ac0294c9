import Foundation

/// `rnn-eval --report FILE.html`: the confusion matrix as a heatmap and per-class precision,
/// recall and F1 as bars, in one self-contained page (inline CSS, no script, nothing fetched).
///
/// The matrix is an HTML table (rows = true label, columns = predicted label) so label names of
/// any script lay out with the browser's fonts: column names run vertically. A cell's colour is
/// its share of its row (the recall view: the diagonal of a good model is dark); it shows the
/// count and that row percentage, and its tooltip says both in words. Above `compactAbove`
/// classes the cells shrink and show non-zero counts only (the tooltip keeps the rest), so 100
/// classes stay legible on a wide screen.
public enum EvaluationReport {
    static let compactAbove = 20

    /// The whole page; `source` says what was scored (e.g. "best.ckpt on dev.tsv").
    public static func render(confusion: ConfusionMatrix, labels: [String], source: String? = nil) -> String {
        let c = confusion
        let names = (0..<c.classCount).map { $0 < labels.count ? labels[$0] : String($0) }
        var body = "<h1>Evaluation report</h1>\n<p class=\"meta\">"
        if let source { body += "\(HTMLPage.escape(source)) · " }
        body += "\(c.total) examples, \(c.classCount) classes · accuracy <b class=\"accuracy\">\(HTMLPage.number(c.accuracy))</b>"
        body += " (\(c.correct)/\(c.total)) · macro precision \(HTMLPage.number(c.macroPrecision)), recall "
        body += "\(HTMLPage.number(c.macroRecall)), F1 <b>\(HTMLPage.number(c.macroF1))</b></p>\n"
        body += "<h2>Confusion matrix</h2>\n<p class=\"axis-note\">Rows: true label. Columns: predicted label. "
        body += "Colour: share of the row (darker = more of that true label went there).</p>\n"
        body += heatmap(c, names: names)
        body += "<h2>Per class</h2>\n" + bars(c, names: names)
        return HTMLPage.page(title: "Evaluation report" + (source.map { ": \($0)" } ?? ""), body: body)
    }

    /// White to dark blue; text turns white on the darker half.
    static func color(_ share: Double) -> (background: String, text: String) {
        let s = max(0, min(1, share))
        let (r, g, b) = (255 - (255 - 8) * s, 255 - (255 - 69) * s, 255 - (255 - 148) * s)
        return (String(format: "rgb(%d,%d,%d)", Int(r.rounded()), Int(g.rounded()), Int(b.rounded())), s > 0.45 ? "#fff" : "#222")
    }

    static func heatmap(_ c: ConfusionMatrix, names: [String]) -> String {
        let compact = c.classCount > compactAbove
        var out = "<div class=\"scroll\"><table class=\"cm\(compact ? " compact" : "")\">\n<thead><tr><th class=\"corner\">true \\ predicted</th>"
        for (j, name) in names.enumerated() {
            out += "<th class=\"col\" data-class=\"\(j)\" title=\"predicted: \(HTMLPage.escape(name))\"><span>\(HTMLPage.escape(name))</span></th>"
        }
        out += "<th class=\"col\"><span>support</span></th></tr></thead>\n<tbody>\n"
        for i in 0..<c.classCount {
            let support = c.support(i)
            out += "<tr data-class=\"\(i)\"><th class=\"row label\" title=\"true: \(HTMLPage.escape(names[i]))\">\(HTMLPage.escape(names[i]))</th>"
            for j in 0..<c.classCount {
                let count = c.count(actual: i, predicted: j)
                let share = support == 0 ? 0 : Double(count) / Double(support)
                let (background, text) = color(share)
                let tip = "true \(names[i]), predicted \(names[j]): \(count) of \(support) (\(HTMLPage.percent(share)) of the row)"
                out += "<td class=\"cell\(i == j ? " diagonal" : "")\" data-count=\"\(count)\" data-row-share=\"\(String(format: "%.6f", share))\" "
                    + "style=\"background:\(background);color:\(text)\" title=\"\(HTMLPage.escape(tip))\">\(compact && count == 0 ? "" : String(count))"
                if !compact { out += "<small>\(count == 0 ? "" : HTMLPage.percent(share))</small>" }
                out += "</td>"
            }
            out += "<td class=\"support\">\(support)</td></tr>\n"
        }
        return out + "</tbody></table></div>\n"
    }

    static func bars(_ c: ConfusionMatrix, names: [String]) -> String {
        let colors = ["#1f77b4", "#ff7f0e", "#2ca02c"]
        func bar(_ value: Double, _ color: String, _ what: String) -> String {
            "<td class=\"bar\" data-metric=\"\(what)\" data-value=\"\(String(format: "%.6f", value))\"><span class=\"value\">\(String(format: "%.3f", value))</span>"
                + "<span class=\"fill\" style=\"width:\(String(format: "%.1f", 120 * value))px;background:\(color)\"></span></td>"
        }
        var out = "<table class=\"per-class\"><thead><tr><th class=\"label\">label</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr></thead>\n<tbody>\n"
        for i in 0..<c.classCount {
            out += "<tr data-class=\"\(i)\"><td class=\"label\" title=\"\(HTMLPage.escape(names[i]))\">\(HTMLPage.escape(names[i]))</td>"
            out += bar(c.precision(i), colors[0], "precision") + bar(c.recall(i), colors[1], "recall") + bar(c.f1(i), colors[2], "f1")
            out += "<td>\(c.support(i))</td></tr>\n"
        }
        out += "<tr class=\"average\"><td class=\"label\">macro average</td>"
        out += bar(c.macroPrecision, colors[0], "precision") + bar(c.macroRecall, colors[1], "recall") + bar(c.macroF1, colors[2], "f1")
        out += "<td>\(c.total)</td></tr>\n"
        return out + "</tbody></table>\n"
    }
}
