import Foundation

/// `config.json` of an export folder: what a PyTorch user needs to rebuild the module, the label
/// maps as Hugging Face writes them, the tokenizer, and our whole resolved run config.
///
///     {"model_type": "rnn-text-classifier", "architecture": "textrnn", "cell": "lstm",
///      "encoder_prefix": "lstm", "vocab_size": V, "embedding_dim": E, "hidden_size": H, "num_layers": L,
///      "bidirectional": true, "dropout": 0.2, "pooling": "last", "rcnn_variant": "paper",
///      "rcnn_proj_size": P, "num_labels": C, "id2label": {"0": "finance", ...},
///      "label2id": {"finance": 0, ...}, "pad_token_id": 0, "unk_token_id": 1,
///      "tokenizer": {"kind": "char", "lowercase": false, "max_length": 32, "keep_spaces": true,
///                    "vocab_file": "vocab.txt", "vocab_escapes": "...", "pad_token": "<pad>", "unk_token": "<unk>"},
///      "parameters": ["embedding.weight", ...],   (our parameter order; the safetensors file sorts by name)
///      "rnn_role": "best",                          (when the checkpoint had one)
///      "rnn_config": {...}}                         (the resolved run config: rebuilds the model exactly)
///
/// The architecture fields are the effective ones (`bilstm` forces an LSTM, `textrcnn` a
/// bidirectional encoder; `rcnn_proj_size` 0 is resolved). Reading takes the model from
/// `rnn_config` and the labels from `id2label`, and checks the other fields it can against them.
extension ExportFolder {
    static let vocabEscapes = #"\\ -> \, \n -> LF, \r -> CR, \uXXXX -> U+XXXX; nothing else is escaped"#

    /// `configText` is the checkpoint's stored config (its resolved JSON), `config` the same parsed.
    static func configJSON(configText: String, config: RunConfig, labels: [String], vocabularySize: Int,
                           parameterNames: [String], role: String?, thresholds: String? = nil) -> JSONValue {
        let spec = ModelSpec(config: config, vocabularySize: vocabularySize, classCount: labels.count, padId: 0).effective
        let t = config.tokenizer
        var members: [JSONValue.Member] = [
            .init("model_type", .string(TrainedModel.formatName)),
            .init("architecture", .string(spec.kind.rawValue)),
            .init("cell", .string(spec.cell.rawValue)),
            .init("encoder_prefix", .string(spec.encoderName)),
            .init("vocab_size", .integer(vocabularySize)),
            .init("embedding_dim", .integer(spec.embeddingDim)),
            .init("hidden_size", .integer(spec.hiddenSize)),
            .init("num_layers", .integer(spec.layers)),
            .init("bidirectional", .bool(spec.bidirectional)),
            .init("dropout", .double(config.model.dropout)),
            .init("pooling", .string(spec.pooling.rawValue)),
            .init("rcnn_variant", .string(spec.rcnnVariant.rawValue)),
            .init("rcnn_proj_size", .integer(spec.rcnnProjectionSize)),
            .init("num_labels", .integer(labels.count)),
            .init("id2label", .object(labels.enumerated().map { .init(String($0.offset), .string($0.element)) })),
            .init("label2id", .object(labels.enumerated().map { .init($0.element, .integer($0.offset)) })),
            .init("pad_token_id", .integer(0)),
            .init("unk_token_id", .integer(1)),
            .init("tokenizer", .object([
                .init("kind", .string(t.kind.rawValue)), .init("lowercase", .bool(t.lowercase)),
                .init("max_length", .integer(t.maxLength)), .init("keep_spaces", .bool(t.keepSpaces)),
                .init("vocab_file", .string(vocabularyFile)), .init("vocab_escapes", .string(vocabEscapes)),
                .init("pad_token", .string(Vocabulary.padToken)), .init("unk_token", .string(Vocabulary.unkToken)),
            ])),
            .init("parameters", .array(parameterNames.map { .string($0) })),
        ]
        if let role { members.append(.init("rnn_role", .string(role))) }
        if let thresholds {
            // Hugging Face's name for sigmoid outputs with binary cross-entropy; the decision
            // thresholds as numbers (a Float's value is exact in a JSON double).
            members.append(.init("problem_type", .string("multi_label_classification")))
            members.append(.init("rnn_thresholds", .array(thresholds.split(separator: ",").map { .double(Double(Float($0) ?? 0)) })))
        }
        // The stored text as a JSON object (keys in its order): `prettyText` of it gives the text back.
        let runConfig = (try? JSONParser.parse(configText).root) ?? (try? JSONParser.parse(config.resolvedJSON()).root) ?? .null
        members.append(.init("rnn_config", runConfig))
        return .object(members)
    }

