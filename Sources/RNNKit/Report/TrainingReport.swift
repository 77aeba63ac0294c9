import Foundation

/// `RUN_DIR/report.html`: a run's curves as one self-contained page (inline SVG and CSS, no
/// script, nothing fetched): train and dev loss, the task's dev metrics per epoch (accuracy and
/// macro-F1 for classification; plus the scores every `eval_every` steps, as dots, from
/// steps.csv), the learning rate and the gradient
/// norm, the best epoch marked on every chart and in the table, and the run's resolved config.
///
/// A pure function of its inputs, so the trainer can call it after every epoch with the rows of
/// `log.csv` (`records(csv:)` reads them back, e.g. after a resume) and write the result.
public enum TrainingReport {
    static let colors = (train: "#1f77b4", dev: "#ff7f0e", lr: "#8c564b", grad: "#d62728")
    /// One colour per dev metric, in the task's order.
    static let metricColors = ["#2ca02c", "#9467bd", "#17becf", "#bcbd22", "#e377c2", "#7f7f7f"]

    /// Readable names of the metrics tasks report (others are shown as written).
    static func title(_ metric: String) -> String {
        ["accuracy": "accuracy", "macro_f1": "macro-F1", "micro_f1": "micro-F1", "span_f1": "span F1",
         "subset_accuracy": "subset accuracy", "intent_accuracy": "intent accuracy"][metric] ?? metric
    }

    /// The whole page. `metrics` are the task's dev metric names in order (classification's by
    /// default); `bestEpoch` is marked when given; `stepEvaluations` add dots to the dev charts.
    public static func render(records: [EpochRecord], metrics: [String] = EpochRecord.classificationMetrics,
                              config: RunConfig, bestEpoch: Int?, stepEvaluations: [StepEvaluation] = []) -> String {
        let metric = config.training.earlyStopping.metric.rawValue
        let markers = bestEpoch.map { [(x: Double($0), label: "best: epoch \($0)")] } ?? []
        func line(_ name: String, _ color: String, _ value: (EpochRecord) -> Double?) -> LineChart.Series {
            LineChart.Series(name: name, color: color, points: records.compactMap { r in value(r).map { (Double(r.epoch), $0) } })
        }
        func dots(_ name: String, _ color: String, _ value: (StepEvaluation) -> Double?) -> [LineChart.Series] {
            let points = stepEvaluations.compactMap { s in value(s).map { (s.epochPosition, $0) } }
            return points.isEmpty ? [] : [LineChart.Series(name: name, color: color, points: points, dotsOnly: true)]
        }
        let everyN = config.training.evalEvery
        let colored = metrics.enumerated().map { ($1, metricColors[$0 % metricColors.count]) }
        let charts = [
            LineChart(title: "Loss", series: [line("train loss", colors.train, \.trainLoss), line("dev loss", colors.dev, \.devLoss)]
                      + dots("dev loss every \(everyN) steps", colors.dev, \.devLoss), markers: markers),
            LineChart(title: "Dev " + metrics.map(title).joined(separator: ", "),
                      series: colored.map { m, c in line("dev " + title(m), c) { $0.devMetrics[m] } }
                      + colored.flatMap { m, c in dots(title(m) + " every \(everyN) steps", c) { $0.devMetrics[m] } }, markers: markers),
            LineChart(title: "Learning rate (at the end of the epoch)", series: [line("learning rate", colors.lr, \.learningRate)], markers: markers),
            LineChart(title: "Gradient norm (epoch mean, before clipping)", series: [line("gradient norm", colors.grad, \.gradientNorm)], markers: markers),
        ]

        var body = "<h1>Training report</h1>\n<p class=\"meta\">"
        body += "run folder \(HTMLPage.escape(config.output.dir)) · model \(HTMLPage.escape(modelSummary(config)))<br/>"
        body += "\(records.count) epoch\(records.count == 1 ? "" : "s") of \(config.training.epochs) · "
        if let best = bestEpoch, let r = records.first(where: { $0.epoch == best }) {
            body += "best epoch \(best) by \(HTMLPage.escape(metric))"
            let shown = metrics.compactMap { m in r.devMetrics[m].map { "\(title(m)) \(HTMLPage.number($0))" } }
            if !shown.isEmpty { body += " (dev " + shown.joined(separator: ", ") + ")" }
            body += " · "
        }
        let seconds = records.reduce(0) { $0 + $1.seconds }
        body += "training time \(String(format: "%.1f", seconds)) s</p>\n"
        body += "<div class=\"charts\">\n" + charts.map { $0.render() }.joined(separator: "\n") + "\n</div>\n"
        body += epochTable(records, metrics: metrics, bestEpoch: bestEpoch)
        if !stepEvaluations.isEmpty { body += stepTable(stepEvaluations, metrics: metrics) }
        body += "<h2>Run config (resolved)</h2>\n<pre class=\"config\">\(HTMLPage.escape(config.resolvedJSON()))</pre>\n"
        return HTMLPage.page(title: "Training report: \(config.output.dir)", body: body)
    }

