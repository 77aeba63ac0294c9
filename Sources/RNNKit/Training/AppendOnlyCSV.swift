import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A CSV file of a run that only grows (`log.csv`, `steps.csv`): rows are appended with
/// O_APPEND and never read back while training; the header is written when the file is new.
/// On resume the rows after the resumed point are dropped first, so the file matches the
/// weights; that is the only time it is rewritten.
struct AppendOnlyCSV {
    let path: String
    let header: String
    /// What the file is, for errors ("the training log").
    let what: String

    /// Keeps the rows whose first column (an integer: epoch or step) is at most `lastKept`.
    func truncate(keepingFirstColumnUpTo lastKept: Int) throws {
        guard let text = WholeFile.text(path) else { return }
        var kept = [header]
        for line in text.split(separator: "\n").dropFirst() {
            if let n = Int(line.prefix { $0 != "," }), n <= lastKept { kept.append(String(line)) }
        }
        do { try (kept.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8) } catch {
            throw RNNError.runtime("cannot write \(what): \(FileErrorDescription.describe(error))", file: path)
        }
    }

    /// Appends one row, after the header if the file is empty.
    func append(_ row: String) throws {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure(errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw failure(errno) }
        let text = (info.st_size == 0 ? header + "\n" : "") + row + "\n"
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
        return RNNError.runtime("cannot write \(what): \(reason)", file: path)
    }
}
