import Foundation

/// One row per epoch in `RUN_DIR/log.csv`, for plots and for people.
public struct EpochRecord: Equatable {
    public var epoch: Int
    public var trainLoss: Double
    public var devLoss: Double?
    public var devAccuracy: Double?
    public var devMacroF1: Double?
    public var learningRate: Double
    public var gradientNorm: Double
    public var seconds: Double

    public static let header = "epoch,train_loss,dev_loss,dev_accuracy,dev_macro_f1,learning_rate,grad_norm,seconds"

    public var csvRow: String {
        func f(_ x: Double?) -> String { x.map { String(format: "%.6g", $0) } ?? "" }
        return "\(epoch),\(f(trainLoss)),\(f(devLoss)),\(f(devAccuracy)),\(f(devMacroF1)),\(f(learningRate)),\(f(gradientNorm)),\(String(format: "%.2f", seconds))"
    }
}

/// Appends epoch rows to a CSV file, writing the header when the file is new.
/// On resume, rows for epochs after the resumed one are dropped first, so the
/// log matches the weights.
public struct EpochLog {
    public let path: String

    public init(path: String) { self.path = path }

    public func truncate(afterEpoch lastKept: Int) throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return }
        var kept = [EpochRecord.header]
        for line in text.split(separator: "\n").dropFirst() {
            if let e = Int(line.prefix { $0 != "," }), e <= lastKept { kept.append(String(line)) }
        }
        try write(kept.joined(separator: "\n") + "\n")
    }

    public func append(_ record: EpochRecord) throws {
        var text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        if text.isEmpty { text = EpochRecord.header + "\n" }
        text += record.csvRow + "\n"
        try write(text)
    }

    private func write(_ text: String) throws {
        do { try text.write(toFile: path, atomically: true, encoding: .utf8) } catch {
            throw RNNError.runtime("cannot write the training log: \(FileErrorDescription.describe(error))", file: path)
        }
    }
}