    /// What `read` takes from config.json.
    struct ConfigContents {
        var configText: String
        var labels: [String]
        var role: String?
        var parameterNames: [String]?
        var vocabularySize: Int?
        /// Multi-label thresholds as the checkpoint stores them (`TrainedModel.Key.thresholds`).
        var thresholds: String?
    }

    static func parseConfig(_ bytes: [UInt8], path: String) throws -> ConfigContents {
        let document: JSONDocument
        do { document = try JSONParser.parse(bytes: bytes) } catch let e as JSONParser.SyntaxError {
            throw RNNError.input("invalid JSON at line \(e.line), column \(e.column): \(e.message)", file: path, line: e.line)
        }
        let root = document.root
        func bad(_ field: String, _ message: String) -> RNNError {
            RNNError.input(message, file: path, line: document.lines[field], field: field)
        }
        guard case .object = root else { throw bad("", "expected a JSON object at the top level, got \(root.typeName)") }
        guard let runConfig = root["rnn_config"], case .object = runConfig else {
            throw bad("rnn_config", "missing the run config object (rnn_config): rnn-export writes it; "
                      + "a folder written by another tool must copy it from the folder it started from")
        }
        guard case .object(let pairs)? = root["id2label"], pairs.count >= 2 else {
            throw bad("id2label", "expected an object of at least 2 labels {\"0\": name, \"1\": name, ...}")
        }
        var labels = [String?](repeating: nil, count: pairs.count)
        for pair in pairs {
            guard let i = Int(pair.key), String(i) == pair.key, (0..<pairs.count).contains(i) else {
                throw bad("id2label", "key \"\(pair.key)\" is not an id in 0...\(pairs.count - 1)")
            }
            guard case .string(let name) = pair.value else { throw bad("id2label.\(pair.key)", "expected a label name (string)") }
            labels[i] = name
        }
        let names = labels.map { $0! }  // n distinct keys in 0..<n: every slot is filled
        if let label2id = root["label2id"] {
            // Keys are distinct (the parser refuses repeats), so n correct pairs are the inverse map.
            var matches = false
            if case .object(let members) = label2id, members.count == names.count {
                matches = members.allSatisfy { m in
                    guard case .number(let d, true) = m.value, let i = Int(exactly: d), names.indices.contains(i) else { return false }
                    return names[i] == m.key
                }
            }
            guard matches else { throw bad("label2id", "does not match id2label: expected {name: id} for every label of id2label") }
        }
        if let n = root["num_labels"], n != .integer(names.count) {
            throw bad("num_labels", "is \(n.compactText), but id2label has \(names.count) labels")
        }
        var role: String?
        if let r = root["rnn_role"] {
            guard case .string(let s) = r else { throw bad("rnn_role", "expected a string") }
            role = s
        }
        var parameterNames: [String]?
        if let p = root["parameters"] {
            guard case .array(let items) = p else { throw bad("parameters", "expected an array of tensor names") }
            parameterNames = try items.map {
                guard case .string(let s) = $0 else { throw bad("parameters", "expected an array of tensor names") }
                return s
            }
        }
        var vocabularySize: Int?
        if let v = root["vocab_size"] {
            guard case .number(let d, true) = v, d >= 0, d < 1e15 else { throw bad("vocab_size", "expected a non-negative integer") }
            vocabularySize = Int(d)
        }
        var thresholds: String?
        if let t = root["rnn_thresholds"] {
            guard case .array(let items) = t, !items.isEmpty else { throw bad("rnn_thresholds", "expected an array of numbers in (0, 1)") }
            thresholds = try items.map {
                guard case .number(let d, _) = $0, d > 0, d < 1 else { throw bad("rnn_thresholds", "expected an array of numbers in (0, 1)") }
                return String(Float(d))
            }.joined(separator: ",")
        }
        return ConfigContents(configText: runConfig.prettyText, labels: names, role: role,
                              parameterNames: parameterNames, vocabularySize: vocabularySize, thresholds: thresholds)
    }
}
