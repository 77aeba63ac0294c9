/// The sections of a run configuration (see docs/CONFIG.md for every field).
///
/// Each section is a plain value holding the defaults, each written once: as the property's
/// initial value, or, for sections with a parameterised `init`, as the parameter's default.
/// `RunConfig.fields` (RunConfig+Fields.swift) says how each field is read, checked and printed. Enums carry the exact JSON spellings as raw
/// values, and the model's own enums (`ModelKind`, `CellKind`, ...) are used directly.

public struct DataConfig: Equatable {
    /// `conll`: tagged tokens (taggers); `text`: one text per line, no label (language-model pretraining only).
    public enum Format: String, CaseIterable { case tsv, fasttext, jsonl, conll, text }
    public enum UnknownLabels: String, CaseIterable { case error, skip }
    public enum InvalidUTF8: String, CaseIterable { case replace, error }

    /// Absolute paths once loaded through `RunConfig`.
    public var train: String
    public var dev: String?
    public var format: Format
    public var classes: String?
    public var labelPrefix = "__label__"
    public var textField = "text"
    public var labelField = "label"
    public var unknownLabels: UnknownLabels = .error
    public var invalidUTF8: InvalidUTF8 = .replace
    /// Longest line accepted in a data file, in bytes (without the line ending); a longer one is an error.
    public var maxLineBytes = LineReader.defaultMaxLineBytes
    /// Several labels per text (`MultiLabelTask`): sigmoid outputs, binary cross-entropy.
    public var multiLabel = false
    /// TSV multi-label: what separates the names in the label column.
    public var labelSeparator = ","
    /// Multi-label decision threshold: one for every label, or tuned per label on dev.
    public var threshold: LabelThreshold = .fixed(0.5)

    /// `data.threshold`: a probability, or "tune" (per label, on dev, stored in the checkpoint).
    public enum LabelThreshold: Equatable {
        case fixed(Double)
        case tune
    }
    /// Language model: every Nth training line is held out for perplexity instead of trained on; 0 = off.
    public var holdoutEvery = 0

    public init(train: String, dev: String? = nil, format: Format = .tsv, classes: String? = nil) {
        self.train = train
        self.dev = dev
        self.format = format
        self.classes = classes
    }
}

public struct TokenizerConfig: Equatable {
    public enum Kind: String, CaseIterable { case char, word }
    public var kind: Kind
    public var lowercase: Bool
    public var maxLength: Int
    public var keepSpaces: Bool

    public init(kind: Kind = .char, lowercase: Bool = false, maxLength: Int = 32, keepSpaces: Bool = true) {
        self.kind = kind
        self.lowercase = lowercase
        self.maxLength = maxLength
        self.keepSpaces = keepSpaces
    }
}

public struct VocabConfig: Equatable {
    public var minFreq: Int
    /// Includes `<pad>` and `<unk>`.
    public var maxSize: Int
    public init(minFreq: Int = 1, maxSize: Int = 10_000) {
        self.minFreq = minFreq
        self.maxSize = maxSize
    }
}

public struct EmbeddingConfig: Equatable {
    public var dim: Int
    public var pretrained: String?
    public var freeze: Bool
    public init(dim: Int = 300, pretrained: String? = nil, freeze: Bool = false) {
        self.dim = dim
        self.pretrained = pretrained
        self.freeze = freeze
    }
}

public struct ModelConfig: Equatable {
    /// `bilstm` is kept as written; it always comes with cell lstm and bidirectional true.
    public var kind: ModelKind = .textrnn
    public var cell: CellKind = .lstm
    public var hiddenSize = 128
    public var layers = 2
    public var bidirectional = true
    public var dropout = 0.5
    public var pooling: PoolingKind = .last
    public var rcnnVariant: RCNNVariant = .paper
    /// 0 means "same as hidden_size".
    public var rcnnProjectionSize = 0
    /// Hops of the `memory` head (pooling "memory").
    public var memoryHops = 3
    /// Tagger: a linear-chain CRF over the tag scores instead of per-token softmax.
    public var crf = false
    /// Tagger: hash buckets of the per-token character n-gram bag; 0 = no character features.
    public var charNgramBuckets = 0
    /// Tagger: width of the character n-gram bag (joined to the word embedding).
    public var charNgramDim = 32
    /// Tagger with sentence labels: weight of the intent loss in tags + weight x intent.
    public var intentWeight = 1.0
    /// Join the n-gram bag to a recurrent model's features (wide and deep).
    public var wide = false
    /// How `wide` joins the bag: one classifier over both, or two experts.
    public var wideCombine = WideCombine.features
    /// The hashed n-gram bag: `fasttext`'s input, the wide part when `wide`.
    public var ngrams = NGramConfig()
    /// A checkpoint or export folder whose vocabulary, embedding and encoder (and, from a
    /// classifier with the same labels, head) start this run.
    public var initFrom: String?
    /// Regularisation of the recurrent kinds (`Regularisation`), 0 = off.
    public var embeddingDropout = 0.0
    public var tokenDropout = 0.0
    public var lockedDropout = 0.0
    public var weightDrop = 0.0

