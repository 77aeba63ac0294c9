import Foundation

/// One run, as described by a JSON config file: validated, defaults filled,
/// relative paths resolved against the config file's folder.
///
/// Every mistake is reported before any work as an `RNNError` of kind
/// `.input` naming the config file, the line of the offending value (when
/// known) and its JSON path: `config.json:14: error: training.lr: expected a
/// positive number, got "fast"`.
public struct RunConfig: Equatable {
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
        a.data == b.data && a.tokenizer == b.tokenizer && a.vocab == b.vocab && a.embedding == b.embedding
            && a.model == b.model && a.training == b.training && a.output == b.output
    }

    /// The sections a resumed run must not change.
    public static let modelDefiningSections = ["data", "tokenizer", "vocab", "embedding", "model"]

    // MARK: - Schema

    /// Known keys per object path, in the order `resolvedJSON` prints them.
    static let schema: [String: [String]] = [
        "": ["data", "tokenizer", "vocab", "embedding", "model", "training", "output"],
        "data": ["train", "dev", "test", "format", "classes", "label_prefix", "text_field", "label_field",
                 "unknown_labels", "invalid_utf8", "max_line_bytes"],
        "tokenizer": ["kind", "lowercase", "max_length", "keep_spaces"],
        "vocab": ["min_freq", "max_size"],
        "embedding": ["dim", "pretrained", "freeze"],
        "model": ["kind", "cell", "hidden_size", "layers", "bidirectional", "dropout", "pooling", "rcnn_variant",
                  "rcnn_proj_size"],
        "training": ["epochs", "batch_size", "optimizer", "lr", "weight_decay", "momentum", "nesterov", "beta1",
                     "beta2", "eps", "schedule", "clip_norm", "clip_value", "class_weights", "label_smoothing",
                     "early_stopping", "seed", "threads", "length_buckets", "eval_every", "log_every"],
        "training.schedule": ["kind", "step_size", "gamma", "warmup_steps", "min_lr", "patience", "factor"],
        "training.early_stopping": ["metric", "patience"],
        "output": ["dir"],
    ]

    // MARK: - Loading

    /// Reads, overrides, validates and resolves a config file.
    ///
    /// An override is `"training.lr=0.01"`: the value is parsed as JSON when it
    /// parses (numbers, true/false, null, arrays, quoted strings), else taken as
    /// a string. Unknown paths are rejected with a suggestion.
    public static func load(path: String, overrides: [String] = []) throws -> RunConfig {
        guard let contents = FileManager.default.contents(atPath: path) else {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            throw RNNError.input(exists ? (isDirectory.boolValue ? "is a folder, not a config file" : "cannot read the config file")
                                        : "config file not found", file: path)
        }
        return try parse(bytes: Array(contents), path: path, overrides: overrides, checkFiles: true)
    }

    /// Rebuilds a config from JSON text (e.g. the resolved JSON stored in a
    /// checkpoint). `checkFiles: false` skips the existence checks of data and
    /// vector files, which may be gone when a checkpoint is used elsewhere.
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

    /// The fully resolved config as a JSON tree, keys in schema order.
    public func jsonValue() -> JSONValue {
        func path(_ p: String?) -> JSONValue { p.map { .string($0) } ?? .null }
        let d = data, t = tokenizer, m = model, tr = training, s = training.schedule
        let classWeights: JSONValue
        switch tr.classWeights {
        case .none: classWeights = .null
        case .balanced: classWeights = .string("balanced")
        case .explicit(let w): classWeights = .array(w.map { .double($0) })
        }
        return .object([
            .init("data", .object([
                .init("train", .string(d.train)), .init("dev", path(d.dev)), .init("test", path(d.test)),
                .init("format", .string(d.format.rawValue)), .init("classes", path(d.classes)),
                .init("label_prefix", .string(d.labelPrefix)), .init("text_field", .string(d.textField)),
                .init("label_field", .string(d.labelField)), .init("unknown_labels", .string(d.unknownLabels.rawValue)),
                .init("invalid_utf8", .string(d.invalidUTF8.rawValue)), .init("max_line_bytes", .integer(d.maxLineBytes)),
            ])),
            .init("tokenizer", .object([
                .init("kind", .string(t.kind.rawValue)), .init("lowercase", .bool(t.lowercase)),
                .init("max_length", .integer(t.maxLength)), .init("keep_spaces", .bool(t.keepSpaces)),
            ])),
            .init("vocab", .object([.init("min_freq", .integer(vocab.minFreq)), .init("max_size", .integer(vocab.maxSize))])),
            .init("embedding", .object([
                .init("dim", .integer(embedding.dim)), .init("pretrained", path(embedding.pretrained)),
                .init("freeze", .bool(embedding.freeze)),
            ])),
            .init("model", .object([
                .init("kind", .string(m.kind.rawValue)), .init("cell", .string(m.cell.rawValue)),
                .init("hidden_size", .integer(m.hiddenSize)), .init("layers", .integer(m.layers)),
                .init("bidirectional", .bool(m.bidirectional)), .init("dropout", .double(m.dropout)),
                .init("pooling", .string(m.pooling.rawValue)), .init("rcnn_variant", .string(m.rcnnVariant.rawValue)),
                .init("rcnn_proj_size", .integer(m.rcnnProjSize)),
            ])),
            .init("training", .object([
                .init("epochs", .integer(tr.epochs)), .init("batch_size", .integer(tr.batchSize)),
                .init("optimizer", .string(tr.optimizer.rawValue)), .init("lr", .double(tr.lr)),
                .init("weight_decay", .double(tr.weightDecay)), .init("momentum", .double(tr.momentum)),
                .init("nesterov", .bool(tr.nesterov)), .init("beta1", .double(tr.beta1)),
                .init("beta2", .double(tr.beta2)), .init("eps", .double(tr.eps)),
                .init("schedule", .object([
                    .init("kind", .string(s.kind.rawValue)), .init("step_size", .integer(s.stepSize)),
                    .init("gamma", .double(s.gamma)), .init("warmup_steps", .integer(s.warmupSteps)),
                    .init("min_lr", .double(s.minLR)), .init("patience", .integer(s.patience)),
                    .init("factor", .double(s.factor)),
                ])),
                .init("clip_norm", .double(tr.clipNorm)), .init("clip_value", .double(tr.clipValue)),
                .init("class_weights", classWeights), .init("label_smoothing", .double(tr.labelSmoothing)),
                .init("early_stopping", .object([
                    .init("metric", .string(tr.earlyStopping.metric.rawValue)),
                    .init("patience", .integer(tr.earlyStopping.patience)),
                ])),
                .init("seed", .number(Double(tr.seed), isInteger: true)), .init("threads", .integer(tr.threads)),
                .init("length_buckets", .bool(tr.lengthBuckets)), .init("eval_every", .integer(tr.evalEvery)),
                .init("log_every", .integer(tr.logEvery)),
            ])),
            .init("output", .object([.init("dir", .string(output.dir))])),
        ])
    }

    /// Pretty, fully resolved JSON (defaults filled, absolute paths, stable key
    /// order). `parse(json:path:)` of this text gives back an equal config.
    public func resolvedJSON() -> String { jsonValue().prettyText }

    /// JSON paths of leaf fields that differ between the two configs, within
    /// the given top-level sections (a resumed run refuses these).
    public func differences(from other: RunConfig, sections: [String] = RunConfig.modelDefiningSections) -> [String] {
        var mine: [(String, JSONValue)] = [], theirs: [(String, JSONValue)] = []
        RunConfig.flatten(jsonValue(), prefix: "", into: &mine)
        RunConfig.flatten(other.jsonValue(), prefix: "", into: &theirs)
        let theirMap = Dictionary(theirs, uniquingKeysWith: { a, _ in a })
        return mine.compactMap { path, value in
            guard let section = path.split(separator: ".").first, sections.contains(String(section)) else { return nil }
            return theirMap[path] == value ? nil : path
        }
    }

    static func flatten(_ value: JSONValue, prefix: String, into out: inout [(String, JSONValue)]) {
        if case .object(let members) = value {
            for m in members { flatten(m.value, prefix: prefix.isEmpty ? m.key : prefix + "." + m.key, into: &out) }
        } else {
            out.append((prefix, value))
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
