import Foundation

/// `model.init_from`: the trained model a classifier starts from, a language model's checkpoint
/// (`rnn-train` with `task: "language_model"`), a classifier's checkpoint, or an `rnn-export`
/// folder.
///
/// The run takes the source's vocabulary (the token ids of its embedding rows) instead of
/// building one, so the fields that decide which tokens a text becomes, and the shapes of the
/// weights, must be the source's: a difference is an error naming each field. `tokenizer.max_length`
/// may differ (it only truncates). The embedding and encoder weights are copied by name, bit for
/// bit; a classifier source with the same labels, in the same order, and the same head also
/// gives its head and `fc`, so a run can continue training an exported model.
public struct PretrainedStart {
    public let path: String
    public let config: RunConfig
    public let vocabulary: Vocabulary
    /// Empty for a language model.
    public let labels: [String]
    public let isLanguageModel: Bool
    let tensors: [String: [Float]]

    /// Fields that must be equal in the run's config and the source's.
    static let sharedFields = ["tokenizer.kind", "tokenizer.lowercase", "tokenizer.keep_spaces", "embedding.dim",
                               "model.cell", "model.hidden_size", "model.layers", "model.bidirectional"]

    public static func load(_ path: String) throws -> PretrainedStart {
        let checkpoint = ExportFolder.isFolder(path) ? try ExportFolder.read(from: path) : try Checkpoint.read(from: path)
        let meta = checkpoint.metadata
        let format = meta.values[TrainedModel.Key.format]
        guard format == TrainedModel.formatName || format == LanguageModelTask.formatName,
              let configText = meta.values[TrainedModel.Key.config] else {
            throw RNNError.input("model.init_from: not a checkpoint of rnn-train (a language model, a classifier) "
                                 + "or an rnn-export folder", file: path)
        }
        let config: RunConfig
        do { config = try RunConfig.parse(json: configText, path: path, checkFiles: false) } catch let error as RNNError {
            throw RNNError.input("model.init_from: the config stored in this checkpoint is invalid: \(error.message)", file: path)
        }
        let vocabulary: Vocabulary
        do { vocabulary = try Vocabulary(tokens: meta.vocabulary) } catch let error as RNNError {
            throw RNNError.input("model.init_from: the vocabulary stored in this checkpoint is invalid: \(error.message)", file: path)
        }
        var tensors: [String: [Float]] = [:]
        for t in checkpoint.tensors { tensors[t.name] = t.values }
        return PretrainedStart(path: path, config: config, vocabulary: vocabulary, labels: meta.labels,
                               isLanguageModel: format == LanguageModelTask.formatName, tensors: tensors)
    }

    /// Refuses a run whose tokenizer or encoder shape differs from the source's, naming the fields.
    public func check(_ run: RunConfig) throws {
        var differing: [String] = []
        for name in Self.sharedFields {
            guard let field = RunConfig.fieldsByPath[name] else { continue }
            let ours = field.encode(run), theirs = field.encode(config)
            if ours != theirs { differing.append("\(name) is \(ours.compactText) here, \(theirs.compactText) in the source") }
        }
        // bilstm is an LSTM that is bidirectional whatever the fields say.
        func effective(_ c: RunConfig) -> (CellKind, Bool) {
            c.model.kind == .bilstm ? (.lstm, true) : (c.model.cell, c.model.bidirectional)
        }
        if differing.isEmpty && effective(run) != effective(config) {
            differing.append("model.kind is \(run.model.kind.rawValue) here, \(config.model.kind.rawValue) in the source")
        }
        guard differing.isEmpty else {
            throw RNNError.input("the model to start from (\(path)) was trained with another tokenizer or encoder; "
                                 + differing.joined(separator: "; ") + ". Set these as the source has them "
                                 + "(its vocabulary and weights only fit its own)", file: run.sourcePath, field: "model.init_from")
        }
    }

    /// Copies the embedding and encoder weights into `model` (bitwise), and the head and `fc`
    /// when the source is a classifier with the same labels and head. Returns what was loaded,
    /// for the log.
    @discardableResult
    public func load(into model: TextClassifier, labels: [String]) throws -> String {
        for p in Self.sharedParameters(of: model) { try copy(p) }
        var loaded = "the embedding and encoder"
        let rest = (model.head?.parameters ?? []) + model.classifier.parameters
        if !isLanguageModel && labels == self.labels
            && rest.allSatisfy({ tensors[$0.name]?.count == $0.value.count }) && sameHead(model.spec) {
            for p in rest { try copy(p) }
            loaded += ", the head and fc (same labels)"
        }
        return loaded
    }

    /// The weights every source gives: the embedding and the encoder (what
    /// `training.pretrained_anchor` pulls towards their loaded values).
    static func sharedParameters(of model: TextClassifier) -> [Parameter] {
        (model.embedding?.parameters ?? []) + (model.encoder?.parameters ?? [])
    }

    private func sameHead(_ spec: ModelSpec) -> Bool {
        let m = config.model
        return m.kind == spec.kind && (m.kind == .textrcnn ? m.rcnnVariant == spec.rcnnVariant : m.pooling == spec.pooling)
    }

    private func copy(_ p: Parameter) throws {
        guard let values = tensors[p.name] else {
            throw RNNError.input("model.init_from: the source has no tensor \(p.name)", file: path)
        }
        guard values.count == p.value.count else {
            throw RNNError.input("model.init_from: tensor \(p.name) has \(values.count) values, the model needs \(p.value.count)",
                                 file: path)
        }
        values.withUnsafeBufferPointer { p.value.data.update(from: $0.baseAddress!, count: values.count) }
    }
}
