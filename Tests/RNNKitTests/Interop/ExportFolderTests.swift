import Foundation
import XCTest
@testable import RNNKit

/// Checkpoint -> export folder -> checkpoint: the model part comes back bitwise, and the model
/// loaded from the folder gives the same logits as the one loaded from the checkpoint.
/// Mutation tried: writing CR unescaped in vocab.txt fails four of these tests.
final class ExportFolderTests: XCTestCase {
    private var folder: String!

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "rnnkit-export-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: folder) }

    private func path(_ name: String) -> String { folder + "/" + name }

    /// Tokens a line-based file cannot hold as they are, and ones that look like escapes.
    static let tokens = ["<pad>", "<unk>", "甲", "乙", "丙", "\n", "\r", "\\", "\\n", " ", "\t", "\u{2028}", "\u{85}", "a b", "天"]
    static let labels = ["<b>&\"x\"", "财经", "c"]

    /// A model of the given `model` section with random weights everywhere (attention included).
    static func trainedModel(_ modelJSON: String, seed: UInt64) throws -> TrainedModel {
        let json = #"{"data": {"train": "/nonexistent/train.tsv"}, "embedding": {"dim": 6}, "model": \#(modelJSON), "output": {"dir": "/nonexistent/run"}}"#
        let config = try RunConfig.parse(json: json, path: "test.json", checkFiles: false)
        let vocabulary = try Vocabulary(tokens: tokens)
        let spec = ModelSpec(config: config, vocabularySize: vocabulary.count, classCount: labels.count, padId: 0)
        var rng = RandomSource(seed: seed)
        let model = TextClassifier(spec: spec, rng: &rng)
        for p in model.parameters { for i in 0..<p.value.count { p.value.data[i] = rng.uniform(-0.8, 0.8) } }
        return TrainedModel(config: config, tokenizer: Tokenizer(config: config.tokenizer), vocabulary: vocabulary,
                            labels: labels, model: model)
    }

    static let models = [
        #"{"kind": "textrnn", "cell": "lstm", "hidden_size": 5, "layers": 2, "bidirectional": true, "pooling": "last"}"#,
        #"{"kind": "textrnn", "cell": "gru", "hidden_size": 4, "layers": 1, "bidirectional": true, "pooling": "max"}"#,
        #"{"kind": "textrnn", "cell": "rnn_tanh", "hidden_size": 3, "layers": 2, "bidirectional": false, "pooling": "mean"}"#,
        #"{"kind": "textrnn", "cell": "rnn_relu", "hidden_size": 4, "layers": 1, "bidirectional": true, "pooling": "attention"}"#,
        #"{"kind": "textrnn", "cell": "jordan", "hidden_size": 4, "layers": 2, "bidirectional": true, "pooling": "last"}"#,
        #"{"kind": "bilstm", "hidden_size": 3, "layers": 1}"#,
        #"{"kind": "textrcnn", "cell": "lstm", "hidden_size": 4, "layers": 1, "rcnn_variant": "paper", "rcnn_proj_size": 7}"#,
        #"{"kind": "textrcnn", "cell": "gru", "hidden_size": 4, "layers": 1, "rcnn_variant": "reference"}"#,
    ]

    static let texts = ["甲乙丙", "", "天\n天 a b", "\\n\r\\", "未知的字", String(repeating: "乙天", count: 30)]

    private func logits(_ trained: TrainedModel) -> [UInt32] {
        let dataset = trained.encode(Self.texts)
        let batch = dataset.batch(Array(0..<Self.texts.count), padId: trained.vocabulary.padId)
        return trained.model.planLogits(batch).array.map(\.bitPattern)
    }

