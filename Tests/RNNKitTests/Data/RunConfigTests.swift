import Foundation
import XCTest
@testable import RNNKit

final class JSONParserTests: XCTestCase {
    func testKeepsBooleansIntegersAndKeyOrder() throws {
        let doc = try JSONParser.parse("{\"z\": true, \"a\": 1, \"m\": 1.0, \"e\": 2e3, \"s\": \"x\\u00e9\\ud83d\\ude00\\n\", \"n\": null, \"l\": [1, false]}")
        guard case .object(let members) = doc.root else { return XCTFail("not an object") }
        XCTAssertEqual(members.map(\.key), ["z", "a", "m", "e", "s", "n", "l"])
        XCTAssertEqual(doc.root["z"], .bool(true))
        XCTAssertEqual(doc.root["a"], .number(1, isInteger: true))
        XCTAssertEqual(doc.root["m"], .number(1, isInteger: false))
        XCTAssertEqual(doc.root["e"], .number(2000, isInteger: false))
        XCTAssertEqual(doc.root["s"], .string("xé😀\n"))
        XCTAssertEqual(doc.root["n"], .null)
        XCTAssertEqual(doc.root["l"], .array([.number(1, isInteger: true), .bool(false)]))
    }

    func testSyntaxErrorsCarryLineAndColumn() {
        let cases: [(String, Int, Int)] = [
            ("{\n  \"a\": 1,\n  \"b\": 2,\n}", 4, 1),         // trailing comma: a key is expected at '}'
            ("{\n  \"a\": tru\n}", 2, 8),                     // bad literal
            ("{\"a\": 1 \"b\": 2}", 1, 9),                    // missing comma
            ("{\"a\": 01}", 1, 8),                            // leading zero
            ("{\"a\": 1, \"a\": 2}", 1, 10),                  // duplicate key
            ("{\"a\": \"x\ny\"}", 1, 9),                      // newline in string
            ("[1, 2] x", 1, 8),                               // trailing text
        ]
        for (text, line, column) in cases {
            XCTAssertThrowsError(try JSONParser.parse(text), text) { error in
                guard let e = error as? JSONParser.SyntaxError else { return XCTFail("wrong error \(error)") }
                XCTAssertEqual(e.line, line, "\(text): \(e.message)")
                XCTAssertEqual(e.column, column, "\(text): \(e.message)")
            }
        }
    }

    func testMutatedDocumentsParseAndRoundTripOrThrow() throws {
        let seed = Array("{\"a\": [1, -2.5e3, true, null, \"x\\u00e9\\n\"], \"b\": {\"c\": false}}".utf8)
        let alphabet = Array("{}[]:,\"\\-+.eE0123456789 \ntrufalsn".utf8) + [0xFF, 0xC3, 0x00]
        var rng = RandomSource(seed: 5)
        var parsed = 0
        for _ in 0..<3000 {
            var bytes = seed
            for _ in 0..<(1 + rng.nextIndex(below: 3)) {
                let position = rng.nextIndex(below: bytes.count)
                switch rng.nextIndex(below: 3) {
                case 0: bytes.remove(at: position)
                case 1: bytes.insert(alphabet[rng.nextIndex(below: alphabet.count)], at: position)
                default: bytes[position] = alphabet[rng.nextIndex(below: alphabet.count)]
                }
                if bytes.isEmpty { bytes = [0x20] }
            }
            do {
                let document = try JSONParser.parse(bytes: bytes)
                XCTAssertEqual(try JSONParser.parse(document.root.compactText).root, document.root)
                parsed += 1
            } catch let e as JSONParser.SyntaxError {
                XCTAssertGreaterThanOrEqual(e.line, 1)
                XCTAssertGreaterThanOrEqual(e.column, 1)
            }
        }
        XCTAssertGreaterThan(parsed, 0)
    }