    public init() {}

    /// Whether the model has the n-gram bag.
    public var hasNGramBag: Bool { kind == .fasttext || wide }

    /// The projection width of the paper TextRCNN, with 0 resolved.
    public var effectiveRCNNProjectionSize: Int { rcnnProjectionSize == 0 ? hiddenSize : rcnnProjectionSize }
}

/// `model.ngrams`: fastText's hashed features (`NGramSpec`).
public struct NGramConfig: Equatable {
    /// Hashed rows (fastText's `bucket`, whose default is 2,000,000).
    public var buckets = 500_000
    public var dim = 100
    /// fastText's `wordNgrams`: token n-grams up to this n (1 = unigrams only).
    public var wordNgrams = 2
    /// fastText's `minn`/`maxn`: character n-grams inside each token; 0 and 0 = none.
    public var minn = 0
    public var maxn = 0
    public var dropout = 0.0
    public init() {}

    /// The character n-gram range, nil when off.
    public var characterNgrams: ClosedRange<Int>? { maxn == 0 ? nil : minn...maxn }
}

public struct ScheduleConfig: Equatable {
    public var kind: LearningRateSchedule.Kind = .constant
    /// Epochs between decays (step).
    public var stepSize = 1
    public var gamma = 0.5
    public var warmupSteps = 0
    public var minLR = 0.0
    /// Plateau: bad epochs tolerated before a decay.
    public var patience = 1
    public var factor = 0.5
    /// Slanted triangular (Howard & Ruder 2018): share of the steps spent rising, and lr_max / lr_min.
    public var cutFraction = 0.1
    public var ratio = 32.0
    public init() {}
}

public struct EarlyStoppingConfig: Equatable {
    public enum Metric: String, CaseIterable {
        case accuracy, macroF1 = "macro_f1", loss
        // Multi-label (MultiLabelTask).
        case microF1 = "micro_f1", subsetAccuracy = "subset_accuracy"
        // Taggers (TaggingTask).
        case slotF1 = "slot_f1", tokenAccuracy = "token_accuracy", intentAccuracy = "intent_accuracy",
             sentenceAccuracy = "sentence_accuracy"
        /// The language model's; lower is better, like `loss`.
        case perplexity
    }
    public var metric: Metric = .accuracy
    /// 0 = off.
    public var patience = 0
    public init() {}
}

public struct TrainingConfig: Equatable {
    public enum Optimizer: String, CaseIterable { case adam, adamw, sgd }
    public enum ClassWeights: Equatable {
        case none
        case balanced
        /// One weight per class, in label order (the count is checked against the labels by the trainer).
        case explicit([Double])
    }

    public var epochs = 10
    public var batchSize = 128
    public var optimizer: Optimizer = .adam
    public var lr = 0.001
    public var weightDecay = 0.0
    public var momentum = 0.0
    public var nesterov = false
    public var beta1 = 0.9
    public var beta2 = 0.999
    public var eps = 1e-8
    public var schedule = ScheduleConfig()
    /// 0 = off.
    public var clipNorm = 5.0
    /// 0 = off.
    public var clipValue = 0.0
    public var classWeights: ClassWeights = .none
    public var labelSmoothing = 0.0
    public var earlyStopping = EarlyStoppingConfig()
    public var seed: UInt64 = 1
    /// 0 = all cores.
    public var threads = 0
    public var lengthBuckets = true
    /// Steps between dev evaluations inside an epoch; 0 = once per epoch.
    public var evalEvery = 0
    /// Steps between log lines; 0 = off.
    public var logEvery = 50
    /// ULMFiT discriminative rates: each encoder layer below the head trains at the rate of the
    /// one above / this factor, the embedding below layer 0; 1 = off.
    public var discriminativeLR = 1.0
    /// ULMFiT gradual unfreezing: epoch 1 trains the head only, each later epoch one group more.
    public var gradualUnfreezing = false
    /// L2-SP strength towards the weights `model.init_from` loaded; 0 = off.
    public var pretrainedAnchor = 0.0
    /// Decay of the weights' exponential moving average (dev evaluation, best.ckpt); nil = off.
    public var ema: Double?
    public var adversarial = AdversarialConfig()
    /// The n-gram bag's table learns at `lr` times this.
    public var bagLRScale = 1.0
    public init() {}
}

/// `training.adversarial`: FGM on the embedding rows (Miyato et al. 2017), `AdversarialTraining`.
public struct AdversarialConfig: Equatable {
    /// Norm of the perturbation; 0 = off.
    public var epsilon = 0.0
    public init() {}
}

/// What a run trains.
public enum TaskKind: String, CaseIterable, Sendable {
    case classification
    /// Forward (and backward) next-token language model on the encoder, output tied to the embedding.
    case languageModel = "language_model"
}

public struct OutputConfig: Equatable {
    /// Absolute path once loaded.
    public var dir: String
    public init(dir: String) { self.dir = dir }
}
