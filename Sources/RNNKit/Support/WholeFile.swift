import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file reads and durable writes (checkpoints, export folders, run-folder texts), by POSIX
/// calls: Foundation's `String(contentsOfFile:)` and `FileManager.contents(atPath:)` leak a 4 KB
/// buffer on an empty file (seen under AddressSanitizer by the run_folder fuzz target).
enum WholeFile {
    /// The file's bytes; a missing, unreadable or non-regular file is an `RNNError.input` naming it.
    static func read(_ path: String, what: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw RNNError.input("cannot open the \(what): \(String(cString: strerror(errno)))", file: path) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw RNNError.input("cannot read the \(what): \(String(cString: strerror(errno)))", file: path)
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw RNNError.input("the \(what) is not a regular file", file: path) }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var done = 0
        try bytes.withUnsafeMutableBytes { buffer in
            while done < buffer.count {
                let n = posixRead(fd, buffer.baseAddress! + done, buffer.count - done)
                if n < 0 && errno == EINTR { continue }
                if n < 0 { throw RNNError.input("cannot read the \(what): \(String(cString: strerror(errno)))", file: path) }
                if n == 0 { break }
                done += n
            }
        }
        // A file that shrank while being read is simply shorter; the format checks catch it.
        return Array(bytes[0..<done])
    }

    /// The file as UTF-8 text; nil when it cannot be read or is not valid UTF-8.
    static func text(_ path: String) -> String? {
        guard let bytes = try? read(path, what: "file") else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }

    /// Creates `path` (it must not exist), writes `bytes` and fsyncs; `RNNError.runtime` on failure.
    static func writeNew(_ bytes: [UInt8], to path: String) throws {
        func failure(_ what: String) -> RNNError {
            var reason = String(cString: strerror(errno))
            if errno == ENOSPC { reason = "disk full (\(reason))" }
            return RNNError.runtime("cannot write: \(what): \(reason)", file: path)
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { throw failure("cannot create the file") }
        defer { close(fd) }
        var done = 0
        try bytes.withUnsafeBytes { buffer in
            while done < buffer.count {
                let n = posixWrite(fd, buffer.baseAddress! + done, Swift.min(buffer.count - done, 1 << 20))
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { throw failure("write failed") }
                done += n
            }
        }
        guard fsync(fd) == 0 else { throw failure("fsync failed") }
    }

    /// Makes a rename or a new file in `folder` durable; a folder that cannot be synced undoes nothing.
    static func syncFolder(_ folder: String) {
        let fd = open(folder.isEmpty ? "." : folder, O_RDONLY)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    private static func posixRead(_ fd: Int32, _ p: UnsafeMutableRawPointer, _ n: Int) -> Int {
        #if canImport(Glibc)
        return Glibc.read(fd, p, n)
        #else
        return Darwin.read(fd, p, n)
        #endif
    }

    private static func posixWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int {
        #if canImport(Glibc)
        return Glibc.write(fd, p, n)
        #else
        return Darwin.write(fd, p, n)
        #endif
    }
}
