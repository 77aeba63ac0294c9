import Foundation

/// Entry point wrapper for the executables: runs `body`, maps every error to a
/// message on stderr and an exit code, never a stack trace.
///
///     ToolMain.run("rnn-predict") {
///         let args = try spec.parseOrExit(Array(CommandLine.arguments.dropFirst()))
///         ...
///         return 0
///     }
///
/// `RNNError` prints `<tool>: <description>` and exits with its `exitCode` (2 input/usage,
/// 1 runtime); `ArgumentError` prints its usage text and exits 2; `OutputError` (stdout
/// could not be written) exits 0 silently for a closed pipe and 1 with the reason otherwise;
/// anything else prints `<tool>: error: <message>` and exits 1.
public enum ToolMain {
    public static func run(_ tool: String? = nil, _ body: () throws -> Int32) -> Never {
        let name = tool ?? URL(fileURLWithPath: CommandLine.arguments.first ?? "rnn").lastPathComponent
        // A closed pipe must surface as EPIPE from write(2) (stdout: a quiet end; stderr:
        // ignored), not kill the tool with SIGPIPE in the middle of a checkpoint.
        signal(SIGPIPE, SIG_IGN)
        Terminal.occupyClosedStandardDescriptors()
        let code: Int32
        do {
            code = try body()
        } catch {
            let (text, status) = report(error, tool: name, color: Terminal.colorEnabled)
            Terminal.writeError(text)
            code = status
        }
        exit(code)
    }

    /// The stderr text and exit code for an error (testable without exiting).
    public static func report(_ error: Error, tool: String, color: Bool = false) -> (text: String, exitCode: Int32) {
        switch error {
        case let e as ArgumentError:
            let label = Terminal.colored("Error:", .red, enabled: color)
            return (e.description.replacingOccurrences(of: "Error:", with: label, options: .anchored) + "\n", e.exitCode)
        case let e as OutputError where e.isClosedPipe:
            // The reader has all it wanted (`| head`): nothing went wrong.
            return ("", 0)
        case let e as OutputError:
            return report(e.error, tool: tool, color: color)
        case let e as RNNError:
            var text = e.description
            if color, let range = text.range(of: "error: ") {
                text.replaceSubrange(range, with: Terminal.colored("error: ", .red, enabled: true))
            }
            return ("\(tool): \(text)\n", e.exitCode)
        default:
            let message = (error as? LocalizedError)?.errorDescription ?? "\(error)"
            return ("\(tool): \(Terminal.colored("error: ", .red, enabled: color))\(message)\n", 1)
        }
    }
}

extension CommandSpec {
    /// Parses; on `--help`/`--version` prints to stdout and exits 0 (1 if stdout cannot be
    /// written). Usage errors are thrown as `ArgumentError` for `ToolMain.run` to print (exit 2).
    public func parseOrExit(_ arguments: [String]) throws -> ParsedArguments {
        switch try parse(arguments) {
        case .arguments(let parsed):
            return parsed
        case .help(let text):
            try Terminal.writeOutput(text)
            exit(0)
        case .version(let text):
            try Terminal.writeOutput(text + "\n")
            exit(0)
        }
    }
}
