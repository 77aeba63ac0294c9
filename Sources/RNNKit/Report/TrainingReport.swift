import Foundation

/// `RUN_DIR/report.html`: a run's curves as one self-contained page (inline SVG and CSS, no
/// script, nothing fetched): train and dev loss, dev accuracy and macro-F1 per epoch (plus the
/// scores every `eval_every` steps, as dots, when given), the learning rate and the gradient
/// norm, the best epoch marked on every chart and in the table, and the run's resolved config.
///
/// A pure function of its inputs, so the trainer can call it after every epoch with the rows of
/// `log.csv` (`records(csv:)` reads them back, e.g. after a resume) and write the result.
public enum TrainingReport {
    /// Dev scores measured inside an epoch (`training.eval_every`).
    public struct StepEvaluation: Equatable {
        /// Training step (batches since the start).
        public var step: Int
        /// Position in epochs completed when measured: 1.5 is halfway through epoch 2.
        public var epochPosition: Double
        public var devLoss: Double?
        public var devAccuracy: Double?
        public var devMacroF1: Double?

        public init(step: Int, epochPosition: Double, devLoss: Double?, devAccuracy: Double?, devMacroF1: Double?) {
            self.step = step
            self.epochPosition = epochPosition
            self.devLoss = devLoss
            self.devAccuracy = devAccuracy
            self.devMacroF1 = devMacroF1
        }
    }

    static let colors = (train: "#1f77b4", dev: "#ff7f0e", accuracy: "#2ca02c", f1: "#9467bd", lr: "#8c564b", grad: "#d62728")

    /// The whole page. `bestEpoch` is marked when given; `stepEvaluations` add dots to the dev charts.
    public static func render(records: [EpochRecord], config: RunConfig, bestEpoch: Int?,
                              stepEvaluations: [StepEvaluation] = []) -> String {
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
        let charts = [
            LineChart(title: "Loss (cross-entropy)", series: [line("train loss", colors.train, \.trainLoss), line("dev loss", colors.dev, \.devLoss)]
                      + dots("dev loss every \(everyN) steps", colors.dev, \.devLoss), markers: markers),
            LineChart(title: "Dev accuracy and macro-F1", series: [line("dev accuracy", colors.accuracy, \.devAccuracy),
                                                                  line("dev macro-F1", colors.f1, \.devMacroF1)]
                      + dots("accuracy every \(everyN) steps", colors.accuracy, \.devAccuracy)
                      + dots("macro-F1 every \(everyN) steps", colors.f1, \.devMacroF1), markers: markers),
            LineChart(title: "Learning rate (at the end of the epoch)", series: [line("learning rate", colors.lr, \.learningRate)], markers: markers),
            LineChart(title: "Gradient norm (epoch mean, before clipping)", series: [line("gradient norm", colors.grad, \.gradientNorm)], markers: markers),
        ]

        var body = "<h1>Training report</h1>\n<p class=\"meta\">"
        body += "run folder \(HTMLPage.escape(config.output.dir)) · model \(HTMLPage.escape(modelSummary(config)))<br/>"
        body += "\(records.count) epoch\(records.count == 1 ? "" : "s") of \(config.training.epochs) · "
        if let best = bestEpoch, let r = records.first(where: { $0.epoch == best }) {
            body += "best epoch \(best) by \(HTMLPage.escape(metric))"
            if let a = r.devAccuracy { body += " (dev accuracy \(HTMLPage.number(a))" + (r.devMacroF1.map { ", macro-F1 \(HTMLPage.number($0))" } ?? "") + ")" }
            body += " · "
        }
        let seconds = records.reduce(0) { $0 + $1.seconds }
        body += "training time \(String(format: "%.1f", seconds)) s</p>\n"
        body += "<div class=\"charts\">\n" + charts.map { $0.render() }.joined(separator: "\n") + "\n</div>\n"
        body += epochTable(records, bestEpoch: bestEpoch)
        if !stepEvaluations.isEmpty { body += stepTable(stepEvaluations) }
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

    static func epochTable(_ records: [EpochRecord], bestEpoch: Int?) -> String {
        func cell(_ x: Double?) -> String { "<td>\(x.map(HTMLPage.number) ?? "–")</td>" }
        var rows = ""
        for r in records {
            rows += "<tr class=\"epoch\(r.epoch == bestEpoch ? " best" : "")\" data-epoch=\"\(r.epoch)\"><td>\(r.epoch)</td>"
            rows += cell(r.trainLoss) + cell(r.devLoss) + cell(r.devAccuracy) + cell(r.devMacroF1) + cell(r.learningRate)
            rows += cell(r.gradientNorm) + "<td>\(String(format: "%.1f", r.seconds))</td></tr>\n"
        }
        let table = "<table class=\"epochs\"><thead><tr><th>epoch</th><th>train loss</th><th>dev loss</th><th>dev accuracy</th>"
            + "<th>dev macro-F1</th><th>learning rate</th><th>gradient norm</th><th>seconds</th></tr></thead>\n<tbody>\n\(rows)</tbody></table>\n"
        // A long run's table is folded; the charts above carry the picture.
        if records.count > 30 {
            return "<h2>Per epoch</h2>\n<details><summary>\(records.count) epochs (show the table)</summary>\n\(table)</details>\n"
        }
        return "<h2>Per epoch</h2>\n\(table)"
    }

    static func stepTable(_ steps: [StepEvaluation]) -> String {
        var rows = ""
        for s in steps {
            rows += "<tr class=\"step\"><td>\(s.step)</td><td>\(HTMLPage.number(s.epochPosition))</td><td>\(s.devLoss.map(HTMLPage.number) ?? "–")</td>"
            rows += "<td>\(s.devAccuracy.map(HTMLPage.number) ?? "–")</td><td>\(s.devMacroF1.map(HTMLPage.number) ?? "–")</td></tr>\n"
        }
        return "<h2>Dev scores inside epochs</h2>\n<details><summary>\(steps.count) evaluations</summary>\n<table class=\"steps\"><thead><tr>"
            + "<th>step</th><th>epoch position</th><th>dev loss</th><th>dev accuracy</th><th>dev macro-F1</th></tr></thead>\n"
            + "<tbody>\n\(rows)</tbody></table></details>\n"
    }

    /// The rows of a `log.csv` (`EpochRecord.records(csv:)`).
    public static func records(csv: String) -> [EpochRecord] { EpochRecord.records(csv: csv) }
}
