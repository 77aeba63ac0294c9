import Foundation

/// One labelled text of a corpus file.
public struct Example: Equatable {
    public var text: String
    /// Index into the run's `LabelSet`.
    public var label: Int
    /// Multi-label data (`data.multi_label`): every label of the text, first occurrences in the
    /// order written (`label` is the first); empty for single-label data.
    public var labelSet: [Int]
    /// 1-based line in the source file.
    public var line: Int

    public init(text: String, label: Int, labelSet: [Int] = [], line: Int) {
        self.text = text
        self.label = label
        self.labelSet = labelSet
        self.line = line
    }
}

/// The class names of a run, index = class id.
///
/// Order: the classes file's line order when one is given, else the order in
/// which names first appear in the training file. That keeps class ids equal
/// to the published indices (THUCNews) and needs no global sort.
public struct LabelSet: Equatable {
    public private(set) var names: [String]
    /// True when the names come from a classes file: then no new names are added.
    public let isFixed: Bool
    /// True when the names come from a classes file: then a label written as an integer
    /// is a class index. Without a classes file, "1" is a label name like any other.
    public let acceptsIndices: Bool
    private var indexByName: [String: Int]

    public init() {
        names = []
        isFixed = false
        acceptsIndices = false
        indexByName = [:]
    }

    /// A label set from known names (e.g. a checkpoint's); duplicates are an error.
    /// `acceptsIndices` (default: `isFixed`) says whether the names came from a classes file.
    public init(names: [String], isFixed: Bool = true, acceptsIndices: Bool? = nil) throws {
        self.names = []
        self.isFixed = isFixed
        self.acceptsIndices = acceptsIndices ?? isFixed
        self.indexByName = [:]
        for name in names {
            guard indexByName[name] == nil else { throw RNNError.input("duplicate label name \"\(name)\"") }
            indexByName[name] = self.names.count
            self.names.append(name)
        }
    }

    public var count: Int { names.count }

    public func index(of name: String) -> Int? { indexByName[name] }

    mutating func add(_ name: String) -> Int {
        if let i = indexByName[name] { return i }
        indexByName[name] = names.count
        names.append(name)
        return names.count - 1
    }

    /// Reads a classes file: one name per line (line i names class i), the last
    /// newline optional. Names are trimmed; blank lines are allowed only at the end.
    public static func load(classesFile path: String) throws -> LabelSet {
        let reader = try LineReader(path: path)
        var names: [String] = []
        var blankLine: Int?
        var seen: [String: Int] = [:]
        while let line = try reader.nextLine() {
            guard let text = String(validating: line.bytes, as: UTF8.self) else {
                throw RNNError.input("invalid UTF-8 in a class name", file: path, line: line.number)
            }
            let name = text.trimmingCharacters(in: .whitespaces)
            if name.isEmpty { blankLine = blankLine ?? line.number; continue }
            if let problem = LabelText.problem(in: name) { throw RNNError.input(problem, file: path, line: line.number) }
            if let blankLine {
                throw RNNError.input("blank line inside the class list (class indices would shift)", file: path, line: blankLine)
            }
            if let previous = seen[name] {
                throw RNNError.input("class \"\(name)\" already named on line \(previous)", file: path, line: line.number)
            }
            seen[name] = line.number
            names.append(name)
        }
        guard !names.isEmpty else { throw RNNError.input("the classes file names no class", file: path) }
        return try LabelSet(names: names, isFixed: true)
    }
}

/// Counts of one file read, for the summary line.
public struct CorpusSummary: Equatable {
    public var examples = 0
    public var blankLines = 0
    public var emptyTexts = 0
    public var unknownLabelsSkipped = 0
    public var invalidUTF8Lines = 0
    public var firstEmptyTextLine: Int?
}

/// Streams labelled examples from TSV, fastText or JSON-lines files.
///
/// - TSV: `text<TAB>label`, split on the last tab, so a text may hold tabs.
/// - fastText: `__label__NAME text`; leading tokens with the prefix are labels
///   and the first one is used (multi-label lines keep their first label), unless
///   `data.multi_label` asks for all of them (CorpusReader+MultiLabel.swift).
/// - JSON lines: one object per line, `{"text": ..., "label": ...}` (field
///   names configurable), label a string or an integer.
///
/// Labels are names; with a classes file, an integer label is a class index
/// (0-based) and a name must be one of the file's names. Blank lines are
/// skipped and counted; examples whose text is empty or only whitespace are
/// skipped and counted with one warning. A label not yet known when
/// `allowNewLabels` is false (dev/test) is an error naming the file, line and
/// label, or is skipped and counted when `unknown_labels` is "skip".
public enum CorpusReader {
    /// The label set a run starts from: the classes file's, or an empty, growing one.
    public static func initialLabels(for config: DataConfig) throws -> LabelSet {
        if let classes = config.classes { return try LabelSet.load(classesFile: classes) }
        return LabelSet()
    }

