import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Checkpoint {
    /// Test seam: when set, the writer fails with ENOSPC after this many bytes
    /// (simulating a full disk). Only tests set it.
    nonisolated(unsafe) static var failAfterBytes: Int?

    /// Test seams for the executables, read from the environment; only tests set them
    /// (Tests/CLITests/BadInputMatrixTests.swift, docs/RELIABILITY.md):
    /// - `RNN_TEST_CHECKPOINT_FAIL_AFTER_BYTES=N`: like `failAfterBytes` (a full disk after N bytes);
    /// - `RNN_TEST_CHECKPOINT_PAUSE=NAME`: when writing a checkpoint named NAME (e.g. `last.ckpt`),
    ///   after its temp file is written and synced and before the rename, say
    ///   `rnn-test: paused writing NAME` on stderr and sleep 60 s, so a test can `kill -9` the
    ///   process in the middle of a checkpoint write.
    static let environmentFailAfterBytes: Int? = ProcessInfo.processInfo.environment["RNN_TEST_CHECKPOINT_FAIL_AFTER_BYTES"].flatMap { Int($0) }
    static let environmentPause: String? = ProcessInfo.processInfo.environment["RNN_TEST_CHECKPOINT_PAUSE"]

    /// The temp file a write of checkpoint `name` goes through: `.name.tmp-PID`, in the same folder.
    public static func temporaryName(for name: String, pid: Int32 = getpid()) -> String { ".\(name).tmp-\(pid)" }

    /// Whether a folder entry is the temp file of a write of checkpoint `name` (by any process).
    /// A run folder removes those of killed writes when a run starts (Training/RunDirectory.swift).
    public static func isTemporaryFile(_ entry: String, for name: String) -> Bool {
        entry.hasPrefix(".\(name).tmp-")
    }

    /// Writes the checkpoint atomically: to `temporaryName(for:)` in the same folder,
    /// fsync, rename over `path`, fsync the folder. On any failure the temp file is
    /// removed, an existing file at `path` is untouched, and an `RNNError.runtime`
    /// names the path.
    public func write(to path: String) throws {
        try Checkpoint.write(try encoded(), to: path)
    }

    /// Writes already encoded checkpoint bytes (`encoded()`) the same way, so one encoding can
    /// serve two files (an improving epoch's best.ckpt and last.ckpt).
    static func write(_ bytes: [UInt8], to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let tempPath = url.deletingLastPathComponent().appendingPathComponent(temporaryName(for: url.lastPathComponent)).path

        func failure(_ what: String, _ code: Int32) -> RNNError {
            var reason = String(cString: strerror(code))
            if code == ENOSPC { reason = "disk full (\(reason))" }
            return RNNError.runtime("cannot write checkpoint: \(what): \(reason)", file: path)
        }

        let fd = open(tempPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw failure("cannot create a file in \(folder)", errno) }
        var ok = false
        defer {
            if !ok { unlink(tempPath) }
        }
        do {
            defer { close(fd) }
            var written = 0
            let limit = failAfterBytes ?? environmentFailAfterBytes
            try bytes.withUnsafeBytes { buffer in
                while written < buffer.count {
                    var chunk = Swift.min(buffer.count - written, 1 << 20)
                    if let limit {
                        if written >= limit { throw failure("write failed", ENOSPC) }
                        chunk = Swift.min(chunk, limit - written)
                    }
                    let n = Glibc_write(fd, buffer.baseAddress! + written, chunk)
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw failure("write failed", errno)
                    }
                    written += n
                }
            }
            guard fsync(fd) == 0 else { throw failure("fsync failed", errno) }
        }
        if let name = environmentPause, name == url.lastPathComponent {
            Terminal.writeError("rnn-test: paused writing \(name)\n")
            sleep(60)
        }
        guard rename(tempPath, path) == 0 else { throw failure("cannot rename \(tempPath)", errno) }
        ok = true
        // Make the rename durable. A folder that cannot be opened or synced does not undo the write.
        let folderFD = open(folder.isEmpty ? "." : folder, O_RDONLY)
        if folderFD >= 0 {
            _ = fsync(folderFD)
            close(folderFD)
        }
    }
}

/// POSIX `write`, named apart from `Checkpoint.write(to:)`.
@inline(__always)
private func Glibc_write(_ fd: Int32, _ pointer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(fd, pointer, count)
    #else
    return Darwin.write(fd, pointer, count)
    #endif
}