    func testPrettyTextRoundTrips() throws {
        let value = JSONValue.object([
            .init("a", .array([.integer(1), .double(0.001), .double(1e-8)])),
            .init("b", .object([.init("c", .string("q\"\\\t\u{7F}"))])),
            .init("d", .array([])),
        ])
        XCTAssertEqual(try JSONParser.parse(value.prettyText).root, value)
        XCTAssertEqual(try JSONParser.parse(value.compactText).root, value)
    }
}

final class RunConfigTests: TemporaryFolderTestCase {
    private func makeConfig(_ body: String, name: String = "config.json") throws -> String {
        try write("train.tsv", "a\tx\n")
        try write("dev.tsv", "b\tx\n")
        return try write(name, body)
    }

    func testDefaultsAndRelativePaths() throws {
        try write("corpus/train.tsv", "a\tx\n")
        let path = try write("configs/run1.json", "{\"data\": {\"train\": \"../corpus/train.tsv\"}}")
        let config = try RunConfig.load(path: path)
        let root = URL(fileURLWithPath: folder).standardizedFileURL.path
        XCTAssertEqual(config.data.train, root + "/corpus/train.tsv")
        XCTAssertNil(config.data.dev)
        XCTAssertEqual(config.output.dir, root + "/configs/runs/run1")
        XCTAssertEqual(config.tokenizer, TokenizerConfig())
        XCTAssertEqual(config.model.cell, .lstm)
        XCTAssertEqual(config.training.lr, 0.001)
        XCTAssertEqual(config.training.eps, 1e-8)
        XCTAssertEqual(config.training.clipNorm, 5)
        XCTAssertEqual(config.training.seed, 1)
        XCTAssertEqual(config.vocab.maxSize, 10_000)
    }

    func testWrongTypeNamesFileLineAndPath() throws {
        let path = try makeConfig("""
        {
          "data": {"train": "train.tsv"},
          "training": {
            "epochs": 3,
            "lr": "fast"
          }
        }
        """)
        let e = expectError { _ = try RunConfig.load(path: path) }
        XCTAssertEqual(e?.kind, .input)
        XCTAssertEqual(e?.description, "\(path):5: error: training.lr: expected a positive number, got \"fast\"")
        XCTAssertEqual(e?.field, "training.lr")
    }

    func testNotJSONReportsLineAndColumn() throws {
        let path = try makeConfig("{\n  \"data\": {\"train\": \"train.tsv\",}\n}")
        let e = expectError { _ = try RunConfig.load(path: path) }
        XCTAssertEqual(e?.file, path)
        XCTAssertEqual(e?.line, 2)
        XCTAssertTrue(e?.message.contains("column 33") ?? false, e?.message ?? "")
    }

    func testOutOfRangeValues() throws {
        let cases: [(String, String)] = [
            ("\"model\": {\"dropout\": 1.0}", "model.dropout"),
            ("\"model\": {\"hidden_size\": 0}", "model.hidden_size"),
            ("\"tokenizer\": {\"max_length\": 2.5}", "tokenizer.max_length"),
            ("\"training\": {\"label_smoothing\": 1}", "training.label_smoothing"),
            ("\"training\": {\"lr\": -0.1}", "training.lr"),
            ("\"training\": {\"class_weights\": [1, -2]}", "training.class_weights[1]"),
            ("\"training\": {\"schedule\": {\"factor\": 1.5}}", "training.schedule.factor"),
            ("\"training\": {\"optimizer\": \"adma\"}", "training.optimizer"),
            ("\"training\": {\"nesterov\": true}", "training.nesterov"),
            ("\"tokenizer\": {\"lowercase\": 1}", "tokenizer.lowercase"),
            ("\"model\": 3", "model"),
        ]
        for (section, field) in cases {
            let path = try makeConfig("{\"data\": {\"train\": \"train.tsv\"},\n \(section)}")
            let e = expectError { _ = try RunConfig.load(path: path) }
            XCTAssertEqual(e?.field, field, section)
            XCTAssertEqual(e?.line, 2, section)
            XCTAssertEqual(e?.kind, .input)
        }
        let path = try makeConfig("{\"data\": {\"train\": \"train.tsv\"}, \"training\": {\"optimizer\": \"adma\"}}")
        XCTAssertTrue(expectError { _ = try RunConfig.load(path: path) }?.message.contains("did you mean \"adam\"") ?? false)
    }

