import Foundation

/// One row per epoch in `RUN_DIR/log.csv`, for plots and for people.
///
/// The dev columns are the task's (`TrainingTask.metricNames`, each written `dev_<name>`):
/// classification writes `dev_accuracy` and `dev_macro_f1`, as log files always had.
public struct EpochRecord: Equatable {
    public var epoch: Int
    public var trainLoss: Double
    public var devLoss: Double?
    /// The task's dev metrics by name (absent without a dev set).
    public var devMetrics: [String: Double]
    public var learningRate: Double
    public var gradientNorm: Double
    public var seconds: Double

    public init(epoch: Int, trainLoss: Double, devLoss: Double? = nil, devMetrics: [String: Double] = [:],
                learningRate: Double, gradientNorm: Double, seconds: Double) {
        self.epoch = epoch
        self.trainLoss = trainLoss
        self.devLoss = devLoss
        self.devMetrics = devMetrics
        self.learningRate = learningRate
        self.gradientNorm = gradientNorm
        self.seconds = seconds
    }

    /// Classification's two metrics (the report and older callers read them by name).
    public var devAccuracy: Double? { devMetrics["accuracy"] }
    public var devMacroF1: Double? { devMetrics["macro_f1"] }

    /// The metrics classification reports: the columns log files had before tasks existed.
    public static let classificationMetrics = ["accuracy", "macro_f1"]

    public static func header(metrics: [String]) -> String {
        (["epoch", "train_loss", "dev_loss"] + metrics.map { "dev_" + $0 } + ["learning_rate", "grad_norm", "seconds"])
            .joined(separator: ",")
    }

    public func csvRow(metrics: [String]) -> String {
        func f(_ x: Double?) -> String { x.map { String(format: "%.6g", $0) } ?? "" }
        return ([String(epoch), f(trainLoss), f(devLoss)] + metrics.map { f(devMetrics[$0]) }
                + [f(learningRate), f(gradientNorm), String(format: "%.2f", seconds)]).joined(separator: ",")
    }

    /// The rows of a `log.csv`, by its header; lines that do not parse are skipped.
    public static func records(csv: String) -> [EpochRecord] {
        RunLogCSV.rows(csv).compactMap { row in
            guard let epoch = row.integer("epoch"), let train = row.value("train_loss"), let lr = row.value("learning_rate"),
                  let grad = row.value("grad_norm"), let seconds = row.value("seconds") else { return nil }
            return EpochRecord(epoch: epoch, trainLoss: train, devLoss: row.value("dev_loss"), devMetrics: row.devMetrics,
                               learningRate: lr, gradientNorm: grad, seconds: seconds)
        }
    }
}

/// Appends epoch rows to `log.csv`, writing the header when the file is new.
/// On resume, rows for epochs after the resumed one are dropped first, so the
/// log matches the weights; that is the only time the file is rewritten.
public struct EpochLog {
    public let path: String
    /// The dev metric columns (the task's `metricNames`).
    public let metrics: [String]

    public init(path: String, metrics: [String] = EpochRecord.classificationMetrics) {
        self.path = path
        self.metrics = metrics
    }

    var file: AppendOnlyCSV {
        AppendOnlyCSV(path: path, header: EpochRecord.header(metrics: metrics), what: "the training log")
    }

    public func truncate(afterEpoch lastKept: Int) throws { try file.truncate(keepingFirstColumnUpTo: lastKept) }

    public func append(_ record: EpochRecord) throws { try file.append(record.csvRow(metrics: metrics)) }
}
