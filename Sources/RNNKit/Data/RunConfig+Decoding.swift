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
        // A language model's best checkpoint is by held-out perplexity unless the config says loss.
        if config.task == .languageModel && !given.contains("training.early_stopping.metric") {
            config.training.earlyStopping.metric = .perplexity
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
        try checkMultiLabel(config)
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
        let ngrams = model.ngrams
        if ngrams.minn > ngrams.maxn {
            throw fail("model.ngrams.minn", "\(ngrams.minn) is above model.ngrams.maxn \(ngrams.maxn): the character n-gram range is inverted")
        }
        if ngrams.minn == 0 && ngrams.maxn > 0 {
            throw fail("model.ngrams.minn", "must be at least 1 when model.ngrams.maxn is \(ngrams.maxn) (both 0 = no character n-grams)")
        }
        if model.kind == .fasttext {
            if model.wide { throw fail("model.wide", "applies to the recurrent kinds; fasttext always reads the n-gram bag alone (remove the field)") }
            if model.pooling != .last { throw fail("model.pooling", "applies to model.kind \"textrnn\" and \"bilstm\" only; fasttext has no recurrent features to pool (remove the field)") }
            if config.embedding.pretrained != nil {
                throw fail("embedding.pretrained", "fasttext has no embedding (its words are rows of the n-gram bag): set it to null")
            }
        }
        if model.wideCombine != .features && !model.wide {
            throw fail("model.wide_combine", "says how a wide model joins its n-gram bag: it needs model.wide true")
        }
        if model.wideCombine == .experts && config.data.multiLabel {
            throw fail("model.wide_combine", "\"experts\" adds two softmax experts' log-probabilities; a multi-label model's labels are independent sigmoids (use \"features\")")
        }
        if model.kind == .tagger, model.wide {
            throw fail("model.wide", "applies to the text classifiers (textrnn, bilstm, textrcnn); a tagger's character features are model.char_ngram_buckets")
        }
        try checkTask(config, given: given)
        try checkRegularisation(config)
        let training = config.training
        if training.nesterov, training.optimizer != .sgd || training.momentum <= 0 {
            throw fail("training.nesterov", "needs training.optimizer \"sgd\" and training.momentum > 0")
        }
        // Only for a config about to be run: a checkpoint of an older version may hold this combination.
        if checkFiles, config.data.dev == nil, config.data.holdoutEvery == 0, training.earlyStopping.patience > 0 {
            throw fail("training.early_stopping.patience",
                       "early stopping needs a dev set, and data.dev is null (set data.dev, or patience 0 to train every epoch)")
        }
    }

    /// `data.multi_label` and the fields that only make sense with (or without) it.
    private func checkMultiLabel(_ config: RunConfig) throws {
        let data = config.data
        if data.labelSeparator.isEmpty { throw fail("data.label_separator", "must not be empty") }
        guard data.multiLabel else { return }
        // Only for a config about to be run (as for early stopping below).
        if checkFiles, data.threshold == .tune, data.dev == nil {
            throw fail("data.threshold", "\"tune\" chooses thresholds on the dev set, and data.dev is null (set data.dev, or a number)")
        }
        if config.training.classWeights != .none {
            throw fail("training.class_weights", "applies to single-label classification, not data.multi_label")
        }
        if config.training.labelSmoothing != 0 {
            throw fail("training.label_smoothing", "applies to single-label classification, not data.multi_label")
        }
        if config.model.kind == .tagger {
            throw fail("data.multi_label", "tags one label per token: model.kind \"tagger\" does not read several labels per text")
        }
    }

    /// The regularisers and FGM live in the text classifier's forward and ClassificationTask: a
    /// model that would silently ignore them refuses them instead.
    private func checkRegularisation(_ config: RunConfig) throws {
        let m = config.model
        let what = m.kind == .tagger ? "a tagger" : m.kind == .fasttext ? "fasttext" : nil
        let regularisers = [("model.embedding_dropout", m.embeddingDropout), ("model.token_dropout", m.tokenDropout),
                            ("model.locked_dropout", m.lockedDropout), ("model.weight_drop", m.weightDrop)]
        if let what, let (field, _) = regularisers.first(where: { $0.1 > 0 }) {
            throw fail(field, "applies to the recurrent text classifiers (textrnn, bilstm, textrcnn) and language models; \(what) does not use it (set it to 0)")
        }
        let adversarialless = config.task == .languageModel ? "a language model" : config.data.multiLabel ? "a multi-label model" : nil
        if config.training.adversarial.epsilon > 0, let what = what ?? adversarialless {
            throw fail("training.adversarial.epsilon", "applies to single-label recurrent text classifiers; \(what) does not use it (set it to 0)")
        }
    }

    /// The task's rules: what a language model can be and read, and the fields only it (or
    /// only classification) reads.
    private func checkTask(_ config: RunConfig, given: Set<String>) throws {
        let metric = config.training.earlyStopping.metric
        if config.training.pretrainedAnchor > 0 && config.model.initFrom == nil {
            throw fail("training.pretrained_anchor", "pulls the weights towards those model.init_from loads: set model.init_from, or set this to 0")
        }
        guard config.task == .languageModel else {
            if config.data.format == .text {
                throw fail("data.format", "\"text\" (no labels) is for task \"language_model\"; a classifier needs labelled lines")
            }
            if config.data.holdoutEvery > 0 {
                throw fail("data.holdout_every", "applies to task \"language_model\" only; a classifier is scored on data.dev")
            }
            if config.model.initFrom != nil && config.embedding.pretrained != nil {
                throw fail("embedding.pretrained", "cannot be used with model.init_from, which gives the embedding")
            }
            if metric == .perplexity {
                throw fail("training.early_stopping.metric", "\"perplexity\" is the language model's; a classifier reports accuracy, macro_f1 or loss")
            }
            if config.model.initFrom != nil, config.model.kind == .tagger || config.model.kind == .fasttext || config.data.multiLabel {
                throw fail("model.init_from", "fine-tunes single-label text classifiers (textrnn, bilstm, textrcnn); "
                           + "a tagger, a multi-label model or fasttext cannot start from it yet")
            }
            return
        }
        let model = config.model
        if model.kind != .textrnn && model.kind != .bilstm {
            throw fail("model.kind", "a language model is an embedding and a recurrent encoder: use \"textrnn\" or \"bilstm\" (its head is not trained)")
        }
        if model.bidirectional && model.layers > 1 {
            throw fail("model.layers", "a bidirectional language model has one layer: above it, each direction would read the other's states, "
                       + "which have seen the tokens it must predict (use layers 1, or bidirectional false for a deeper forward model)")
        }
        if model.hiddenSize != config.embedding.dim {
            throw fail("model.hidden_size", "must equal embedding.dim (\(config.embedding.dim)) for a language model: its output layer is the embedding, transposed")
        }
        if model.initFrom != nil { throw fail("model.init_from", "applies to task \"classification\" (fine-tuning)") }
        if config.data.multiLabel { throw fail("data.multi_label", "applies to classifiers; a language model reads no labels") }
        if model.wide { throw fail("model.wide", "applies to classifiers; a language model is an embedding and a recurrent encoder") }
        if metric != .perplexity && metric != .loss {
            throw fail("training.early_stopping.metric", "a language model reports perplexity (or loss), not \(metric.rawValue)")
        }
        if config.training.gradualUnfreezing || config.training.discriminativeLR != 1 {
            throw fail(config.training.gradualUnfreezing ? "training.gradual_unfreezing" : "training.discriminative_lr",
                       "applies to fine-tuning a classifier, not to task \"language_model\"")
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
