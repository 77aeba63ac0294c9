import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where tool output goes: stdout for what scripts read, stderr for logs and errors.
/// Colour only when stderr is a terminal and `NO_COLOR` is unset.
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

    /// Writes to stderr as is (add the newline yourself).
    public static func writeError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Writes to stdout and flushes, so output interleaves correctly with stderr.
    public static func writeOutput(_ text: String) {
        fputs(text, stdout)
        fflush(stdout)
    }
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
