import Foundation

extension RunConfig {
    /// Every key of a run config, in the order `--print-config` prints them: an object comes
    /// before its fields. To add a field: a property with its default in ConfigSections.swift, and
    /// one entry here (docs/CONFIG.md, top, says how; its tables are checked against this list).
    static let fields: [ConfigField] = [
        .choice("task", \.task, help: "`classification`: one label per text; `language_model`: pretrain the embedding and encoder on unlabelled text (forward LM on the forward direction, backward LM on the backward one, output tied to the embedding; see README, \"Pretraining\"), then fine-tune a classifier from it with `model.init_from`"),
        .object("data"),
        .custom("data.train", type: "path", default: "**required**",
                help: "training file; the vocabulary and (without a classes file) the label set are built from it only",
                decode: { config, value, decoder in
                    guard let value else { throw decoder.fail("data.train", "missing required field (the training file)") }
                    config.data.train = try decoder.path("data.train", value, isFile: true, nullable: false)
                },
                encode: { .string($0.data.train) }),
        .file("data.dev", \.data.dev, help: "development file, evaluated after each epoch; without one, `best.ckpt` is the epoch with the lowest training loss and early stopping is an error"),
        .ignored("data.test", help: "accepted and ignored, so configs and checkpoints of older versions (which had this never-read field) still load; score a test file with `rnn-eval`"),
        .choice("data.format", \.data.format, help: "file format, see below"),
        .file("data.classes", \.data.classes, help: "class names, one per line, line *i* names class *i* (last newline optional)"),
        .text("data.label_prefix", \.data.labelPrefix, help: "fastText label prefix"),
        .text("data.text_field", \.data.textField, help: "JSON-lines field holding the text"),
        .text("data.label_field", \.data.labelField, help: "JSON-lines field holding the label"),
        .choice("data.unknown_labels", \.data.unknownLabels, help: "a dev/test label not seen in train (or not in the classes file): stop with an error naming file, line and label, or skip the line and count it"),
        .choice("data.invalid_utf8", \.data.invalidUTF8, help: "invalid UTF-8 bytes: replace by U+FFFD with one warning per file (first line, byte offset, count of lines), or stop with an error naming line and byte offset"),
        .integer("data.holdout_every", \.data.holdoutEvery, min: 0,
                 help: "`language_model` only: every Nth line of `data.train` (lines N, 2N, ... of the usable texts) is held out and scored for perplexity after each epoch instead of trained on, so a pretraining run needs no dev file; 0 = off (then `data.dev`, if any, is the held-out text)"),
        .integer("data.max_line_bytes", \.data.maxLineBytes, min: 1,
                 help: "longest line of a data file, in bytes without the line ending; a longer line is an error naming file and line (`data.max_line_bytes`), so a file without line breaks (`/dev/zero`, a binary) ends at once instead of filling memory. An error, not a cut: the label sits at the end of a TSV line and a cut JSON line is no JSON"),

        .object("tokenizer"),
        .choice("tokenizer.kind", \.tokenizer.kind, help: "`char`: one token per Unicode scalar (as the THUCNews reference models, Python `list(text)`); `word`: split on runs of Unicode whitespace"),
        .bool("tokenizer.lowercase", \.tokenizer.lowercase, help: "lowercase the text first"),
        .integer("tokenizer.max_length", \.tokenizer.maxLength, min: 1, help: "keep the first `max_length` tokens (truncation); batches are padded only to their longest sequence"),
        .bool("tokenizer.keep_spaces", \.tokenizer.keepSpaces, help: "`char` only: whether whitespace characters (ASCII space, U+3000, ...) are tokens; true like the reference"),

        .object("vocab"),
        .integer("vocab.min_freq", \.vocab.minFreq, min: 1, help: "drop tokens seen fewer times"),
        .integer("vocab.max_size", \.vocab.maxSize, min: 3, note: " (it includes <pad> and <unk>)",
                 help: "at most this many entries, **including** `<pad>` and `<unk>`"),

        .object("embedding"),
        .integer("embedding.dim", \.embedding.dim, min: 1, help: "embedding width; must equal the vectors' dimension when `pretrained` is set"),
        .file("embedding.pretrained", \.embedding.pretrained, help: "word2vec text file: header `count dim`, then `token v1 ... vdim`, fields separated by the ASCII space only (U+3000 and U+007F can be tokens). Only vocabulary tokens are kept; the others keep the model's own initialisation. Vocabulary and token-occurrence coverage are reported"),
        .bool("embedding.freeze", \.embedding.freeze, help: "do not train the embedding matrix"),

        .object("model"),
        .choice("model.kind", \.model.kind, help: "`bilstm` is a preset: textrnn with cell `lstm` and bidirectional true; giving it another `cell` or `bidirectional: false` is an error naming both fields"),
        .choice("model.cell", \.model.cell, help: "recurrent cell (Elman tanh/ReLU, Jordan, LSTM, GRU; PyTorch definitions)"),
        .integer("model.hidden_size", \.model.hiddenSize, min: 1, help: "hidden units per direction"),
        .integer("model.layers", \.model.layers, min: 1, help: "stacked recurrent layers"),
        .bool("model.bidirectional", \.model.bidirectional, help: "run a backward direction too"),
        .number("model.dropout", \.model.dropout, .fraction, help: "dropout before the classifier (and between stacked layers)"),
        .choice("model.pooling", \.model.pooling, help: "textrnn/bilstm: how the sequence becomes one vector; `last` = forward state at the last real token joined with the backward state at the first; `memory` = a memory network's hops over the states (`memory_hops`). textrcnn always max-pools: a value other than `\"last\"` (the default, which textrcnn ignores) is an error"),
        .choice("model.rcnn_variant", \.model.rcnnVariant, help: "textrcnn: Lai et al. (2015) left/right contexts, or the reference repository's `relu(concat(e, BiLSTM))`"),
        .integer("model.rcnn_proj_size", \.model.rcnnProjectionSize, min: 0, note: " (0 = same as hidden_size)",
                 help: "textrcnn paper variant: width of `y = tanh(W[l; e; r] + b)`; 0 = `hidden_size`"),
        .integer("model.memory_hops", \.model.memoryHops, min: 1,
                 help: "pooling `memory` (an end-to-end memory network over the encoder states, Sukhbaatar et al. 2015): hops of the learned query over the states"),
        .custom("model.init_from", type: "path | null", default: "null",
                help: "start from a trained model: a `language_model` checkpoint, a classifier checkpoint or an `rnn-export` folder. Its vocabulary replaces building one (`vocab` is not used), its embedding and encoder weights are loaded, and from a classifier with the same labels and head also the head and `fc`. `tokenizer` (except `max_length`), `embedding.dim`, `model.cell`, `hidden_size`, `layers` and `bidirectional` must equal the source's (an error names the fields that differ)",
                decode: { config, value, decoder in
                    guard let value, value != .null else { return }
                    let path = try decoder.path("model.init_from", value, isFile: false)
                    if decoder.checkFiles && !FileManager.default.fileExists(atPath: path) {
                        throw decoder.fail("model.init_from", "not found: \(path)")
                    }
                    config.model.initFrom = path
                },
                encode: { config in config.model.initFrom.map { .string($0) } ?? .null }),

        .object("training"),
        .integer("training.epochs", \.training.epochs, min: 1, help: "passes over the training data"),
        .integer("training.batch_size", \.training.batchSize, min: 1, help: "examples per batch (the last batch of an epoch may be smaller); changed on resume, it applies from the next epoch"),
        .choice("training.optimizer", \.training.optimizer, help: "optimizer (PyTorch definitions)"),
        .number("training.lr", \.training.lr, .positive, help: "learning rate"),
        .number("training.weight_decay", \.training.weightDecay, .atLeastZero(), help: "L2 (adam, sgd) or decoupled (adamw) weight decay"),
        .number("training.momentum", \.training.momentum, .fraction, help: "sgd momentum"),
        .bool("training.nesterov", \.training.nesterov, help: "sgd Nesterov momentum; needs `optimizer` `\"sgd\"` and `momentum` > 0"),
        .number("training.beta1", \.training.beta1, .fraction, help: "Adam β1"),
        .number("training.beta2", \.training.beta2, .fraction, help: "Adam β2"),
        .number("training.eps", \.training.eps, .positive, help: "Adam ε"),

        .object("training.schedule", help: "learning-rate schedule"),
        .choice("training.schedule.kind", \.training.schedule.kind, help: "constant; step: × `gamma` every `step_size` epochs; cosine: from `lr` down to `min_lr` over the run; plateau: × `factor` after `patience` epochs without dev improvement; slanted_triangular: ULMFiT's, up from `lr / ratio` to `lr` over `cut_frac` of the run's steps, then linearly down"),
        .integer("training.schedule.step_size", \.training.schedule.stepSize, min: 1, help: "epochs between step decays"),
        .number("training.schedule.gamma", \.training.schedule.gamma, .interval(0, 1, lowerIncluded: false, upperIncluded: true),
                help: "step decay factor"),
        .integer("training.schedule.warmup_steps", \.training.schedule.warmupSteps, min: 0, help: "linear warm-up from 0 over this many steps (any kind)"),
        .number("training.schedule.min_lr", \.training.schedule.minLR, .atLeastZero(), help: "floor of cosine and plateau"),
        .integer("training.schedule.patience", \.training.schedule.patience, min: 0, help: "plateau: epochs without improvement before a decay"),
        .number("training.schedule.factor", \.training.schedule.factor, .interval(0, 1, lowerIncluded: false, upperIncluded: false),
                help: "plateau decay factor"),
        .number("training.schedule.cut_frac", \.training.schedule.cutFraction, .interval(0, 1, lowerIncluded: false, upperIncluded: false),
                help: "slanted_triangular: share of the run's steps over which the rate rises from `lr / ratio` to `lr`; it then falls back linearly"),
        .number("training.schedule.ratio", \.training.schedule.ratio, .interval(1, 1e6, lowerIncluded: true, upperIncluded: true),
                help: "slanted_triangular: how much smaller the lowest rate is than `lr`"),

        .number("training.clip_norm", \.training.clipNorm, .atLeastZero(note: " (0 = off)"), help: "clip the global gradient norm to this; 0 = off"),
        .number("training.clip_value", \.training.clipValue, .atLeastZero(note: " (0 = off)"), help: "clip each gradient value to ±this; 0 = off"),
        .custom("training.class_weights", type: "null | \"balanced\" | [number ≥ 0]",
                help: "loss weight per class; `balanced` = n / (k · count(class)); an array has one weight per class, in label order (its length is checked against the labels)",
                decode: { config, value, decoder in
                    if let value { config.training.classWeights = try decoder.classWeights("training.class_weights", value) }
                },
                encode: { config in
                    switch config.training.classWeights {
                    case .none: return .null
                    case .balanced: return .string("balanced")
                    case .explicit(let w): return .array(w.map { .double($0) })
                    }
                }),
        .number("training.label_smoothing", \.training.labelSmoothing, .fraction, help: "label smoothing of the cross-entropy (PyTorch definition)"),

        .object("training.early_stopping", help: "stop when the dev metric stops improving"),
        .choice("training.early_stopping.metric", \.training.earlyStopping.metric, help: "dev metric that decides the best checkpoint and early stopping; `perplexity` is the language model's (its default there), lower is better like `loss`"),
        .integer("training.early_stopping.patience", \.training.earlyStopping.patience, min: 0, note: " (0 = off)",
                 help: "stop after this many epochs without improvement; 0 = off. Needs `data.dev`"),

        .integer("training.seed", \.training.seed, min: 0, max: 9_007_199_254_740_992,
                 help: "seeds initialisation, shuffling and dropout; a run is bitwise reproducible"),
        .integer("training.threads", \.training.threads, min: 0, note: " (0 = all cores)", help: "worker threads; 0 = all cores. Results do not depend on it"),
        .bool("training.length_buckets", \.training.lengthBuckets, help: "group similar lengths into batches (see below)"),
        .integer("training.eval_every", \.training.evalEvery, min: 0, help: "also evaluate on dev every N steps; 0 = once per epoch only"),
        .integer("training.log_every", \.training.logEvery, min: 0, help: "a progress line every N steps; 0 = off"),
        .number("training.discriminative_lr", \.training.discriminativeLR, .interval(1, 1e6, lowerIncluded: true, upperIncluded: true),
                help: "ULMFiT discriminative fine-tuning: the head and `fc` train at `lr`, the top encoder layer at `lr` / this, each layer below at the rate above / this, the embedding below layer 0; 1 = every parameter at `lr` (ULMFiT: 2.6)"),
        .bool("training.gradual_unfreezing", \.training.gradualUnfreezing,
              help: "ULMFiT gradual unfreezing: epoch 1 trains only the head and `fc`, each later epoch one more group (the top encoder layer, then the one below, ..., the embedding last); a frozen embedding (`embedding.freeze`) stays frozen"),

        .object("output"),
        .custom("output.dir", type: "path", default: "`\"runs/\" + the config file's base name`",
                help: "checkpoints, training log; relative to the config's folder like every path",
                decode: { config, value, decoder in
                    if let value {
                        config.output.dir = try decoder.path("output.dir", value, isFile: false, nullable: false)
                    } else {
                        config.output.dir = decoder.resolve("runs/" + URL(fileURLWithPath: decoder.file).deletingPathExtension().lastPathComponent)
                    }
                },
                encode: { .string($0.output.dir) }),
    ]

    /// Every value at its default (the required `data.train` and computed `output.dir` empty).
    static let defaults = RunConfig(data: DataConfig(train: ""), tokenizer: TokenizerConfig(), vocab: VocabConfig(),
                                    embedding: EmbeddingConfig(), model: ModelConfig(), training: TrainingConfig(),
                                    output: OutputConfig(dir: ""), sourcePath: "")

    /// Known keys per object path, in table order (the unknown-key check and `--set` use it).
    static let schema: [String: [String]] = {
        var schema: [String: [String]] = [:]
        for field in fields {
            if !(schema[field.parent]?.contains(field.key) ?? false) { schema[field.parent, default: []].append(field.key) }
        }
        return schema
    }()

    static let fieldsByPath: [String: ConfigField] = Dictionary(fields.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
}