    /// Reads a whole file into memory. `settings` says where messages tell the user to change
    /// a setting (config fields, or rnn-eval's options).
    /// `singleLabelOnly`: a fastText line with several labels is an error instead of keeping its
    /// first (scoring a single-label model on multi-label data would silently drop labels).
    public static func read(path: String, config: DataConfig, labels: inout LabelSet, allowNewLabels: Bool,
                            settings: ReaderSettings = .config, singleLabelOnly: Bool = false,
                            log: (String) -> Void) throws -> [Example] {
        var examples: [Example] = []
        _ = try forEachExample(path: path, config: config, labels: &labels, allowNewLabels: allowNewLabels,
                               settings: settings, singleLabelOnly: singleLabelOnly, log: log) {
            examples.append($0)
        }
        return examples
    }

    /// Streams a file, one example at a time; logs the summary line and any warnings.
    /// A line longer than `config.maxLineBytes` is an error naming it: a cut would drop
    /// the label at the line's end (TSV) or break its JSON.
    @discardableResult
    public static func forEachExample(path: String, config: DataConfig, labels: inout LabelSet, allowNewLabels: Bool,
                                      settings: ReaderSettings = .config, singleLabelOnly: Bool = false,
                                      log: (String) -> Void, _ body: (Example) throws -> Void) throws -> CorpusSummary {
        let reader = try LineReader(path: path, maxLineBytes: config.maxLineBytes,
                                    longLines: .error(limitName: settings.maxLineBytes))
        var decoder = UTF8LineDecoder(file: path, policy: config.invalidUTF8)
        var summary = CorpusSummary()
        while let line = try reader.nextLine() {
            if line.bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) {
                summary.blankLines += 1
                continue
            }
            let text = try decoder.decode(line)
            let body_: String, raw: [RawLabel]
            if config.multiLabel {
                (body_, raw) = try splitMultiLabel(text, config: config, settings: settings, path: path, line: line.number)
            } else {
                let (text, label) = try split(text, format: config.format, config: config, settings: settings,
                                              singleLabelOnly: singleLabelOnly, path: path, line: line.number)
                (body_, raw) = (text, [label])
            }
            if body_.unicodeScalars.allSatisfy({ $0.properties.isWhitespace }) {
                summary.emptyTexts += 1
                if summary.firstEmptyTextLine == nil { summary.firstEmptyTextLine = line.number }
                continue
            }
            // A multi-label line with one unknown label is skipped whole: its gold set is unknown.
            var ids: [Int] = [], skipped = false
            // Plain text has no label: every line is class 0 of no label set (a language model reads none).
            for label in raw {
                guard let index = config.format == .text ? 0 : try resolve(label, labels: &labels, allowNewLabels: allowNewLabels, config: config,
                                              settings: settings, path: path, line: line.number) else { skipped = true; break }
                if !ids.contains(index) { ids.append(index) }   // a name and its index are one label
            }
            if skipped {
                summary.unknownLabelsSkipped += 1
                continue
            }
            summary.examples += 1
            try body(Example(text: body_, label: ids[0], labelSet: config.multiLabel ? ids : [], line: line.number))
        }
        summary.invalidUTF8Lines = decoder.invalidLines
        decoder.finish(log: log)
        let name = (path as NSString).lastPathComponent
        if summary.emptyTexts > 0, let first = summary.firstEmptyTextLine {
            log("\(name): warning: \(summary.emptyTexts) example\(summary.emptyTexts == 1 ? "" : "s") with an empty text skipped (first: line \(first))")
        }
        var line = "\(name): \(Terminal.count(summary.examples, "example")), \(Terminal.count(labels.count, "class", plural: "classes")), "
            + "\(Terminal.count(summary.blankLines, "blank line")) skipped, \(Terminal.count(summary.emptyTexts, "empty text")) skipped"
        if summary.unknownLabelsSkipped > 0 { line += ", \(Terminal.count(summary.unknownLabelsSkipped, "unknown label")) skipped" }
        log(line)
        return summary
    }

    /// A raw label: a name, or an integer index (JSON lines integers, or digits when a classes file is used).
    enum RawLabel {
        case name(String)
        case index(Int)
    }

    /// The text and raw label of a line; a label name holding a control character is an error.
    static func split(_ text: String, format: DataConfig.Format, config: DataConfig, settings: ReaderSettings = .config,
                      singleLabelOnly: Bool = false, path: String, line: Int) throws -> (String, RawLabel) {
        let (body, label) = try splitFields(text, format: format, config: config, settings: settings,
                                            singleLabelOnly: singleLabelOnly, path: path, line: line)
        if case .name(let name) = label, let problem = LabelText.problem(in: name, prefix: format == .jsonl ? "" : "label ") {
            throw RNNError.input(problem, file: path, line: line, field: format == .jsonl ? config.labelField : nil)
        }
        return (body, label)
    }

    static func splitFields(_ text: String, format: DataConfig.Format, config: DataConfig, settings: ReaderSettings,
                            singleLabelOnly: Bool = false, path: String, line: Int) throws -> (String, RawLabel) {
        switch format {
        case .conll:
            // The config and the tools route CoNLL files to taggers; this is the last guard.
            throw RNNError.input("CoNLL files (token<TAB>tag lines) are read by taggers (model.kind \"tagger\"), not as one label per text",
                                 file: path, line: line)
        case .text:
            return (text, .index(0))
        case .tsv:
            guard let tab = text.lastIndex(of: "\t") else {
                throw RNNError.input("no tab: expected text<TAB>label" + formatHint(text, config: config, settings: settings),
                                     file: path, line: line)
            }
            let label = text[text.index(after: tab)...].trimmingCharacters(in: .whitespaces)
            guard !label.isEmpty else { throw RNNError.input("empty label after the last tab", file: path, line: line) }
            return (String(text[..<tab]), .name(label))
        case .fasttext:
            var labels: [Substring] = []
            var rest = Substring(text)
            while true {
                let trimmed = rest.drop(while: { $0 == " " || $0 == "\t" })
                let token = trimmed.prefix(while: { $0 != " " && $0 != "\t" })
                guard token.hasPrefix(config.labelPrefix) else { rest = trimmed; break }
                labels.append(token.dropFirst(config.labelPrefix.count))
                rest = trimmed[token.endIndex...]
            }
            guard let first = labels.first else {
                throw RNNError.input("no label: expected \(config.labelPrefix)NAME before the text", file: path, line: line)
            }
            guard !first.isEmpty else { throw RNNError.input("empty label name after \(config.labelPrefix)", file: path, line: line) }
            if singleLabelOnly && labels.count > 1 {
                throw RNNError.input("\(labels.count) labels on one line, but the model is single-label (trained without "
                                     + "data.multi_label); score multi-label data with a multi-label model", file: path, line: line)
            }
            return (String(rest), .name(String(first)))
        case .jsonl:
            let (body, labelValue) = try jsonFields(text, config: config, path: path, line: line)
            switch labelValue {
            case .string(let s) where !s.isEmpty: return (body, .name(s))
            case .number(let d, _) where d.rounded() == d && abs(d) < 1e15: return (body, .index(Int(d)))
            case .array:
                throw RNNError.input("a list of labels needs data.multi_label: true (this \(settings == .config ? "config" : "model") "
                                     + "is single-label)", file: path, line: line, field: config.labelField)
            default:
                throw RNNError.input("expected a label name (string) or class index (integer), got \(labelValue.quotedForMessage)",
                                     file: path, line: line, field: config.labelField)
            }
        }
    }

    /// For a TSV line without a tab that looks like another format: which setting reads it.
    static func formatHint(_ text: String, config: DataConfig, settings: ReaderSettings) -> String {
        let start = text.drop(while: { $0 == " " })
        if start.hasPrefix("{") { return "; the line looks like JSON lines: \(settings.useFormat(.jsonl))" }
        if start.hasPrefix(config.labelPrefix) { return "; the line looks like fastText: \(settings.useFormat(.fasttext))" }
        return ""
    }

    /// The class id, or nil when the example is to be skipped (unknown label, policy "skip").
    static func resolve(_ raw: RawLabel, labels: inout LabelSet, allowNewLabels: Bool, config: DataConfig,
                        settings: ReaderSettings = .config, path: String, line: Int) throws -> Int? {
        if labels.acceptsIndices {
            var index: Int?
            var shown = ""
            switch raw {
            case .index(let i): index = i; shown = String(i)
            case .name(let s):
                shown = s
                if let i = Int(s) { index = i } else if let i = labels.index(of: s) { return i }
            }
            if let index {
                guard index >= 0 && index < labels.count else {
                    throw RNNError.input("label index \(index) is out of range: the classes file names \(labels.count) classes (0...\(labels.count - 1))",
                                         file: path, line: line)
                }
                return index
            }
            if !allowNewLabels && config.unknownLabels == .skip { return nil }
            let advice = allowNewLabels ? "" : " (\(settings.skipUnknownLabels))"
            throw RNNError.input("label \(LabelText.quotedForMessage(shown)) is not in the classes file\(advice)", file: path, line: line)
        }
        let name: String
        switch raw {
        case .index(let i): name = String(i)
        case .name(let s): name = s
        }
        if let i = labels.index(of: name) { return i }
        if allowNewLabels && !labels.isFixed { return labels.add(name) }
        if config.unknownLabels == .skip { return nil }
        throw RNNError.input("label \(LabelText.quotedForMessage(name)) does not appear in the training data (\(settings.skipUnknownLabels))",
                             file: path, line: line)
    }
}
