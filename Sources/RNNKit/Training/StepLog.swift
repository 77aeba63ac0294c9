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
        RunLogCSV.rows(csv).compactMap { row in
            guard let step = row.integer("step"), let position = row.value("epoch_position") else { return nil }
            return StepEvaluation(step: step, epochPosition: position, devLoss: row.value("dev_loss"), devMetrics: row.devMetrics)
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