    func testUnknownKeySuggestsNearName() throws {
        let path = try makeConfig("{\"data\": {\"train\": \"train.tsv\"},\n\"training\": {\n \"learning_rate\": 1, \"batchsize\": 3}}")
        let e = expectError { _ = try RunConfig.load(path: path) }
        XCTAssertEqual(e?.field, "training.learning_rate")
        XCTAssertEqual(e?.line, 3)
        XCTAssertTrue(e?.message.hasPrefix("unknown field") ?? false)
        let path2 = try makeConfig("{\"data\": {\"train\": \"train.tsv\"}, \"training\": {\"batchsize\": 3}}")
        let e2 = expectError { _ = try RunConfig.load(path: path2) }
        XCTAssertEqual(e2?.field, "training.batchsize")
        XCTAssertTrue(e2?.message.contains("did you mean \"batch_size\"?") ?? false, e2?.message ?? "")
        let path3 = try makeConfig("{\"data\": {\"train\": \"train.tsv\"}, \"modle\": {}}")
        XCTAssertTrue(expectError { _ = try RunConfig.load(path: path3) }?.message.contains("did you mean \"model\"?") ?? false)
    }

    func testMissingFilesAndRequiredTrain() throws {
        let path = try makeConfig("{\"data\": {\"train\": \"train.tsv\",\n \"dev\": \"nothere.tsv\"}}")
        let e = expectError { _ = try RunConfig.load(path: path) }
        XCTAssertEqual(e?.field, "data.dev")
        XCTAssertEqual(e?.line, 2)
        XCTAssertTrue(e?.message.contains("file not found: \(URL(fileURLWithPath: folder).standardizedFileURL.path)/nothere.tsv") ?? false,
                      e?.message ?? "")
        let nullTrain = try makeConfig("{\"data\": {\"train\": null}}")
        XCTAssertEqual(expectError { _ = try RunConfig.load(path: nullTrain) }?.field, "data.train")
        let nullDir = try makeConfig("{\"data\": {\"train\": \"train.tsv\"}, \"output\": {\"dir\": null}}")
        XCTAssertEqual(expectError { _ = try RunConfig.load(path: nullDir) }?.field, "output.dir")
        let path2 = try makeConfig("{\"model\": {}}")
        XCTAssertEqual(expectError { _ = try RunConfig.load(path: path2) }?.field, "data.train")
        // Checkpoint rebuild does not look at the files.
        let config = try RunConfig.parse(json: "{\"data\": {\"train\": \"/nowhere/train.tsv\"}}", path: "/ckpt/config.json")
        XCTAssertEqual(config.data.train, "/nowhere/train.tsv")
    }

    func testContradictoryPresetNamesBothFields() throws {
        let path = try makeConfig("{\"data\": {\"train\": \"train.tsv\"}, \"model\": {\"kind\": \"bilstm\",\n \"cell\": \"gru\"}}")
        let e = expectError { _ = try RunConfig.load(path: path) }
        XCTAssertEqual(e?.field, "model.cell")
        XCTAssertEqual(e?.line, 2)
        XCTAssertTrue(e?.message.contains("model.kind") ?? false)
        let path2 = try makeConfig("{\"data\": {\"train\": \"train.tsv\"}, \"model\": {\"kind\": \"bilstm\", \"bidirectional\": false}}")
        XCTAssertEqual(expectError { _ = try RunConfig.load(path: path2) }?.field, "model.bidirectional")
        // The preset with its own values is fine.
        let path3 = try makeConfig("{\"data\": {\"train\": \"train.tsv\"}, \"model\": {\"kind\": \"bilstm\", \"cell\": \"lstm\"}}")
        XCTAssertEqual(try RunConfig.load(path: path3).model.kind, .bilstm)
    }

