import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
/// log matches the weights; that is the only time the file is rewritten.
public struct EpochLog {
    public let path: String

    public init(path: String) { self.path = path }

    public func truncate(afterEpoch lastKept: Int) throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return }
        var kept = [EpochRecord.header]
        for line in text.split(separator: "\n").dropFirst() {
            if let e = Int(line.prefix { $0 != "," }), e <= lastKept { kept.append(String(line)) }
        }
        do { try (kept.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8) } catch {
            throw RNNError.runtime("cannot write the training log: \(FileErrorDescription.describe(error))", file: path)
        }
    }

    /// Appends one row (O_APPEND: the file is never read back), after the header if the file is empty.
    public func append(_ record: EpochRecord) throws {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure(errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw failure(errno) }
        let text = (info.st_size == 0 ? EpochRecord.header + "\n" : "") + record.csvRow + "\n"
        var bytes = ArraySlice(Array(text.utf8))
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw failure(errno)
            }
            bytes = bytes.dropFirst(n)
        }
    }

    private func failure(_ code: Int32) -> RNNError {
        var reason = String(cString: strerror(code))
        if code == ENOSPC { reason = "disk full (\(reason))" }
        return RNNError.runtime("cannot write the training log: \(reason)", file: path)
    }
}
