import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where tool output goes: stdout for what scripts read, stderr for logs and errors.
/// Colour only when stderr is a terminal and `NO_COLOR` is unset.
///
/// Both streams are written with write(2), never through `FileHandle` (whose
/// `write` traps on EPIPE, ENOSPC or EBADF) and never through stdio buffers
/// (whose errors would surface late or not at all).
public enum Terminal {
    public static var stderrIsTTY: Bool { isatty(2) == 1 }
    public static var stdoutIsTTY: Bool { isatty(1) == 1 }

    public static var colorEnabled: Bool {
        stderrIsTTY && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
            && ProcessInfo.processInfo.environment["TERM"] != "dumb"
    }

    public enum Color: String {
        case red = "31", green = "32", yellow = "33", bold = "1"
    }

    /// `text` wrapped in an ANSI colour when `enabled` (default: stderr is a colour terminal).
    public static func colored(_ text: String, _ color: Color, enabled: Bool = colorEnabled) -> String {
        enabled ? "\u{1B}[\(color.rawValue)m\(text)\u{1B}[0m" : text
    }

    /// `1 thread`, `2 threads`: a count with its noun in the right number (`plural`: when not noun + "s").
    public static func count(_ n: Int, _ noun: String, plural: String? = nil) -> String {
        "\(n) \(n == 1 ? noun : plural ?? noun + "s")"
    }

    /// Writes to stderr as is (add the newline yourself). Every failure is ignored: a log
    /// that cannot be written (full disk, closed descriptor, closed pipe) must never stop
    /// or crash the work it reports on. This is the one way the library writes to stderr.
    public static func writeError(_ text: String) {
        _ = write(text, to: 2)
    }

    /// Writes to stdout, unbuffered, so output interleaves correctly with stderr. Throws
    /// `OutputError` when the bytes cannot all be written (`ToolMain` turns a closed pipe
    /// into a quiet exit 0 and any other reason into exit 1).
    public static func writeOutput(_ text: String) throws {
        if let code = write(text, to: 1) { throw OutputError(code: code) }
    }

    /// `writeOutput` for bytes that need not be UTF-8 (rnn-predict's pass-through IDs).
    public static func writeOutput(bytes: [UInt8]) throws {
        if let code = bytes.withUnsafeBytes({ write($0, to: 1) }) { throw OutputError(code: code) }
    }

    /// Writes all of `text` to `fd`, retrying partial writes and EINTR; returns nil on
    /// success, else the errno of the failed write(2).
    static func write(_ text: String, to fd: Int32) -> Int32? {
        var text = text
        return text.withUTF8 { write(UnsafeRawBufferPointer($0), to: fd) }
    }

    static func write(_ bytes: UnsafeRawBufferPointer, to fd: Int32) -> Int32? {
        guard let base = bytes.baseAddress else { return nil }
        var done = 0
        while done < bytes.count {
            let n = Foundation.write(fd, base + done, bytes.count - done)
            if n > 0 { done += n; continue }
            if n < 0 && errno == EINTR { continue }
            return n < 0 ? errno : EIO
        }
        return nil
    }

    /// Puts /dev/null on any of descriptors 0, 1 and 2 that the tool was started without
    /// (`2>&-`), opened in the direction that makes every use fail with EBADF. Otherwise the
    /// next file the tool opens would get that number, and output meant for stdout could land
    /// in a checkpoint. Reading a closed stdin then fails like a closed stdin; writing a closed
    /// stdout is an error (exit 1); a closed stderr is ignored as every stderr failure is.
    public static func occupyClosedStandardDescriptors() {
        for (fd, flags) in [(Int32(0), O_WRONLY), (1, O_RDONLY), (2, O_RDONLY)] where fcntl(fd, F_GETFD) == -1 && errno == EBADF {
            let opened = open("/dev/null", flags)
            if opened >= 0 && opened != fd {
                _ = dup2(opened, fd)
                close(opened)
            }
        }
    }
}

/// A write to stdout failed: `code` is the errno. EPIPE means the reader went away
/// (`| head`), which ends a tool quietly; anything else is a failure to report.
public struct OutputError: Error, CustomStringConvertible, Equatable {
    public let code: Int32

    public init(code: Int32) { self.code = code }

    public var isClosedPipe: Bool { code == EPIPE }

    /// `stdout (/path/of/the/file)`: the path when stdout is a file or device, so a user
    /// sees which disk is full.
    public static var destination: String {
        // What `>&-` leaves after `Terminal.occupyClosedStandardDescriptors`, or `1<file`.
        if fcntl(1, F_GETFL) & O_ACCMODE == O_RDONLY { return "stdout (not open for writing)" }
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/fd/1", &buffer, buffer.count - 1)
        guard n > 0 else { return "stdout" }
        let target = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return target.hasPrefix("/") ? "stdout (\(target))" : "stdout"
    }

    public var error: RNNError {
        RNNError.runtime("cannot write the output: \(String(cString: strerror(code)))", file: Self.destination)
    }

    public var description: String { error.description }
}

/// One status line for long work (training progress).
///
/// On a terminal, each `update` rewrites the same line (`\r`, clear to end of
/// line). Otherwise (a log file, a pipe) it prints whole lines, at most one per
/// `minimumInterval` seconds, so logs stay short. `finish` always prints.
public final class ProgressLine {
    public let isTTY: Bool
    public let minimumInterval: Double
    private let output: (String) -> Void
    private let clock: () -> Double
    private var lastPrint: Double?
    private var pending = false

    /// Defaults: stderr, its TTY-ness, one plain line per 10 s.
    public init(isTTY: Bool = Terminal.stderrIsTTY, minimumInterval: Double = 10,
                output: @escaping (String) -> Void = Terminal.writeError,
                clock: @escaping () -> Double = { Date().timeIntervalSince1970 }) {
        self.isTTY = isTTY
        self.minimumInterval = minimumInterval
        self.output = output
        self.clock = clock
    }

    public func update(_ text: String) {
        let now = clock()
        if isTTY {
            // Terminals can take frequent rewrites, but not thousands per second.
            if let last = lastPrint, now - last < 0.1 { return }
            output("\r\(text)\u{1B}[K")
            pending = true
        } else {
            if let last = lastPrint, now - last < minimumInterval { return }
            output(text + "\n")
        }
        lastPrint = now
    }

    /// Ends the progress line: on a terminal the final text replaces it and a newline follows.
    public func finish(_ text: String? = nil) {
        if isTTY {
            if let text { output("\r\(text)\u{1B}[K\n") } else if pending { output("\n") }
        } else if let text {
            output(text + "\n")
        }
        pending = false
        lastPrint = nil
    }

    /// Prints a log line (stderr) without breaking an active terminal progress line.
    public func log(_ text: String) {
        if isTTY && pending { output("\r\u{1B}[K") }
        output(text + "\n")
        if isTTY { pending = false; lastPrint = nil }
    }
}
