import Foundation

/// Turns a JSON tree into a validated `RunConfig`; each error names the
/// config file, the value's line and its JSON path.
struct ConfigDecoder {
    let file: String
    let lines: [String: Int]
    let overridden: Set<String>
    /// The config is about to be run (not rebuilt from a checkpoint): files must exist, and
    /// rules that only matter for running apply (early stopping needs a dev set).
    let checkFiles: Bool
    /// Absolute folder of the config file: relative paths resolve against it.
    let folder: String

    func fail(_ path: String, _ message: String) -> RNNError {
        if overridden.contains(where: { path == $0 || path.hasPrefix($0 + ".") || path.hasPrefix($0 + "[") }) {
            return RNNError.input(message + " (from an override)", file: file, line: nil, field: path)
        }
        return RNNError.input(message, file: file, line: line(of: path), field: path)
    }

    /// The line of `path`, or of its closest enclosing value that has one.
    func line(of path: String) -> Int? {
        var p = path
        while true {
            if let l = lines[p] { return l }
            if p.isEmpty { return nil }
            if let dot = p.lastIndex(where: { $0 == "." || $0 == "[" }) { p = String(p[..<dot]) } else { p = "" }
        }
    }

    /// Walks `RunConfig.fields` in order: each object is checked for unknown keys before its
    /// fields are read; then the checks that involve several fields.
    func decode(_ root: JSONValue) throws -> RunConfig {
        var config = RunConfig.defaults
        config.sourcePath = file
        var objects: [String: [JSONValue.Member]] = [:]
        objects[""] = try members(of: root, path: "")
        var given = Set<String>()
        for field in RunConfig.fields {
            let value = objects[field.parent]?.first(where: { $0.key == field.key })?.value
            switch field.role {
            case .object: objects[field.path] = try members(of: value, path: field.path)
            case .value:
                if value != nil { given.insert(field.path) }
                try field.decode(&config, value, self)
            case .ignored: break
            }
        }
        try checkCombinations(config, given: given)
        return config
    }

    /// The members of the object at `path` (none when it is absent), after the unknown-key check.
    private func members(of value: JSONValue?, path: String) throws -> [JSONValue.Member] {
        let members: [JSONValue.Member]
        switch value {
        case nil: members = []
        case .object(let m)?: members = m
        case let other?:
            if path.isEmpty {
                throw RNNError.input("expected a JSON object at the top level, got \(other.typeName)", file: file, line: lines[""])
            }
            throw fail(path, "expected an object, got \(other.quotedForMessage)")
        }
        let known = RunConfig.schema[path] ?? []
        for member in members where !known.contains(member.key) {
            var message = "unknown field"
            if let near = NameSuggestion.nearest(to: member.key, among: known) {
                message += "; did you mean \"\(near)\"?"
            } else {
                message += "; known fields: \(known.joined(separator: ", "))"
            }
            throw fail(path.isEmpty ? member.key : path + "." + member.key, message)
        }
        return members
    }

    /// Rules that involve more than one field. `given` holds the paths present in the JSON.
    private func checkCombinations(_ config: RunConfig, given: Set<String>) throws {
        let model = config.model
        if model.kind == .bilstm {
            if given.contains("model.cell"), model.cell != .lstm {
                throw fail("model.cell", "\"\(model.cell.rawValue)\" contradicts model.kind \"bilstm\" (a preset for cell \"lstm\", bidirectional true); use model.kind \"textrnn\" for other cells")
            }
            if given.contains("model.bidirectional"), !model.bidirectional {
                throw fail("model.bidirectional", "false contradicts model.kind \"bilstm\" (a preset for cell \"lstm\", bidirectional true); use model.kind \"textrnn\" for a unidirectional LSTM")
            }
        }
        // "last" is the default, so a resolved textrcnn config holds it; only other values contradict.
        if model.kind == .textrcnn, model.pooling != .last {
            throw fail("model.pooling", "applies to model.kind \"textrnn\" and \"bilstm\" only; textrcnn always max-pools (remove the field)")
        }
        // Tagged tokens and one label per text are different data: say which setting reads which.
        if model.kind == .tagger, config.data.format != .conll {
            throw fail(given.contains("data.format") ? "data.format" : "model.kind",
                       "model.kind \"tagger\" reads CoNLL files (token<TAB>tag lines): set data.format \"conll\"")
        }
        if model.kind != .tagger, config.data.format == .conll {
            throw fail("data.format", "\"conll\" files hold tagged tokens: they train model.kind \"tagger\", not \"\(model.kind.rawValue)\"")
        }
        if model.kind == .tagger, config.data.classes != nil {
            throw fail("data.classes", "names the classes of one label per text; a tagger takes its tags and intents from the training file")
        }
        if model.kind != .tagger, model.crf {
            throw fail("model.crf", "a CRF scores tag sequences: it needs model.kind \"tagger\"")
        }
        let training = config.training
        if training.nesterov, training.optimizer != .sgd || training.momentum <= 0 {
            throw fail("training.nesterov", "needs training.optimizer \"sgd\" and training.momentum > 0")
        }
        // Only for a config about to be run: a checkpoint of an older version may hold this combination.
        if checkFiles, config.data.dev == nil, training.earlyStopping.patience > 0 {
            throw fail("training.early_stopping.patience",
                       "early stopping needs a dev set, and data.dev is null (set data.dev, or patience 0 to train every epoch)")
        }
    }

    func resolve(_ path: String) -> String {
        let url = path.hasPrefix("/") ? URL(fileURLWithPath: path)
                                      : URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: folder, isDirectory: true))
        return url.standardizedFileURL.path
    }
}

extension ConfigDecoder {
    func mismatch(_ path: String, _ expectation: String, _ got: JSONValue) -> RNNError {
        fail(path, "expected \(expectation), got \(got.quotedForMessage)")
    }

    /// A file or folder path, resolved against the config's folder; files must exist when the
    /// decoder checks files. `nullable`: null is allowed by the field (the caller handles it).
    func path(_ path: String, _ value: JSONValue, isFile: Bool, nullable: Bool = true) throws -> String {
        if case .null = value, !nullable { throw fail(path, "expected a path (string), got null") }
        guard case .string(let s) = value, !s.isEmpty else {
            throw mismatch(path, nullable ? "a path (string) or null" : "a path (string)", value)
        }
        let resolved = resolve(s)
        if isFile && checkFiles {
            var isDirectory: ObjCBool = false
            if !FileManager.default.fileExists(atPath: resolved, isDirectory: &isDirectory) {
                throw fail(path, "file not found: \(resolved)" + (s.hasPrefix("/") ? "" : " (relative paths resolve against the config file's folder)"))
            }
            if isDirectory.boolValue { throw fail(path, "is a folder, not a file: \(resolved)") }
        }
        return resolved
    }

    func classWeights(_ path: String, _ value: JSONValue) throws -> TrainingConfig.ClassWeights {
        switch value {
        case .null: return .none
        case .string("balanced"): return .balanced
        case .array(let items) where !items.isEmpty:
            return .explicit(try items.enumerated().map { i, item in
                guard case .number(let d, _) = item, d >= 0 else {
                    throw fail("\(path)[\(i)]", "expected a weight >= 0, got \(item.quotedForMessage)")
                }
                return d
            })
        default:
            throw mismatch(path, "null, \"balanced\" or a non-empty array of numbers", value)
        }
    }
}
