/// A command-line usage error: printed with the usage line and a pointer to `--help`, exit 2.
public struct ArgumentError: Error, CustomStringConvertible, Equatable {
    public var message: String
    public var commandName: String
    public var usageLine: String

    public init(_ message: String, spec: CommandSpec) {
        self.message = message
        self.commandName = spec.name
        self.usageLine = spec.usageLine
    }

    public var exitCode: Int32 { 2 }

    /// `Error: …`, `Usage: …`, `See '<tool> --help'.`, one per line.
    public var description: String {
        "Error: \(message)\nUsage: \(usageLine)\n  See '\(commandName) --help'."
    }
}

/// What `CommandSpec.parse` found.
public enum ParseResult {
    case arguments(ParsedArguments)
    /// `-h/--help` was given: print this text to stdout, exit 0.
    case help(String)
    /// `--version` was given: print this to stdout, exit 0.
    case version(String)
}

/// Parsed values, looked up by the names used in the spec.
public struct ParsedArguments {
    public let spec: CommandSpec
    /// Positional values by argument name (a repeating argument holds all of its values).
    public private(set) var positionals: [String: [String]] = [:]
    /// Option values by long name, in command-line order.
    public private(set) var options: [String: [String]] = [:]
    public private(set) var flags: Set<String> = []

    init(spec: CommandSpec) { self.spec = spec }

    /// A positional argument's value (the first, for a repeating one), nil when an optional one is absent.
    public func argument(_ name: String) -> String? { positionals[name]?.first }
    public func arguments(_ name: String) -> [String] { positionals[name] ?? [] }

    /// The last value given for an option, else its default.
    public func value(_ name: String) -> String? {
        options[name]?.last ?? spec.options.first { $0.name == name }?.defaultValue
    }

    /// Every value given for a repeating option, in order (not the default).
    public func values(_ name: String) -> [String] { options[name] ?? [] }

    /// Whether an option or flag was given on the command line.
    public func isPresent(_ name: String) -> Bool { flags.contains(name) || options[name] != nil }

    public func flag(_ name: String) -> Bool { flags.contains(name) }

    public func int(_ name: String) throws -> Int? {
        guard let text = value(name) else { return nil }
        guard let n = Int(text) else {
            throw ArgumentError("Invalid value '\(text)' for '--\(name)': expected an integer.", spec: spec)
        }
        return n
    }

    /// `--threads N` applied to `Parallel.threadCount`: 0 means all cores, as `training.threads` 0 does.
    public func applyThreads() throws {
        guard let n = try int("threads") else { return }
        guard n >= 0 else { throw RNNError.usage("--threads must be 0 (all cores) or a positive number, got \(n)") }
        Parallel.threadCount = n
    }

    /// `--max-line-bytes N`, at least 1.
    public func maxLineBytes() throws -> Int? {
        guard let n = try int("max-line-bytes") else { return nil }
        guard n >= 1 else { throw RNNError.usage("--max-line-bytes must be at least 1, got \(n)") }
        return n
    }

    public func double(_ name: String) throws -> Double? {
        guard let text = value(name) else { return nil }
        guard let x = Double(text), x.isFinite else {
            throw ArgumentError("Invalid value '\(text)' for '--\(name)': expected a number.", spec: spec)
        }
        return x
    }

    mutating func addOption(_ name: String, _ value: String) { options[name, default: []].append(value) }
    mutating func addFlag(_ name: String) { flags.insert(name) }
    mutating func addPositional(_ name: String, _ value: String) { positionals[name, default: []].append(value) }
}

extension CommandSpec {
    /// Parses arguments (without the program name). `--` ends the options.
    /// Throws `ArgumentError` for unknown options (with a suggestion), a missing
    /// value, a value given to a flag, and missing or extra positional arguments.
    /// A non-repeating option given twice keeps the last value. A word that parses
    /// as a number (`-3`) is a positional argument, not an option.
    public func parse(_ arguments: [String]) throws -> ParseResult {
        var result = ParsedArguments(spec: self)
        var positional: [String] = []
        var index = 0
        var optionsEnded = false
        let all = allOptions
        while index < arguments.count {
            let word = arguments[index]
            index += 1
            if optionsEnded || word == "-" || !word.hasPrefix("-") || Double(word) != nil {
                positional.append(word)
                continue
            }
            if word == "--" { optionsEnded = true; continue }
            let option: Option
            var inlineValue: String?
            let spelled: String
            if word.hasPrefix("--") {
                var body = Substring(word.dropFirst(2))
                if let eq = body.firstIndex(of: "=") {
                    inlineValue = String(body[body.index(after: eq)...])
                    body = body[..<eq]
                }
                spelled = "--" + body
                guard let found = all.first(where: { $0.name == body }) else {
                    throw ArgumentError(unknownOptionMessage(spelled), spec: self)
                }
                option = found
            } else {
                var body = word.dropFirst()
                if body.count > 1, let eq = body.firstIndex(of: "="), body.distance(from: body.startIndex, to: eq) == 1 {
                    inlineValue = String(body[body.index(after: eq)...])
                    body = body[..<eq]
                }
                spelled = "-" + body
                guard body.count == 1, let found = all.first(where: { $0.short == body.first }) else {
                    throw ArgumentError(unknownOptionMessage(spelled), spec: self)
                }
                option = found
            }
            if option.isFlag {
                if inlineValue != nil {
                    throw ArgumentError("Option '\(spelled)' takes no value.", spec: self)
                }
                if option.name == "help" { return .help(helpText()) }
                if option.name == "version" { return .version(version) }
                result.addFlag(option.name)
                continue
            }
            let value: String
            if let inlineValue {
                value = inlineValue
            } else {
                guard index < arguments.count else {
                    throw ArgumentError("Missing value for '\(spelled) <\(option.valueName ?? "value")>'.", spec: self)
                }
                value = arguments[index]
                index += 1
            }
            result.addOption(option.name, value)
        }
        var remaining = positional[...]
        for (i, argument) in self.arguments.enumerated() {
            if argument.isRepeating && i == self.arguments.count - 1 {
                if remaining.isEmpty && !argument.isOptional {
                    throw ArgumentError("Missing expected argument '<\(argument.name)>'.", spec: self)
                }
                for v in remaining { result.addPositional(argument.name, v) }
                remaining = []
                break
            }
            guard let v = remaining.first else {
                if argument.isOptional { continue }
                throw ArgumentError("Missing expected argument '<\(argument.name)>'.", spec: self)
            }
            result.addPositional(argument.name, v)
            remaining = remaining.dropFirst()
        }
        if let extra = remaining.first {
            throw ArgumentError("Unexpected argument '\(extra)'.", spec: self)
        }
        return .arguments(result)
    }

    func unknownOptionMessage(_ spelled: String) -> String {
        var message = "Unknown option '\(spelled)'."
        if let near = suggestion(for: spelled) { message += " Did you mean '\(near)'?" }
        return message
    }

    /// The closest listed long option, when it is close enough to be a likely typo.
    func suggestion(for spelled: String) -> String? {
        let typed = String(spelled.drop { $0 == "-" }.prefix { $0 != "=" })
        guard !typed.isEmpty else { return nil }
        var best: (name: String, distance: Int)?
        for option in allOptions {
            var d = editDistance(typed, option.name)
            if option.name.hasPrefix(typed) || typed.hasPrefix(option.name) { d = min(d, 1) }
            if best == nil || d < best!.distance { best = (option.name, d) }
        }
        guard let best else { return nil }
        let allowed = max(2, min(typed.count, best.name.count) / 3)
        return best.distance <= allowed ? "--" + best.name : nil
    }
}