    func testEveryModelKindRoundTripsBitwiseWithIdenticalLogits() throws {
        for (i, modelJSON) in Self.models.enumerated() {
            let trained = try Self.trainedModel(modelJSON, seed: UInt64(10 + i))
            var checkpoint = trained.checkpoint()
            // Resume state a real last.ckpt carries: it must not travel.
            checkpoint.metadata.values[TrainedModel.Key.progress] = "{\"epoch\": 3}"
            checkpoint.metadata.values[TrainedModel.Key.optimizer] = "adam"
            checkpoint.tensors.append((name: "adam.m.fc.bias", shape: [3], values: [1, 2, 3]))
            try checkpoint.write(to: path("m\(i).ckpt"))
            try ExportFolder.write(checkpoint, to: path("m\(i)"), overwrite: false)

            let back = try ExportFolder.read(from: path("m\(i)"))
            let expected = ExportFolder.modelPart(of: checkpoint)
            XCTAssertEqual(back.metadata, expected.metadata, modelJSON)
            XCTAssertNil(back.metadata.values[TrainedModel.Key.progress])
            XCTAssertEqual(back.tensors.map(\.name), trained.model.parameters.map(\.name), "model order restored: \(modelJSON)")
            XCTAssertEqual(back.tensors.map(\.shape), expected.tensors.map(\.shape))
            for (a, b) in zip(back.tensors, expected.tensors) {
                XCTAssertEqual(a.values.map(\.bitPattern), b.values.map(\.bitPattern), "\(a.name) of \(modelJSON)")
            }
            let (fromFolder, _) = try TrainedModel.load(checkpoint: path("m\(i)"))
            let (fromFile, _) = try TrainedModel.load(checkpoint: path("m\(i).ckpt"))
            XCTAssertEqual(fromFolder.config, fromFile.config)
            XCTAssertEqual(fromFolder.vocabulary.tokens, Self.tokens)
            XCTAssertEqual(logits(fromFolder), logits(fromFile), modelJSON)
            XCTAssertEqual(logits(fromFolder), logits(trained), modelJSON)
        }
    }

