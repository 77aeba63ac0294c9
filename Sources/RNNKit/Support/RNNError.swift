/// The one error type the library throws at its users.
///
/// It says where (file, line, byte or JSON field) and what, and its kind sets
/// the exit code: input and usage errors exit 2, runtime failures exit 1.
/// The library never names a command-line flag: when the user can do something
/// about an error, `remedy` says what in the library's terms, and a command line
/// words it with its own flags (CLI/Commands/TrainCommand.swift).
public struct RNNError: Error, CustomStringConvertible, Equatable {
    /// What the user can do about an error, for a front end to put in its own words.
    public enum Remedy: Sendable, Equatable {
        /// The folder holds a run: continue it, or start it again from scratch.
        case resumeOrRestart(runDirectory: String)
        /// Data files changed since the run started: going on anyway is the user's call.
        case acceptChangedData
    }

    public enum Kind: Sendable, Equatable {
        /// Bad command line: exit 2.
        case usage
        /// Bad user input (config, data, vectors, checkpoint): exit 2.
        case input
        /// Something failed while working (I/O, NaN loss, ...): exit 1.
        case runtime
    }

    public var kind: Kind
    public var message: String
    /// File the problem is in, as the user named it.
    public var file: String?
    /// 1-based line in `file`.
    public var line: Int?
    /// JSON path of a config field (`training.lr`) or a column/field name.
    public var field: String?
    /// What the user can do about it (not part of `description`).
    public var remedy: Remedy?

    public init(_ kind: Kind, _ message: String, file: String? = nil, line: Int? = nil, field: String? = nil) {
        self.kind = kind
        self.message = message
        self.file = file
        self.line = line
        self.field = field
    }

    public static func input(_ message: String, file: String? = nil, line: Int? = nil, field: String? = nil) -> RNNError {
        RNNError(.input, message, file: file, line: line, field: field)
    }

    public static func runtime(_ message: String, file: String? = nil) -> RNNError {
        RNNError(.runtime, message, file: file)
    }

    public static func usage(_ message: String) -> RNNError { RNNError(.usage, message) }

    public var exitCode: Int32 { kind == .runtime ? 1 : 2 }

    /// `file:line: error: field: message`, the form compilers and editors understand.
    public var description: String {
        var location = ""
        if let file { location += file; if let line { location += ":\(line)" }; location += ": " }
        let fieldPart = field.map { "\($0): " } ?? ""
        return "\(location)error: \(fieldPart)\(message)"
    }
}
