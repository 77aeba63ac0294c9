/// A declarative description of one command: what `parse` accepts and what `--help` prints.
///
///     let spec = CommandSpec(name: "rnn-predict", overview: "Classify texts with a trained model.",
///         arguments: [.init(name: "checkpoint", help: "Model file written by rnn-train.")],
///         options: [.init(name: "top-k", short: "k", valueName: "n", help: "Labels per text.", defaultValue: "1"),
///                   .init(flag: "json", help: "Print JSON lines.")])
///
/// `-h/--help` and `--version` are always accepted and need not be listed.
public struct CommandSpec {
    public struct Argument {
        public var name: String
        public var help: String
        /// An optional argument may be left out; optional arguments come after required ones.
        public var isOptional: Bool
        /// The last argument may take every remaining positional value.
        public var isRepeating: Bool

        public init(name: String, help: String, isOptional: Bool = false, isRepeating: Bool = false) {
            self.name = name
            self.help = help
            self.isOptional = isOptional
            self.isRepeating = isRepeating
        }
    }

    public struct Option {
        /// Long name without dashes: `top-k` for `--top-k`.
        public var name: String
        /// Short alias without the dash: `k` for `-k`.
        public var short: Character?
        /// Placeholder in help (`--top-k <n>`); nil makes the option a flag without a value.
        public var valueName: String?
        public var help: String
        /// Shown in help as `(default: …)`; `ParsedArguments.value` returns it when the option is absent.
        public var defaultValue: String?
        /// May be given more than once (`--set a=b --set c=d`); otherwise the last one wins.
        public var isRepeating: Bool

        public init(name: String, short: Character? = nil, valueName: String = "value", help: String,
                    defaultValue: String? = nil, isRepeating: Bool = false) {
            self.name = name
            self.short = short
            self.valueName = valueName
            self.help = help
            self.defaultValue = defaultValue
            self.isRepeating = isRepeating
        }

        /// A flag: present or not, no value.
        public init(flag name: String, short: Character? = nil, help: String) {
            self.name = name
            self.short = short
            self.valueName = nil
            self.help = help
            self.defaultValue = nil
            self.isRepeating = false
        }

        public var isFlag: Bool { valueName == nil }
    }

    public var name: String
    public var overview: String
    /// Usage line after `USAGE:`; generated from the arguments and options when nil.
    public var usage: String?
    public var arguments: [Argument]
    public var options: [Option]
    /// Extra text printed at the end of help (examples, notes).
    public var discussion: String?
    public var version: String

    public init(name: String, overview: String, usage: String? = nil, arguments: [Argument] = [],
                options: [Option] = [], discussion: String? = nil, version: String = Version.string) {
        self.name = name
        self.overview = overview
        self.usage = usage
        self.arguments = arguments
        self.options = options
        self.discussion = discussion
        self.version = version
    }

    static let helpOption = Option(flag: "help", short: "h", help: "Show help information.")
    static let versionOption = Option(flag: "version", help: "Show the version.")

    /// Listed options plus the built-in `--help` and `--version`.
    var allOptions: [Option] { options + [Self.helpOption, Self.versionOption] }

    public var usageLine: String {
        if let usage { return usage }
        var parts = [name]
        if !options.isEmpty { parts.append("[<options>]") }
        for a in arguments {
            var text = "<\(a.name)>"
            if a.isRepeating { text += " ..." }
            if a.isOptional { text = "[\(text)]" }
            parts.append(text)
        }
        return parts.joined(separator: " ")
    }
}
