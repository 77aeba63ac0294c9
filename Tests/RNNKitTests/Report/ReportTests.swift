import Foundation
import XCTest
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import RNNKit

/// The HTML reports parse as XML and hold the series, cells and escaped names they should.
/// With `RNN_REPORT_DIR` set (`make report-check`), the rendered pages are also kept there to be
/// looked at in a browser. Mutation tried: `&` left unescaped fails every test here (the XML parse).
final class ReportTests: XCTestCase {
    static func keep(_ html: String, _ name: String) {
        guard let dir = ProcessInfo.processInfo.environment["RNN_REPORT_DIR"], !dir.isEmpty else { return }
        try? html.write(toFile: (dir as NSString).appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    func parse(_ html: String, file: StaticString = #filePath, line: UInt = #line) throws -> XMLDocument {
        XCTAssertFalse(html.lowercased().contains("<script"), "no script", file: file, line: line)
        XCTAssertFalse(html.contains("http://") || html.contains("https://"), "nothing fetched", file: file, line: line)
        return try XMLDocument(xmlString: html, options: [])
    }

    func nodes(_ doc: XMLDocument, _ xpath: String) throws -> [XMLNode] { try doc.nodes(forXPath: xpath) }

    func strings(_ doc: XMLDocument, _ xpath: String) throws -> [String] { try nodes(doc, xpath).map { $0.stringValue ?? "" } }

    static func config(dir: String = "/runs/a<b>&\"c\"") throws -> RunConfig {
        try RunConfig.parse(json: #"{"data": {"train": "/x/train.tsv"}, "model": {"kind": "textrnn"}, "training": {"epochs": 200, "eval_every": 50}, "output": {"dir": \#(JSONValue.quoted(dir))}}"#,
                            path: "c.json", checkFiles: false)
    }

    static func records(_ n: Int) -> [EpochRecord] {
        (1...n).map { e in
            let x = Double(e)
            return EpochRecord(epoch: e, trainLoss: 2 / x, devLoss: 2.2 / x + 0.001 * x, devMetrics: ["accuracy": 1 - 0.5 / x, "macro_f1": 1 - 0.6 / x],
                               learningRate: 0.001 * pow(0.99, x), gradientNorm: 3 + sin(x), seconds: 1.25)
        }
    }

    func points(_ doc: XMLDocument, series: String) throws -> [(x: Double, y: Double)] {
        let list = try strings(doc, "(//*[local-name()='g'][@data-series='\(series)'])[1]/*[local-name()='polyline']/@points").first ?? ""
        return list.split(separator: " ").map { pair in
            let xy = pair.split(separator: ",").map { Double($0)! }
            return (xy[0], xy[1])
        }
    }

    func testTrainingReportHasTheSeriesTheBestEpochAndEscapedConfig() throws {
        let steps = [StepEvaluation(step: 50, epochPosition: 0.5, devLoss: 2.5, devMetrics: ["accuracy": 0.3, "macro_f1": 0.2]),
                     StepEvaluation(step: 150, epochPosition: 1.5, devLoss: 1.5, devMetrics: ["accuracy": 0.6, "macro_f1": 0.5]),
                     StepEvaluation(step: 250, epochPosition: 2.5, devLoss: nil, devMetrics: ["accuracy": 0.7, "macro_f1": 0.6])]
        let html = TrainingReport.render(records: Self.records(5), config: try Self.config(), bestEpoch: 3, stepEvaluations: steps)
        Self.keep(html, "training-5.html")
        let doc = try parse(html)
        let names = Set(try strings(doc, "//*[local-name()='g'][@class='series']/@data-series"))
        XCTAssertEqual(names, ["train loss", "dev loss", "dev accuracy", "dev macro-F1", "learning rate", "gradient norm",
                               "dev loss every 50 steps", "accuracy every 50 steps", "macro-F1 every 50 steps"])
        // Loss falls, so its polyline goes down the page (SVG y grows downwards), left to right.
        let train = try points(doc, series: "train loss")
        XCTAssertEqual(train.count, 5)
        XCTAssertEqual(train.map(\.x), train.map(\.x).sorted())
        XCTAssertEqual(train.map(\.y), train.map(\.y).sorted(), "y grows as the loss falls")
        XCTAssertEqual(try nodes(doc, "//*[@data-series='dev loss every 50 steps']/*[local-name()='circle']").count, 2, "the step without a loss is left out")
        XCTAssertEqual(try nodes(doc, "//*[@data-series='accuracy every 50 steps']/*[local-name()='circle']").count, 3)
        XCTAssertEqual(try strings(doc, "//*[local-name()='g'][@class='marker']/@data-x"), ["3", "3", "3", "3"], "best epoch on every chart")
        XCTAssertEqual(try strings(doc, "//tr[contains(@class,'best')]/@data-epoch"), ["3"])
        XCTAssertEqual(try nodes(doc, "//table[@class='epochs']/tbody/tr").count, 5)
        XCTAssertEqual(try nodes(doc, "//table[@class='steps']/tbody/tr").count, 3)
        let config = try XCTUnwrap(try strings(doc, "//pre[@class='config']").first)
        XCTAssertTrue(config.contains(#""dir": "/runs/a<b>&\"c\"""#), config)
        XCTAssertTrue(html.contains("/runs/a&lt;b&gt;&amp;&quot;c&quot;"), "escaped in the markup")
    }

    /// Another task's metrics (multi-label here) get their own lines and columns; steps.csv rows
    /// read back as they were written.
    func testReportFollowsTheTasksMetricsAndStepLogRoundTrips() throws {
        let records = (1...3).map { EpochRecord(epoch: $0, trainLoss: 1 / Double($0), devLoss: 0.5,
                                                devMetrics: ["micro_f1": 0.1 * Double($0), "subset_accuracy": 0.05 * Double($0)],
                                                learningRate: 0.001, gradientNorm: 1, seconds: 2) }
        let metrics = ["micro_f1", "subset_accuracy"]
        let steps = [StepEvaluation(step: 7, epochPosition: 0.25, devLoss: 0.75, devMetrics: ["micro_f1": 0.05, "subset_accuracy": 0.01])]
        let csv = ([StepEvaluation.header(metrics: metrics)] + steps.map { $0.csvRow(metrics: metrics) }).joined(separator: "\n")
        XCTAssertEqual(StepEvaluation.records(csv: csv), steps)
        let html = TrainingReport.render(records: records, metrics: metrics, config: try Self.config(), bestEpoch: 3,
                                         stepEvaluations: StepEvaluation.records(csv: csv))
        let doc = try parse(html)
        let names = Set(try strings(doc, "//*[local-name()='g'][@class='series']/@data-series"))
        XCTAssertTrue(names.isSuperset(of: ["dev micro-F1", "dev subset accuracy", "micro-F1 every 50 steps"]), "\(names)")
        XCTAssertFalse(names.contains("dev accuracy"))
        XCTAssertEqual(try points(doc, series: "dev micro-F1").count, 3)
        XCTAssertEqual(try strings(doc, "//table[@class='epochs']/thead/tr/th"),
                       ["epoch", "train loss", "dev loss", "dev micro-F1", "dev subset accuracy", "learning rate", "gradient norm", "seconds"])
        XCTAssertEqual(try nodes(doc, "//table[@class='steps']/tbody/tr").count, 1)
    }

    func testOneEpochAndTwoHundredEpochsStayReadable() throws {
        let one = TrainingReport.render(records: Self.records(1), config: try Self.config(), bestEpoch: 1)
        Self.keep(one, "training-1.html")
        var doc = try parse(one)
        let dot = try XCTUnwrap(try nodes(doc, "//*[@data-series='train loss']/*[local-name()='circle']").first as? XMLElement)
        let cx = Double(dot.attribute(forName: "cx")!.stringValue!)!
        XCTAssertEqual(cx, LineChart.left + (LineChart.width - LineChart.left - LineChart.right) / 2, accuracy: 0.01, "a single epoch sits mid-chart")
        XCTAssertEqual(dot.attribute(forName: "fill-opacity")?.stringValue, "1", "and is drawn")
        XCTAssertEqual(try strings(doc, "(//*[local-name()='g'][@class='x-axis'])[1]/*[@class='tick']"), ["1"])

        let many = TrainingReport.render(records: Self.records(200), config: try Self.config(), bestEpoch: 187)
        Self.keep(many, "training-200.html")
        doc = try parse(many)
        XCTAssertEqual(try points(doc, series: "dev loss").count, 200)
        for axis in ["x-axis", "y-axis"] {
            for chart in 1...4 {
                let ticks = try strings(doc, "(//*[local-name()='g'][@class='\(axis)'])[\(chart)]/*[@class='tick']")
                XCTAssertTrue((2...11).contains(ticks.count), "\(axis) of chart \(chart): \(ticks)")
                XCTAssertEqual(Set(ticks).count, ticks.count, "distinct labels: \(ticks)")
            }
        }
        XCTAssertEqual(Set(try strings(doc, "//*[@data-series='train loss']/*[local-name()='circle']/@fill-opacity")), ["0"],
                       "200 dots would blur the line: hover targets only")
        XCTAssertEqual(try nodes(doc, "//details/table[@class='epochs']/tbody/tr").count, 200, "the long table is folded")
    }

    func testEvaluationReportCellsRowSharesBarsAndEscaping() throws {
        let labels = ["<b>", "a&b", "\"q\" '中文'"]
        var m = ConfusionMatrix(classCount: 3)
        let counts = [[5, 1, 0], [2, 6, 2], [0, 0, 4]]
        for a in 0..<3 { for p in 0..<3 where counts[a][p] > 0 { m.add(predicted: p, actual: a, count: counts[a][p]) } }
        let html = EvaluationReport.render(confusion: m, labels: labels, source: "x.ckpt on <dev>.tsv")
        Self.keep(html, "eval-3.html")
        let doc = try parse(html)
        XCTAssertEqual(try strings(doc, "//table[contains(@class,'cm')]//th[@class='col']/span").dropLast(), labels[...], "column names, unescaped by the parser")
        XCTAssertEqual(try strings(doc, "//table[contains(@class,'cm')]/tbody/tr/th"), labels)
        XCTAssertEqual(try strings(doc, "//td[contains(@class,'cell')]/@data-count").map { Int($0)! }, counts.flatMap { $0 }, "rows true, columns predicted")
        let shares = try strings(doc, "//td[contains(@class,'cell')]/@data-row-share").map { Double($0)! }
        XCTAssertEqual(shares[3], 0.2, accuracy: 1e-9)
        XCTAssertEqual(shares[4], 0.6, accuracy: 1e-9)
        XCTAssertEqual(try strings(doc, "//table[contains(@class,'cm')]/tbody/tr[1]/td[contains(@class,'cell')]/small"), ["83.3%", "16.7%", ""],
                       "percent of the row shown; none for an empty cell")
        XCTAssertEqual(try strings(doc, "//table[contains(@class,'cm')]/tbody/tr[2]/td[contains(@class,'cell')]/small"), ["20.0%", "60.0%", "20.0%"])
        XCTAssertTrue(try strings(doc, "//td[contains(@class,'cell')]/@title")[1].contains("true <b>, predicted a&b: 1 of 6"))
        let precision = try strings(doc, "//td[@data-metric='precision']/@data-value").map { Double($0)! }
        XCTAssertEqual(precision[0], 5.0 / 7, accuracy: 1e-6)
        XCTAssertEqual(precision[3], m.macroPrecision, accuracy: 1e-6)
        XCTAssertEqual(try strings(doc, "//td[@data-metric='f1']/@data-value").count, 4, "three classes and the macro average")
        XCTAssertEqual(try strings(doc, "//title"), ["Evaluation report: x.ckpt on <dev>.tsv"])
    }

    func testEvaluationReportScalesFromTwoToAHundredClassesWithCJKNames() throws {
        for n in [2, 100] {
            let labels = (0..<n).map { "类别\($0)号" + (($0 % 7 == 0) ? "（很长的中文类别名称）" : "") }
            var m = ConfusionMatrix(classCount: n)
            for a in 0..<n { m.add(predicted: a, actual: a, count: 10 + a % 5); m.add(predicted: (a + 1) % n, actual: a, count: a % 3) }
            let html = EvaluationReport.render(confusion: m, labels: labels)
            Self.keep(html, "eval-\(n).html")
            let doc = try parse(html)
            XCTAssertEqual(try nodes(doc, "//td[contains(@class,'cell')]").count, n * n)
            XCTAssertEqual(try nodes(doc, "//table[contains(@class,'compact')]").count, n > EvaluationReport.compactAbove ? 1 : 0)
            XCTAssertEqual(try nodes(doc, "//td[contains(@class,'cell')]/small").count, n > EvaluationReport.compactAbove ? 0 : n * n)
            XCTAssertEqual(try strings(doc, "//td[contains(@class,'diagonal')]/@data-count").count, n)
            XCTAssertEqual(try strings(doc, "//table[@class='per-class']/tbody/tr/td[@class='label']").dropLast(), labels[...])
        }
    }

    /// `make report-check` points `RNN_REPORT_RUN` at a short real run: its log.csv and config.json
    /// become a page like the one the trainer writes.
    func testARealRunRendersWhenGiven() throws {
        guard let run = ProcessInfo.processInfo.environment["RNN_REPORT_RUN"], !run.isEmpty else {
            throw XCTSkip("RNN_REPORT_RUN is not set (make report-check sets it)")
        }
        let records = TrainingReport.records(csv: try String(contentsOfFile: run + "/log.csv", encoding: .utf8))
        XCTAssertFalse(records.isEmpty)
        let config = try RunConfig.load(path: run + "/config.json")
        let best = records.max { ($0.devAccuracy ?? 0, -$0.epoch) < ($1.devAccuracy ?? 0, -$1.epoch) }?.epoch
        let html = TrainingReport.render(records: records, config: config, bestEpoch: best)
        XCTAssertEqual(try points(try parse(html), series: "dev accuracy").count, records.count > 1 ? records.count : 0)
        Self.keep(html, "training-sample.html")
    }

    func testRecordsReadBackFromTheLogCSV() {
        let records = Self.records(3) + [EpochRecord(epoch: 4, trainLoss: 0.5, devLoss: nil,
                                                     learningRate: 1e-4, gradientNorm: 2, seconds: 3)]
        let m = EpochRecord.classificationMetrics
        let csv = EpochRecord.header(metrics: m) + "\n" + records.map { $0.csvRow(metrics: m) }.joined(separator: "\n") + "\nnot,a,row\n"
        let back = TrainingReport.records(csv: csv)
        XCTAssertEqual(back.map(\.epoch), [1, 2, 3, 4])
        XCTAssertEqual(back.map { $0.csvRow(metrics: m) }, records.map { $0.csvRow(metrics: m) }, "the CSV's precision, read back as written")
        XCTAssertNil(back[3].devAccuracy)
    }
}
