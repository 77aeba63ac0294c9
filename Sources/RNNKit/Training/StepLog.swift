import Foundation

/// Dev scores measured inside an epoch (`training.eval_every`), one row per evaluation in
/// `RUN_DIR/steps.csv`: `step,epoch_position,dev_loss,dev_<metric>...` (the task's metrics, as
/// log.csv). The report draws them as dots beside the per-epoch curves.
public struct StepEvaluation: Equatable {
    /// Training step (batches since the start).
    public var step: Int
    /// Position in epochs completed when measured: 1.5 is halfway through epoch 2.
    public var epochPosition: Double
    public var devLoss: Double?
    public var devMetrics: [String: Double]

    public init(step: Int, epochPosition: Double, devLoss: Double?, devMetrics: [String: Double]) {
        self.step = step
        self.epochPosition = epochPosition
        self.devLoss = devLoss
        self.devMetrics = devMetrics
    }

    public static func header(metrics: [String]) -> String {
        (["step", "epoch_position", "dev_loss"] + metrics.map { "dev_" + $0 }).joined(separator: ",")
    }

    public func csvRow(metrics: [String]) -> String {
        func f(_ x: Double?) -> String { x.map { String(format: "%.6g", $0) } ?? "" }
        return ([String(step), String(format: "%.4f", epochPosition), f(devLoss)] + metrics.map { f(devMetrics[$0]) })
            .joined(separator: ",")
    }

    /// The rows of a `steps.csv`, by its header; lines that do not parse are skipped.
    public static func records(csv: String) -> [StepEvaluation] {
        let lines = csv.split(separator: "\n")
        guard let head = lines.first else { return [] }
        let columns = head.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let index = Dictionary(columns.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let metrics = columns.filter { $0.hasPrefix("dev_") && $0 != "dev_loss" }
        return lines.dropFirst().compactMap { line in
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            func value(_ name: String) -> Double? { index[name].flatMap { $0 < f.count ? Double(f[$0]) : nil } }
            guard f.count == columns.count, let step = index["step"].flatMap({ Int(f[$0]) }),
                  let position = value("epoch_position") else { return nil }
            var dev: [String: Double] = [:]
            for m in metrics { dev[String(m.dropFirst(4))] = value(m) }
            return StepEvaluation(step: step, epochPosition: position, devLoss: value("dev_loss"), devMetrics: dev)
        }
    }
}

/// Appends evaluations to `steps.csv`; on resume the rows after the checkpoint's step are dropped.
public struct StepLog {
    public let path: String
    public let metrics: [String]

    public init(path: String, metrics: [String]) {
        self.path = path
        self.metrics = metrics
    }

    var file: AppendOnlyCSV { AppendOnlyCSV(path: path, header: StepEvaluation.header(metrics: metrics), what: "the step log") }

    public func truncate(afterStep lastKept: Int) throws { try file.truncate(keepingFirstColumnUpTo: lastKept) }

    public func append(_ evaluation: StepEvaluation) throws { try file.append(evaluation.csvRow(metrics: metrics)) }
}
