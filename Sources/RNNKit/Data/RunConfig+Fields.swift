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

        .bool("data.multi_label", \.data.multiLabel, help: "several labels per text: fastText `__label__a __label__b text`, a JSON-lines array `\"label\": [\"a\", \"b\"]`, or a TSV label column split on `label_separator`; sigmoid outputs with binary cross-entropy, dev scored by micro/macro F1, subset accuracy and Hamming loss (`accuracy` as early-stopping metric means subset accuracy)"),
        .text("data.label_separator", \.data.labelSeparator, help: "`multi_label` TSV: what separates the label names of the last column (`sports,politics`); names are trimmed of spaces"),
        .custom("data.threshold", type: "number in (0, 1) | \"tune\"", help: "`multi_label`: a label is predicted when its probability is at least this; `\"tune\"`: per label, the value of 0.05, 0.10, …, 0.95 with the best F1 on dev at each evaluation (needs `dev`), stored in the checkpoint; `rnn-predict --threshold` overrides either",
                decode: { config, value, decoder in
                    guard let value else { return }
                    switch value {
                    case .string("tune"): config.data.threshold = .tune
                    case .number(let d, _) where d > 0 && d < 1: config.data.threshold = .fixed(d)
                    default: throw decoder.mismatch("data.threshold", "a number in (0, 1) or \"tune\"", value)
                    }
                },
                encode: { config in
                    switch config.data.threshold {
                    case .tune: return .string("tune")
                    case .fixed(let d): return .double(d)
                    }
                }),

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
        .choice("model.kind", \.model.kind, help: "`bilstm` is a preset: textrnn with cell `lstm` and bidirectional true; giving it another `cell` or `bidirectional: false` is an error naming both fields. `fasttext` is fastText's supervised model: the n-gram bag (`model.ngrams`) → dropout → linear → softmax, no embedding and no recurrence (the recurrent fields are ignored)"),
        .choice("model.cell", \.model.cell, help: "recurrent cell (Elman tanh/ReLU, Jordan, LSTM, GRU; PyTorch definitions)"),
        .integer("model.hidden_size", \.model.hiddenSize, min: 1, help: "hidden units per direction"),
        .integer("model.layers", \.model.layers, min: 1, help: "stacked recurrent layers"),
        .bool("model.bidirectional", \.model.bidirectional, help: "run a backward direction too"),
        .number("model.dropout", \.model.dropout, .fraction, help: "dropout before the classifier (and between stacked layers)"),
        .choice("model.pooling", \.model.pooling, help: "textrnn/bilstm: how the sequence becomes one vector; `last` = forward state at the last real token joined with the backward state at the first; `max_mean` = max and mean over real steps, joined (twice the width); `memory` = a memory network's hops over the states (`memory_hops`). textrcnn always max-pools: a value other than `\"last\"` (the default, which textrcnn ignores) is an error"),
        .choice("model.rcnn_variant", \.model.rcnnVariant, help: "textrcnn: Lai et al. (2015) left/right contexts, or the reference repository's `relu(concat(e, BiLSTM))`"),
        .integer("model.rcnn_proj_size", \.model.rcnnProjectionSize, min: 0, note: " (0 = same as hidden_size)",
                 help: "textrcnn paper variant: width of `y = tanh(W[l; e; r] + b)`; 0 = `hidden_size`"),
        .integer("model.memory_hops", \.model.memoryHops, min: 1,
                 help: "pooling `memory` (an end-to-end memory network over the encoder states, Sukhbaatar et al. 2015): hops of the learned query over the states"),
        .bool("model.crf", \.model.crf, help: "tagger: score tag sequences with a linear-chain CRF (transitions with start/end, forward algorithm for the loss, Viterbi decoding that never writes an invalid `I-` after `O`) instead of a softmax per token"),
        .integer("model.char_ngram_buckets", \.model.charNgramBuckets, min: 0, note: " (0 = off)",
                 help: "tagger: character features for every token, the mean of hashed character 3- to 5-gram rows (fastText's subwords of `<token>`) in this many buckets, joined to the word embedding; they give unknown words a representation. 0 = off"),
        .integer("model.char_ngram_dim", \.model.charNgramDim, min: 1, help: "tagger: width of the character n-gram features"),
        .number("model.intent_weight", \.model.intentWeight, .atLeastZero(), help: "tagger trained on sentences with `# intent` labels: the loss is tags + intent_weight x intent (the intent head pools the same encoder, as `pooling` says)"),
        .bool("model.wide", \.model.wide,
              help: "textrnn/bilstm/textrcnn: wide and deep — the n-gram bag's vector (`model.ngrams`, with its own dropout) joined to the head's features before the classifier. `fasttext` reads the bag alone and needs no flag"),
        .choice("model.wide_combine", \.model.wideCombine,
                help: "with `wide`: `features` joins the bag's vector to the head's features before one classifier and one loss; `experts` gives the bag its own classifier (`bag_fc`, fastText's model, learning at `lr` × `training.bag_lr_scale` like its table) and trains it and the recurrent model each on its own loss over the same batches, and a prediction adds their log-probabilities (a product of experts): the bag then learns as fastText does instead of leaning on the recurrent features"),
        .object("model.ngrams", help: "the hashed n-gram bag (fastText's features, Joulin et al. 2017): `fasttext`'s input, the wide part of `wide` models; ignored otherwise. Its table has (vocabulary + `buckets`) × `dim` floats, 4 bytes each (500,000 × 100: 200 MB), trained row-sparsely: adam/adamw keep two moments of the same size (lazy Adam, +400 MB; no weight decay on the table), sgd none; table and moments are in every checkpoint"),
        .integer("model.ngrams.buckets", \.model.ngrams.buckets, min: 1, help: "hash buckets of the n-grams (fastText `-bucket`, default there 2,000,000)"),
        .integer("model.ngrams.dim", \.model.ngrams.dim, min: 1, help: "width of the bag's vector (fastText `-dim`)"),
        .integer("model.ngrams.word_ngrams", \.model.ngrams.wordNgrams, min: 1,
                 help: "n-grams of consecutive tokens up to this n (fastText `-wordNgrams`): word n-grams with the `word` tokenizer, character n-grams with `char`; 1 = the tokens alone"),
        .integer("model.ngrams.minn", \.model.ngrams.minn, min: 0, help: "shortest character n-gram inside a token (fastText `-minn`, subwords of `<token>`); `minn` and `maxn` both 0 = none"),
        .integer("model.ngrams.maxn", \.model.ngrams.maxn, min: 0, help: "longest character n-gram inside a token (fastText `-maxn`); at least `minn`"),
        .number("model.ngrams.dropout", \.model.ngrams.dropout, .fraction, help: "dropout on the bag's vector before the classifier"),
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

        .number("model.embedding_dropout", \.model.embeddingDropout, .fraction,
                help: "recurrent kinds and language models, training only: drop whole token types per batch — each distinct token of a batch keeps or loses its embedding row at every position (AWD-LSTM's embedding dropout), survivors scaled by 1/(1-p); 0 = off"),
        .number("model.token_dropout", \.model.tokenDropout, .fraction,
                help: "recurrent kinds and language models, training only: each real position reads `<unk>` instead of its token with this probability (word dropout; the n-gram bag still reads the text; a language model still predicts the real token); 0 = off"),
        .number("model.locked_dropout", \.model.lockedDropout, .fraction,
                help: "recurrent kinds and language models, training only: locked (variational) dropout — one mask per sequence, the same at every step — on the input of every recurrent layer and the output of the last (on top of `dropout` between layers); 0 = off"),
        .number("model.weight_drop", \.model.weightDrop, .fraction,
                help: "recurrent kinds and language models, training only: DropConnect on every recurrent matrix W_hh, one mask per batch shared by all steps (AWD-LSTM's weight-drop); inference uses the weights as trained; 0 = off"),

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
        .choice("training.early_stopping.metric", \.training.earlyStopping.metric, help: "dev metric that decides the best checkpoint and early stopping; `micro_f1` and `subset_accuracy` are multi-label metrics (`data.multi_label`), where `accuracy` means subset accuracy; `slot_f1`, `token_accuracy`, `intent_accuracy` and `sentence_accuracy` are a tagger's; `perplexity` is the language model's (its default there), lower is better like `loss`"),
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
        .number("training.pretrained_anchor", \.training.pretrainedAnchor, .atLeastZero(note: " (0 = off)"),
                help: "L2-SP (Li et al. 2018), with `model.init_from`: adds `pretrained_anchor / 2 · ‖w − w₀‖²` to the loss for the embedding and encoder weights, w₀ their loaded values, so fine-tuning stays near the pretrained start (plain `weight_decay` pulls towards 0 instead). Applied as the optimizer applies weight decay: adam and sgd add `pretrained_anchor · (w − w₀)` to the gradient (under adam this holds weights the task barely moves, such as rare tokens' rows, at w₀); adamw moves `w -= lr · pretrained_anchor · (w − w₀)` before each update, the same relative pull on every weight; w₀ is saved in checkpoints, the reported loss leaves the penalty out; 0 = off"),
        .custom("training.ema", type: "null | number in (0, 1)", default: "null",
                help: "decay of an exponential moving average of the weights, updated after every step (`avg += (1 - decay) (w - avg)`); dev is evaluated on the average and `best.ckpt` holds it, `last.ckpt` holds the trained weights and the average (resume is bitwise). The n-gram bag's table is used as trained. null = off",
                decode: { config, value, decoder in
                    guard let value else { return }
                    if case .null = value { config.training.ema = nil; return }
                    guard case .number(let d, _) = value, d > 0, d < 1 else {
                        throw decoder.mismatch("training.ema", "null or a number in (0, 1)", value)
                    }
                    config.training.ema = d
                },
                encode: { config in config.training.ema.map { .double($0) } ?? .null }),
        .object("training.adversarial", help: "adversarial training on the embeddings (FGM, Miyato et al. 2017)"),
        .number("training.adversarial.epsilon", \.training.adversarial.epsilon, .atLeastZero(note: " (0 = off)"),
                help: "recurrent kinds: after each step's backward, the embedding rows the batch read are moved by ε along their loss gradient (divided by its norm over the batch), and a second forward and backward with the same dropout masks adds that loss's gradient; 0 = off"),
        .number("training.bag_lr_scale", \.training.bagLRScale, .positive,
                help: "the n-gram bag's table (`model.ngrams`) learns at `lr` × this; a row moves only in the steps whose batch holds its n-gram, so a wide and deep model's bag learns far slower than the recurrent part at one rate (fastText's own rate is ~100× a recurrent model's)"),

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