    func testOverrides() throws {
        let path = try makeConfig("{\"data\": {\"train\": \"train.tsv\"}, \"training\": {\"lr\": 0.5}}")
        let config = try RunConfig.load(path: path, overrides: [
            "training.lr=0.01", "model.cell=gru", "training.class_weights=[1, 2.5]", "data.dev=dev.tsv",
            "training.schedule.kind=cosine", "tokenizer.lowercase=true", "embedding.pretrained=null",
        ])
        XCTAssertEqual(config.training.lr, 0.01)
        XCTAssertEqual(config.model.cell, .gru)
        XCTAssertEqual(config.training.classWeights, .explicit([1, 2.5]))
        XCTAssertEqual(config.data.dev, URL(fileURLWithPath: folder).standardizedFileURL.path + "/dev.tsv")
        XCTAssertEqual(config.training.schedule.kind, .cosine)
        XCTAssertTrue(config.tokenizer.lowercase)

        let unknown = expectError { _ = try RunConfig.load(path: path, overrides: ["training.lrr=1"]) }
        XCTAssertTrue(unknown?.message.contains("did you mean 'training.lr'?") ?? false, unknown?.message ?? "")
        let bad = expectError { _ = try RunConfig.load(path: path, overrides: ["training.epochs=ten"]) }
        XCTAssertEqual(bad?.field, "training.epochs")
        XCTAssertNil(bad?.line)
        XCTAssertTrue(bad?.message.contains("override") ?? false)
        XCTAssertNotNil(expectError { _ = try RunConfig.load(path: path, overrides: ["training.lr"]) })
    }

    func testResolvedJSONRoundTripsAndIsStable() throws {
        let path = try makeConfig("""
        {"output": {"dir": "out"}, "data": {"train": "train.tsv", "dev": "dev.tsv", "format": "tsv"},
         "model": {"kind": "textrcnn", "hidden_size": 7, "dropout": 0.25, "rcnn_variant": "reference"},
         "training": {"lr": 3e-4, "class_weights": "balanced", "seed": 123456789012, "eps": 1e-7,
                      "schedule": {"kind": "step", "gamma": 0.1}}}
        """)
        let config = try RunConfig.load(path: path)
        let text = config.resolvedJSON()
        let rebuilt = try RunConfig.parse(json: text, path: "/elsewhere/checkpoint.json")
        XCTAssertEqual(rebuilt, config)
        XCTAssertEqual(rebuilt.resolvedJSON(), text)
        XCTAssertEqual(rebuilt.training.seed, 123_456_789_012)
        XCTAssertEqual(rebuilt.output.dir, URL(fileURLWithPath: folder).standardizedFileURL.path + "/out")
        // Key order is the documented schema order.
        guard case .object(let members) = try JSONParser.parse(text).root else { return XCTFail() }
        XCTAssertEqual(members.map(\.key), ["task", "data", "tokenizer", "vocab", "embedding", "model", "training", "output"])
    }

    func testDifferencesListsChangedFieldsOfChosenSections() throws {
        let path = try makeConfig("{\"data\": {\"train\": \"train.tsv\"}}")
        let a = try RunConfig.load(path: path)
        let b = try RunConfig.load(path: path, overrides: ["model.hidden_size=64", "training.lr=0.1", "tokenizer.max_length=8"])
        XCTAssertEqual(a.differences(from: b), ["tokenizer.max_length", "model.hidden_size"])
        XCTAssertEqual(a.differences(from: b, sections: ["training"]), ["training.lr"])
        XCTAssertEqual(a.differences(from: a), [])
        XCTAssertNotEqual(a.training, b.training)
        XCTAssertEqual(a.data, b.data)
    }
}