    func testConfigJSONHasHuggingFaceLabelMapsAndTheRunConfig() throws {
        let trained = try Self.trainedModel(Self.models[6], seed: 1)
        let checkpoint = trained.checkpoint()
        try ExportFolder.write(checkpoint, to: path("e"), overwrite: false)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path("e/config.json")))) as? [String: Any])
        XCTAssertEqual(json["id2label"] as? [String: String], ["0": Self.labels[0], "1": "财经", "2": "c"])
        XCTAssertEqual(json["label2id"] as? [String: Int], [Self.labels[0]: 0, "财经": 1, "c": 2])
        XCTAssertEqual(json["num_labels"] as? Int, 3)
        XCTAssertEqual(json["vocab_size"] as? Int, Self.tokens.count)
        XCTAssertEqual(json["architecture"] as? String, "textrcnn")
        XCTAssertEqual(json["bidirectional"] as? Bool, true, "textrcnn's effective encoder")
        XCTAssertEqual(json["rcnn_proj_size"] as? Int, 7)
        XCTAssertEqual(json["parameters"] as? [String], trained.model.parameters.map(\.name))
        XCTAssertEqual((json["tokenizer"] as? [String: Any])?["kind"] as? String, "char")
        let runConfig = try XCTUnwrap(json["rnn_config"] as? [String: Any])
        XCTAssertEqual((runConfig["model"] as? [String: Any])?["rcnn_variant"] as? String, "paper")
        XCTAssertEqual(ExportFolder.modelPart(of: try ExportFolder.read(from: path("e"))).metadata.values, ExportFolder.modelPart(of: checkpoint).metadata.values)
    }

    func testVocabularyEscapingRoundTripsAndRefusesBadLines() throws {
        let text = VocabularyFile.text(Self.tokens)
        XCTAssertEqual(text.split(separator: "\n", omittingEmptySubsequences: false).count, Self.tokens.count + 1)
        XCTAssertTrue(text.contains("\n\\n\n\\r\n\\\\\n\\\\n\n \n\t\n\\u2028\n\\u0085\n"), text)
        XCTAssertEqual(try VocabularyFile.tokens(from: Array(text.utf8), path: "v"), Self.tokens)
        XCTAssertEqual(try VocabularyFile.tokens(from: Array("a\n\\u4E2D".utf8), path: "v"), ["a", "中"], "no final LF, upper-case hex")
        for (bad, line, fragment) in [("a\n\\x\n", 2, "invalid escape \\x"), ("a\r\nb\n", 1, "raw carriage return"),
                                      ("\\u12\n", 1, "4 hex digits"), ("\\uD800\n", 1, "4 hex digits"),
                                      ("ok\nend\\", 2, "end of line")] {
            XCTAssertThrowsError(try VocabularyFile.tokens(from: Array(bad.utf8), path: "v")) { error in
                let e = error as? RNNError
                XCTAssertEqual(e?.line, line, bad)
                XCTAssertTrue(e?.message.contains(fragment) == true, "\(String(describing: e)) lacks \(fragment)")
            }
        }
        XCTAssertThrowsError(try VocabularyFile.tokens(from: [0x61, 0x0A, 0xFF, 0x0A], path: "v")) { error in
            XCTAssertEqual((error as? RNNError)?.line, 2)
        }
    }

    func testBrokenFoldersNameTheFileAndField() throws {
        let trained = try Self.trainedModel(Self.models[1], seed: 2)
        try ExportFolder.write(trained.checkpoint(), to: path("g"), overwrite: false)
        let config = try String(contentsOfFile: path("g/config.json"), encoding: .utf8)
        func expectError(_ edit: (String) -> String, file: String, field: String?, _ fragment: String, line: UInt = #line) throws {
            try? FileManager.default.removeItem(atPath: path("b"))
            try FileManager.default.copyItem(atPath: path("g"), toPath: path("b"))
            try edit(config).write(toFile: path("b/config.json"), atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try TrainedModel.load(checkpoint: path("b")), line: line) { error in
                guard let e = error as? RNNError else { return XCTFail("\(error)", line: line) }
                XCTAssertEqual(e.kind, .input, line: line)
                XCTAssertEqual(e.file, path("b/\(file)"), line: line)
                XCTAssertEqual(e.field, field, "\(e)", line: line)
                XCTAssertTrue(e.message.contains(fragment), "\(e.message) lacks \(fragment)", line: line)
            }
        }
        try expectError({ $0.replacingOccurrences(of: "\"rnn_config\"", with: "\"rnn_conf\"") }, file: "config.json", field: "rnn_config", "missing the run config")
        try expectError({ $0.replacingOccurrences(of: "\"2\": \"c\"", with: "\"3\": \"c\"") }, file: "config.json", field: "id2label", "not an id")
        try expectError({ $0.replacingOccurrences(of: "\"c\": 2", with: "\"c\": 1") }, file: "config.json", field: "label2id", "does not match")
        try expectError({ $0.replacingOccurrences(of: "\"vocab_size\": 15", with: "\"vocab_size\": 16") }, file: "config.json", field: "vocab_size", "16")
        try expectError({ $0.replacingOccurrences(of: "\"num_labels\": 3", with: "\"num_labels\": 3, \"num_labels\": 3") }, file: "config.json", field: nil, "duplicate key")
        // A model file that does not fit the model (a tensor dropped): named by the loader.
        try? FileManager.default.removeItem(atPath: path("b"))
        try FileManager.default.copyItem(atPath: path("g"), toPath: path("b"))
        let (tensors, _) = try SafeTensors.read(from: path("b/model.safetensors"))
        try Data(try SafeTensors.encode(tensors.filter { $0.name != "fc.bias" }, metadata: ["format": "pt"]))
            .write(to: URL(fileURLWithPath: path("b/model.safetensors")))
        XCTAssertThrowsError(try TrainedModel.load(checkpoint: path("b"))) { error in
            XCTAssertTrue((error as? RNNError)?.message.contains("missing tensors: fc.bias") == true, "\(error)")
        }
        try FileManager.default.removeItem(atPath: path("b/vocab.txt"))
        XCTAssertThrowsError(try TrainedModel.load(checkpoint: path("b"))) { error in
            XCTAssertTrue((error as? RNNError)?.message.contains("vocab.txt is missing") == true, "\(error)")
        }
        // A run folder given where a checkpoint belongs: say which file to pass.
        try FileManager.default.createDirectory(atPath: path("run"), withIntermediateDirectories: false)
        try Data().write(to: URL(fileURLWithPath: path("run/best.ckpt")))
        XCTAssertThrowsError(try TrainedModel.load(checkpoint: path("run"))) { error in
            XCTAssertTrue((error as? RNNError)?.message.contains("pass a checkpoint such as \(path("run/best.ckpt"))") == true, "\(error)")
        }
    }

    func testWriteRefusesANonEmptyFolderAndReplacesItWhole() throws {
        let checkpoint = try Self.trainedModel(Self.models[2], seed: 3).checkpoint()
        try FileManager.default.createDirectory(atPath: path("out"), withIntermediateDirectories: false)
        try ExportFolder.write(checkpoint, to: path("out"), overwrite: false)   // an empty folder is taken
        try "old".write(toFile: path("out/stale.txt"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ExportFolder.write(checkpoint, to: path("out"), overwrite: false)) { error in
            XCTAssertEqual((error as? RNNError)?.kind, .input)
            XCTAssertTrue((error as? RNNError)?.message.contains("--overwrite") == true)
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: path("out/stale.txt")), "refused: nothing touched")
        try ExportFolder.write(checkpoint, to: path("out") + "/", overwrite: true)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: path("out")).sorted(),
                       ["config.json", "model.safetensors", "vocab.txt"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder).sorted(), ["out"], "no temp or old folder left")
        try "x".write(toFile: path("file"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ExportFolder.write(checkpoint, to: path("file"), overwrite: true))
        XCTAssertThrowsError(try ExportFolder.write(checkpoint, to: path("no/such/parent"), overwrite: false))
    }
}
