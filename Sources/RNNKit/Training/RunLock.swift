import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive lock on a run folder, so two runs never write into one folder.
///
/// The lock is `flock` on the folder's `run.lock`, which holds the PID of the run using the
/// folder. The kernel drops a `flock` when its process dies, however it dies, so a lock can
/// never outlive its run: a lock file that still names a PID when the lock is free was left by
/// a run that was killed, and is taken over with a warning. A run that ends normally empties
/// the file. The file itself stays: it marks the folder as a run folder (RunDirectory).
public final class RunLock {
    public let path: String
    private var fd: Int32

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    /// Takes the lock of the folder `folder` (creating `run.lock`), or throws an input error
    /// naming the PID of the run that holds it.
    static func acquire(folder: String, log: (String) -> Void) throws -> RunLock {
        let path = (folder as NSString).appendingPathComponent(RunDirectory.lockFile)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw RNNError.runtime("cannot create the lock file: \(String(cString: strerror(errno)))", file: path)
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            let holder = recordedPID(fd)
            close(fd)
            guard code == EWOULDBLOCK else {
                throw RNNError.runtime("cannot lock the run folder: \(String(cString: strerror(code)))", file: path)
            }
            throw RNNError.input("this run folder is in use by another rnn-train (PID \(holder ?? "unknown")); "
                                 + "wait for it to finish or stop it first", file: folder)
        }
        if let previous = recordedPID(fd) {
            log("warning: \(path): the run that held this folder (PID \(previous)) ended without releasing it "
                + "(killed?); taking it over")
        }
        let text = Array("\(getpid())\n".utf8)
        guard ftruncate(fd, 0) == 0, pwrite(fd, text, text.count, 0) == text.count else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw RNNError.runtime("cannot write the lock file: \(reason)", file: path)
        }
        return RunLock(path: path, fd: fd)
    }

    /// Empties the file (the run ended normally) and drops the lock. Safe to call twice.
    public func release() {
        guard fd >= 0 else { return }
        _ = ftruncate(fd, 0)
        close(fd)
        fd = -1
    }

    deinit { release() }

    /// The PID written in the lock file, if any.
    private static func recordedPID(_ fd: Int32) -> String? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = pread(fd, &buffer, buffer.count, 0)
        guard n > 0 else { return nil }
        let text = String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }
}
