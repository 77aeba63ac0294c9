// Shared by every fuzz target: one temporary file per process, rewritten per input.
import Foundation

final class FuzzScratch {
    let path: String

    init(name: String) {
        let folder = ProcessInfo.processInfo.environment["FUZZ_SCRATCH"] ?? NSTemporaryDirectory()
        path = (folder as NSString).appendingPathComponent("rnn-fuzz-\(name)-\(getpid())")
    }

    func write(_ bytes: [UInt8]) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { fatalError("fuzz harness: cannot create \(path)") }
        var done = 0
        bytes.withUnsafeBytes { raw in
            while done < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + done, raw.count - done)
                guard n > 0 else { fatalError("fuzz harness: cannot write \(path)") }
                done += n
            }
        }
        close(fd)
    }
}
