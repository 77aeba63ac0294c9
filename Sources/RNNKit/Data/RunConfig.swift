import Foundation

/// One run, as described by a JSON config file: validated, defaults filled,
/// relative paths resolved against the config file's folder.
///
/// Every mistake is reported before any work as an `RNNError` of kind
/// `.input` naming the config file, the line of the offending value (when
/// known) and its JSON path: `config.json:14: error: training.lr: expected a
/// positive number, got "fast"`.
public struct RunConfig: Equatable {
    public var task: TaskKind = .classification
    public var data: DataConfig
    public var tokenizer: TokenizerConfig
    public var vocab: VocabConfig
    public var embedding: EmbeddingConfig
    public var model: ModelConfig
    public var training: TrainingConfig
    public var output: OutputConfig
    /// The config file as the user named it (used in messages; not compared).
    public var sourcePath: String

    public static func == (a: RunConfig, b: RunConfig) -> Bool {
        a.task == b.task && a.data == b.data && a.tokenizer == b.tokenizer && a.vocab == b.vocab && a.embedding == b.embedding
            && a.model == b.model && a.training == b.training && a.output == b.output
    }

    /// The sections a resumed run must not change.
    public static let modelDefiningSections = ["task", "data", "tokenizer", "vocab", "embedding", "model"]

    // MARK: - Loading

    /// Reads, overrides, validates and resolves a config file.
    ///
    /// An override is `"training.lr=0.01"`: the value is parsed as JSON when it
    /// parses (numbers, true/false, null, arrays, quoted strings), else taken as
    /// a string. Unknown paths are rejected with a suggestion.
    public static func load(path: String, overrides: [String] = []) throws -> RunConfig {
        guard let contents = try? WholeFile.read(path, what: "config file") else {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            throw RNNError.input(exists ? (isDirectory.boolValue ? "is a folder, not a config file" : "cannot read the config file")
                                        : "config file not found", file: path)
        }
        return try parse(bytes: Array(contents), path: path, overrides: overrides, checkFiles: true)
    }

    /// Rebuilds a config from JSON text (e.g. the resolved JSON stored in a
    /// checkpoint). `checkFiles: false` skips the existence checks of data and
    /// vector files, which may be gone when a checkpoint is used elsewhere, and the
    /// rules that only matter for running it (early stopping needs a dev set).
    public static func parse(json: String, path: String, overrides: [String] = [], checkFiles: Bool = false) throws -> RunConfig {
        try parse(bytes: Array(json.utf8), path: path, overrides: overrides, checkFiles: checkFiles)
    }

    static func parse(bytes: [UInt8], path: String, overrides: [String], checkFiles: Bool) throws -> RunConfig {
        let document: JSONDocument
        do {
            document = try JSONParser.parse(bytes: bytes)
        } catch let e as JSONParser.SyntaxError {
            throw RNNError.input("invalid JSON at line \(e.line), column \(e.column): \(e.message)", file: path, line: e.line)
        }
        var root = document.root
        var lines = document.lines
        var overridden = Set<String>()
        guard case .object = root else {
            throw RNNError.input("expected a JSON object at the top level, got \(root.typeName)", file: path, line: lines[""])
        }
        for override in overrides {
            let (fieldPath, value) = try parseOverride(override)
            try setValue(&root, at: fieldPath.split(separator: ".").map(String.init), to: value)
            for key in lines.keys where key == fieldPath || key.hasPrefix(fieldPath + ".") || key.hasPrefix(fieldPath + "[") {
                lines[key] = nil
            }
            overridden.insert(fieldPath)
        }
        let decoder = ConfigDecoder(file: path, lines: lines, overridden: overridden, checkFiles: checkFiles,
                                    folder: folder(of: path))
        return try decoder.decode(root)
    }

    static func folder(of configPath: String) -> String {
        let url = URL(fileURLWithPath: configPath)
        return url.deletingLastPathComponent().standardizedFileURL.path
    }

    static func parseOverride(_ text: String) throws -> (String, JSONValue) {
        guard let eq = text.firstIndex(of: "=") else {
            throw RNNError.usage("override '\(text)' must look like section.field=value, e.g. training.lr=0.01")
        }
        let fieldPath = String(text[..<eq]).trimmingCharacters(in: .whitespaces)
        let rawValue = String(text[text.index(after: eq)...])
        let components = fieldPath.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        var parent = ""
        for component in components {
            guard let keys = schema[parent] else {
                throw RNNError.usage("override '\(text)': '\(parent)' has no fields")
            }
            guard keys.contains(component) else {
                let prefix = parent.isEmpty ? "" : parent + "."
                var message = "override '\(text)': unknown config field '\(prefix)\(component)'"
                if let near = NameSuggestion.nearest(to: component, among: keys) {
                    message += "; did you mean '\(prefix)\(near)'?"
                } else {
                    message += "; known: \(keys.map { prefix + $0 }.joined(separator: ", "))"
                }
                throw RNNError.usage(message)
            }
            parent = parent.isEmpty ? component : parent + "." + component
        }
        let value: JSONValue
        if let document = try? JSONParser.parse(rawValue) {
            value = document.root
        } else {
            value = .string(rawValue)
        }
        return (fieldPath, value)
    }

    static func setValue(_ value: inout JSONValue, at path: [String], to newValue: JSONValue) throws {
        guard let first = path.first else { value = newValue; return }
        var members: [JSONValue.Member]
        if case .object(let existing) = value { members = existing } else { members = [] }
        if let i = members.firstIndex(where: { $0.key == first }) {
            try setValue(&members[i].value, at: Array(path.dropFirst()), to: newValue)
        } else {
            var child = JSONValue.object([])
            try setValue(&child, at: Array(path.dropFirst()), to: newValue)
            members.append(.init(first, child))
        }
        value = .object(members)
    }

    // MARK: - Output

    /// The fully resolved config as a JSON tree, keys in table order (`RunConfig.fields`).
    public func jsonValue() -> JSONValue { jsonObject(at: "") }

    private func jsonObject(at path: String) -> JSONValue {
        .object(RunConfig.fields.filter { $0.parent == path && $0.role != .ignored }.map { field in
            JSONValue.Member(field.key, field.role == .object ? jsonObject(at: field.path) : field.encode(self))
        })
    }

    /// Pretty, fully resolved JSON (defaults filled, absolute paths, stable key
    /// order). `parse(json:path:)` of this text gives back an equal config.
    public func resolvedJSON() -> String { jsonValue().prettyText }

    /// JSON paths of leaf fields that differ between the two configs, within
    /// the given top-level sections (a resumed run refuses these).
    public func differences(from other: RunConfig, sections: [String] = RunConfig.modelDefiningSections) -> [String] {
        RunConfig.fields.compactMap { field in
            guard field.role == .value, sections.contains(field.section) else { return nil }
            return field.encode(self) == field.encode(other) ? nil : field.path
        }
    }
}

/// "did you mean" suggestions by edit distance.
enum NameSuggestion {
    /// The closest name within a distance of about a third of its length (at least 2).
    static func nearest(to name: String, among candidates: [String]) -> String? {
        var best: (String, Int)?
        for c in candidates {
            let d = editDistance(name.lowercased(), c.lowercased())
            if best == nil || d < best!.1 { best = (c, d) }
        }
        guard let (candidate, d) = best else { return nil }
        return d <= max(2, candidate.count / 3) ? candidate : nil
    }
}