    static func modelSummary(_ config: RunConfig) -> String {
        let m = config.model
        var s = "\(m.kind.rawValue), \(m.cell.rawValue), hidden \(m.hiddenSize) x \(m.layers) layer\(m.layers == 1 ? "" : "s")"
        s += m.bidirectional ? ", bidirectional" : ""
        s += m.kind == .textrcnn ? ", \(m.rcnnVariant.rawValue)" : ", \(m.pooling.rawValue) pooling"
        return s + ", embedding \(config.embedding.dim)"
    }

    static func epochTable(_ records: [EpochRecord], metrics: [String], bestEpoch: Int?) -> String {
        func cell(_ x: Double?) -> String { "<td>\(x.map(HTMLPage.number) ?? "–")</td>" }
        var rows = ""
        for r in records {
            rows += "<tr class=\"epoch\(r.epoch == bestEpoch ? " best" : "")\" data-epoch=\"\(r.epoch)\"><td>\(r.epoch)</td>"
            rows += cell(r.trainLoss) + cell(r.devLoss) + metrics.map { cell(r.devMetrics[$0]) }.joined() + cell(r.learningRate)
            rows += cell(r.gradientNorm) + "<td>\(String(format: "%.1f", r.seconds))</td></tr>\n"
        }
        let table = "<table class=\"epochs\"><thead><tr><th>epoch</th><th>train loss</th><th>dev loss</th>"
            + metrics.map { "<th>dev \(title($0))</th>" }.joined()
            + "<th>learning rate</th><th>gradient norm</th><th>seconds</th></tr></thead>\n<tbody>\n\(rows)</tbody></table>\n"
        // A long run's table is folded; the charts above carry the picture.
        if records.count > 30 {
            return "<h2>Per epoch</h2>\n<details><summary>\(records.count) epochs (show the table)</summary>\n\(table)</details>\n"
        }
        return "<h2>Per epoch</h2>\n\(table)"
    }

    static func stepTable(_ steps: [StepEvaluation], metrics: [String]) -> String {
        func cell(_ x: Double?) -> String { "<td>\(x.map(HTMLPage.number) ?? "–")</td>" }
        var rows = ""
        for s in steps {
            rows += "<tr class=\"step\"><td>\(s.step)</td>" + cell(s.epochPosition) + cell(s.devLoss)
                + metrics.map { cell(s.devMetrics[$0]) }.joined() + "</tr>\n"
        }
        return "<h2>Dev scores inside epochs</h2>\n<details><summary>\(steps.count) evaluations</summary>\n<table class=\"steps\"><thead><tr>"
            + "<th>step</th><th>epoch position</th><th>dev loss</th>" + metrics.map { "<th>dev \(title($0))</th>" }.joined()
            + "</tr></thead>\n<tbody>\n\(rows)</tbody></table></details>\n"
    }

    /// The rows of a `log.csv` (`EpochRecord.records(csv:)`).
    public static func records(csv: String) -> [EpochRecord] { EpochRecord.records(csv: csv) }
}
