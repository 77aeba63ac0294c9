import Foundation

/// Turns a JSON tree into a validated `RunConfig`; each error names the
/// config file, the value's line and its JSON path.
struct ConfigDecoder {
    let file: String
    let lines: [String: Int]
    let overridden: Set<String>
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

    func decode(_ root: JSONValue) throws -> RunConfig {
        let top = try ObjectReader(root, path: "", decoder: self)

        let d = try ObjectReader(top.value("data"), path: "data", decoder: self)
        guard d.has("train") else { throw fail("data.train", "missing required field (the training file)") }
        guard let trainPath = try d.path("train", isFile: true) else {
            throw fail("data.train", "expected a path (string), got null")
        }
        var data = DataConfig(train: trainPath)
        data.dev = try d.path("dev", isFile: true)
        data.test = try d.path("test", isFile: true)
        data.format = try d.choice("format", default: .tsv)
        data.classes = try d.path("classes", isFile: true)
        data.labelPrefix = try d.string("label_prefix", default: "__label__")
        data.textField = try d.string("text_field", default: "text")
        data.labelField = try d.string("label_field", default: "label")
        data.unknownLabels = try d.choice("unknown_labels", default: .error)
        data.invalidUTF8 = try d.choice("invalid_utf8", default: .replace)
        data.maxLineBytes = try d.int("max_line_bytes", default: LineReader.defaultMaxLineBytes, min: 1)

        let t = try ObjectReader(top.value("tokenizer"), path: "tokenizer", decoder: self)
        var tokenizer = TokenizerConfig()
        tokenizer.kind = try t.choice("kind", default: .char)
        tokenizer.lowercase = try t.bool("lowercase", default: false)
        tokenizer.maxLength = try t.int("max_length", default: 32, min: 1)
        tokenizer.keepSpaces = try t.bool("keep_spaces", default: true)

        let v = try ObjectReader(top.value("vocab"), path: "vocab", decoder: self)
        var vocab = VocabConfig()
        vocab.minFreq = try v.int("min_freq", default: 1, min: 1)
        vocab.maxSize = try v.int("max_size", default: 10_000, min: 3, note: " (it includes <pad> and <unk>)")

        let e = try ObjectReader(top.value("embedding"), path: "embedding", decoder: self)
        var embedding = EmbeddingConfig()
        embedding.dim = try e.int("dim", default: 300, min: 1)
        embedding.pretrained = try e.path("pretrained", isFile: true)
        embedding.freeze = try e.bool("freeze", default: false)

        let m = try ObjectReader(top.value("model"), path: "model", decoder: self)
        var model = ModelConfig()
        model.kind = try m.choice("kind", default: .textrnn)
        model.cell = try m.choice("cell", default: .lstm)
        model.hiddenSize = try m.int("hidden_size", default: 128, min: 1)
        model.layers = try m.int("layers", default: 2, min: 1)
        model.bidirectional = try m.bool("bidirectional", default: true)
        model.dropout = try m.double("dropout", default: 0.5, "a number in [0, 1)") { $0 >= 0 && $0 < 1 }
        model.pooling = try m.choice("pooling", default: .last)
        model.rcnnVariant = try m.choice("rcnn_variant", default: .paper)
        model.rcnnProjSize = try m.int("rcnn_proj_size", default: 0, min: 0, note: " (0 = same as hidden_size)")
        if model.kind == .bilstm {
            if m.has("cell"), model.cell != .lstm {
                throw fail("model.cell", "\"\(model.cell.rawValue)\" contradicts model.kind \"bilstm\" (a preset for cell \"lstm\", bidirectional true); use model.kind \"textrnn\" for other cells")
            }
            if m.has("bidirectional"), !model.bidirectional {
                throw fail("model.bidirectional", "false contradicts model.kind \"bilstm\" (a preset for cell \"lstm\", bidirectional true); use model.kind \"textrnn\" for a unidirectional LSTM")
            }
        }
        if model.kind == .textrcnn, model.pooling != .last {
            throw fail("model.pooling", "applies to model.kind \"textrnn\" and \"bilstm\" only; textrcnn always max-pools (remove the field)")
        }

        let tr = try ObjectReader(top.value("training"), path: "training", decoder: self)
        var training = TrainingConfig()
        training.epochs = try tr.int("epochs", default: 10, min: 1)
        training.batchSize = try tr.int("batch_size", default: 128, min: 1)
        training.optimizer = try tr.choice("optimizer", default: .adam)
        training.lr = try tr.double("lr", default: 0.001, "a positive number") { $0 > 0 }
        training.weightDecay = try tr.double("weight_decay", default: 0, "a number >= 0") { $0 >= 0 }
        training.momentum = try tr.double("momentum", default: 0, "a number in [0, 1)") { $0 >= 0 && $0 < 1 }
        training.nesterov = try tr.bool("nesterov", default: false)
        training.beta1 = try tr.double("beta1", default: 0.9, "a number in [0, 1)") { $0 >= 0 && $0 < 1 }
        training.beta2 = try tr.double("beta2", default: 0.999, "a number in [0, 1)") { $0 >= 0 && $0 < 1 }
        training.eps = try tr.double("eps", default: 1e-8, "a positive number") { $0 > 0 }
        if training.nesterov, training.optimizer != .sgd || training.momentum <= 0 {
            throw fail("training.nesterov", "needs training.optimizer \"sgd\" and training.momentum > 0")
        }

        let s = try ObjectReader(tr.value("schedule"), path: "training.schedule", decoder: self)
        var schedule = ScheduleConfig()
        schedule.kind = try s.choice("kind", default: .constant)
        schedule.stepSize = try s.int("step_size", default: 1, min: 1)
        schedule.gamma = try s.double("gamma", default: 0.5, "a number in (0, 1]") { $0 > 0 && $0 <= 1 }
        schedule.warmupSteps = try s.int("warmup_steps", default: 0, min: 0)
        schedule.minLR = try s.double("min_lr", default: 0, "a number >= 0") { $0 >= 0 }
        schedule.patience = try s.int("patience", default: 1, min: 0)
        schedule.factor = try s.double("factor", default: 0.5, "a number in (0, 1)") { $0 > 0 && $0 < 1 }
        training.schedule = schedule

        training.clipNorm = try tr.double("clip_norm", default: 5, "a number >= 0 (0 = off)") { $0 >= 0 }
        training.clipValue = try tr.double("clip_value", default: 0, "a number >= 0 (0 = off)") { $0 >= 0 }
        training.classWeights = try tr.classWeights("class_weights")
        training.labelSmoothing = try tr.double("label_smoothing", default: 0, "a number in [0, 1)") { $0 >= 0 && $0 < 1 }

        let es = try ObjectReader(tr.value("early_stopping"), path: "training.early_stopping", decoder: self)
        training.earlyStopping.metric = try es.choice("metric", default: .accuracy)
        training.earlyStopping.patience = try es.int("patience", default: 0, min: 0, note: " (0 = off)")

        training.seed = UInt64(try tr.int("seed", default: 1, min: 0, max: 9_007_199_254_740_992))
        training.threads = try tr.int("threads", default: 0, min: 0, note: " (0 = all cores)")
        training.lengthBuckets = try tr.bool("length_buckets", default: true)
        training.evalEvery = try tr.int("eval_every", default: 0, min: 0)
        training.logEvery = try tr.int("log_every", default: 50, min: 0)

        let o = try ObjectReader(top.value("output"), path: "output", decoder: self)
        let baseName = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        var outputDir = resolve("runs/" + baseName)
        if o.has("dir") {
            guard let dir = try o.path("dir", isFile: false) else { throw fail("output.dir", "expected a path (string), got null") }
            outputDir = dir
        }

        return RunConfig(data: data, tokenizer: tokenizer, vocab: vocab, embedding: embedding, model: model,
                         training: training, output: OutputConfig(dir: outputDir), sourcePath: file)
    }

    func resolve(_ path: String) -> String {
        let url = path.hasPrefix("/") ? URL(fileURLWithPath: path)
                                      : URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: folder, isDirectory: true))
        return url.standardizedFileURL.path
    }
}

/// Reads the fields of one JSON object, rejecting unknown keys up front.
struct ObjectReader {
    let path: String
    let members: [JSONValue.Member]
    let decoder: ConfigDecoder

    /// `value` nil (section absent) reads as an empty object: all defaults.
    init(_ value: JSONValue?, path: String, decoder: ConfigDecoder) throws {
        self.path = path
        self.decoder = decoder
        switch value {
        case nil: members = []
        case .object(let m)?: members = m
        case let other?:
            throw decoder.fail(path, "expected an object, got \(other.quotedForMessage)")
        }
        let known = RunConfig.schema[path] ?? []
        for member in members where !known.contains(member.key) {
            let childPath = fieldPath(member.key)
            var message = "unknown field"
            if let near = NameSuggestion.nearest(to: member.key, among: known) {
                message += "; did you mean \"\(near)\"?"
            } else {
                message += "; known fields: \(known.joined(separator: ", "))"
            }
            throw decoder.fail(childPath, message)
        }
    }

    func fieldPath(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    func has(_ key: String) -> Bool { members.contains(where: { $0.key == key }) }

    func value(_ key: String) -> JSONValue? { members.first(where: { $0.key == key })?.value }

    private func mismatch(_ key: String, _ expectation: String, _ got: JSONValue) -> RNNError {
        decoder.fail(fieldPath(key), "expected \(expectation), got \(got.quotedForMessage)")
    }

    func bool(_ key: String, default fallback: Bool) throws -> Bool {
        guard let v = value(key) else { return fallback }
        guard case .bool(let b) = v else { throw mismatch(key, "true or false", v) }
        return b
    }

    func string(_ key: String, default fallback: String) throws -> String {
        guard let v = value(key) else { return fallback }
        guard case .string(let s) = v, !s.isEmpty else { throw mismatch(key, "a non-empty string", v) }
        return s
    }

    func int(_ key: String, default fallback: Int, min: Int, max: Int = 1 << 40, note: String = "") throws -> Int {
        guard let v = value(key) else { return fallback }
        let expectation = max == 1 << 40 ? "an integer >= \(min)\(note)" : "an integer in [\(min), \(max)]\(note)"
        guard case .number(let d, _) = v, d.rounded() == d, d >= Double(min), d <= Double(max) else {
            throw mismatch(key, expectation, v)
        }
        return Int(d)
    }

    func double(_ key: String, default fallback: Double, _ expectation: String, valid: (Double) -> Bool) throws -> Double {
        guard let v = value(key) else { return fallback }
        guard case .number(let d, _) = v, valid(d) else { throw mismatch(key, expectation, v) }
        return d
    }

    func choice<E: RawRepresentable & CaseIterable>(_ key: String, default fallback: E) throws -> E where E.RawValue == String {
        guard let v = value(key) else { return fallback }
        let names = E.allCases.map(\.rawValue)
        let list = names.map { "\"\($0)\"" }.joined(separator: ", ")
        guard case .string(let s) = v else { throw mismatch(key, "one of \(list)", v) }
        guard let e = E(rawValue: s) else {
            var message = "expected one of \(list), got \(v.quotedForMessage)"
            if let near = NameSuggestion.nearest(to: s, among: names) { message += "; did you mean \"\(near)\"?" }
            throw decoder.fail(fieldPath(key), message)
        }
        return e
    }

    /// A file or folder path (null allowed for optional ones), resolved against
    /// the config's folder; files must exist when the decoder checks files.
    func path(_ key: String, isFile: Bool) throws -> String? {
        guard let v = value(key) else { return nil }
        if case .null = v { return nil }
        guard case .string(let s) = v, !s.isEmpty else { throw mismatch(key, "a path (string) or null", v) }
        let resolved = decoder.resolve(s)
        if isFile && decoder.checkFiles {
            var isDirectory: ObjCBool = false
            if !FileManager.default.fileExists(atPath: resolved, isDirectory: &isDirectory) {
                throw decoder.fail(fieldPath(key), "file not found: \(resolved)" + (s.hasPrefix("/") ? "" : " (relative paths resolve against the config file's folder)"))
            }
            if isDirectory.boolValue { throw decoder.fail(fieldPath(key), "is a folder, not a file: \(resolved)") }
        }
        return resolved
    }

    func classWeights(_ key: String) throws -> TrainingConfig.ClassWeights {
        guard let v = value(key) else { return .none }
        switch v {
        case .null: return .none
        case .string("balanced"): return .balanced
        case .array(let items) where !items.isEmpty:
            return .explicit(try items.enumerated().map { i, item in
                guard case .number(let d, _) = item, d >= 0 else {
                    throw decoder.fail("\(fieldPath(key))[\(i)]", "expected a weight >= 0, got \(item.quotedForMessage)")
                }
                return d
            })
        default:
            throw mismatch(key, "null, \"balanced\" or a non-empty array of numbers", v)
        }
    }
}
