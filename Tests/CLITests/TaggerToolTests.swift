import Foundation
import XCTest
@testable import RNNKit

/// Taggers through the real tools on the ATIS sample in data/: train, eval (table and JSON),
/// predict (pairs and JSON spans), determinism and resume, and the errors a tagger and a
/// classifier give each other (exit 2).
final class TaggerToolTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static var trainFile: String { repository.appendingPathComponent("data/atis_train.conll").path }
    static var devFile: String { repository.appendingPathComponent("data/atis_dev.conll").path }

    /// A small joint tagger config over the sample (absolute data paths) in `dir`.
    static func writeConfig(in dir: URL, crf: Bool = true, epochs: Int = 2, extraModel: String = "", train: String? = nil,
                            extraTraining: String = "") throws -> URL {
        let json = """
            {"data": {"train": "\(train ?? trainFile)", "dev": "\(devFile)", "format": "conll"},
             "tokenizer": {"lowercase": true},
             "embedding": {"dim": 8},
             "model": {"kind": "tagger", "cell": "lstm", "hidden_size": 8, "layers": 1, "bidirectional": true,
                       "dropout": 0.2, "pooling": "mean", "crf": \(crf)\(extraModel)},
             "training": {"epochs": \(epochs), "batch_size": 32, "lr": 0.01, "seed": 5,
                          "early_stopping": {"metric": "slot_f1"}\(extraTraining)},
             "output": {"dir": "run"}}
            """
        let url = dir.appendingPathComponent("tagger.json")
        try json.write(to: url, atomically: true, encoding: .utf8)
        return url
    }


    func testOneAndTwoThreadsAndResumeGiveIdenticalCheckpoints() throws {
        for extra in ["", #", "char_ngram_buckets": 64, "char_ngram_dim": 4"#] {
            let dir = try temporaryDirectory(self)
            let config = try Self.writeConfig(in: dir, extraModel: extra)
            let last = dir.appendingPathComponent("run/last.ckpt")
            _ = try train(config, threads: 1)
            let one = try Data(contentsOf: last)
            _ = try train(config, threads: 2)
            XCTAssertEqual(one, try Data(contentsOf: last), "checkpoints differ between 1 and 2 threads \(extra)")
            let uninterrupted = try Checkpoint.read(from: last.path).tensors.map(\.values)
            let stopped = try train(config, threads: 2, stopAfterSetup: true)
            XCTAssertEqual(stopped.outcome, .interrupted(signal: "SIGINT"))
            _ = try train(config, threads: 1, resume: dir.appendingPathComponent("run").path)
            XCTAssertEqual(try Checkpoint.read(from: last.path).tensors.map(\.values), uninterrupted, "mid-epoch resume changed the result \(extra)")
        }
    }

    func testTrainEvalPredict() throws {
        let dir = try temporaryDirectory(self)
        let config = try Self.writeConfig(in: dir, epochs: 3)
        let trained = try Tools.run("rnn-train", [config.path, "--threads", "1"])
        XCTAssertEqual(trained.status, 0, trained.stderr)
        let log = try String(contentsOf: dir.appendingPathComponent("run/log.csv"), encoding: .utf8)
        XCTAssertTrue(log.hasPrefix("epoch,train_loss,dev_loss,dev_slot_f1,dev_intent_accuracy,dev_sentence_accuracy,dev_token_accuracy,"), log)
        let checkpoint = dir.appendingPathComponent("run/best.ckpt").path

        // The unseen gold tags and intents, counted from the files themselves.
        let trainSentences = try ConllReader.read(path: Self.trainFile).sentences, dev = try ConllReader.read(path: Self.devFile).sentences
        let trainTags = Set(trainSentences.flatMap(\.tags)), trainIntents = Set(trainSentences.compactMap(\.intent))
        let unseenTags = dev.flatMap(\.tags).filter { !trainTags.contains($0) }.count
        let unseenIntents = dev.filter { !trainIntents.contains($0.intent!) }.count
        XCTAssertGreaterThan(unseenTags, 0)
        let eval = try Tools.run("rnn-eval", [checkpoint, Self.devFile, "--json"])
        XCTAssertEqual(eval.status, 0, eval.stderr)
        let json = try JSONParser.parse(eval.stdout).root
        XCTAssertEqual(json["unseen_gold_tags"], .integer(unseenTags))
        XCTAssertEqual(json["unseen_gold_intents"], .integer(unseenIntents))
        XCTAssertEqual(json["sentences"], .integer(dev.count))
        guard case .number(let f1, _)? = json["slots"]?["f1"], case .number(let tokenAccuracy, _)? = json["token_accuracy"] else {
            return XCTFail(eval.stdout)
        }
        XCTAssertTrue(f1 > 0 && f1 <= 1 && tokenAccuracy < 1 - Double(unseenTags) / Double(dev.flatMap(\.tags).count) + 1e-12, eval.stdout)
        let table = try Tools.run("rnn-eval", [checkpoint, Self.devFile])
        XCTAssertTrue(table.stdout.contains("gold tags the model never saw: \(unseenTags) tokens"), table.stdout)
        XCTAssertTrue(table.stdout.contains("fromloc.city_name"), table.stdout)

        let input = "i want to fly from boston to dallas\n\nshow me flights from denver to pittsburgh on monday\n"
        let pairs = try Tools.run("rnn-predict", [checkpoint], stdin: input)
        XCTAssertEqual(pairs.status, 0, pairs.stderr)
        let lines = pairs.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        XCTAssertEqual(lines.count, 3, pairs.stdout)
        XCTAssertEqual(lines[1], "")
        let fields = lines[0].split(separator: "\t")
        XCTAssertEqual(fields.count, 2, "INTENT<TAB>pairs: \(lines[0])")
        XCTAssertEqual(fields[1].split(separator: " ").map { String($0[..<$0.lastIndex(of: "/")!]) },
                       "i want to fly from boston to dallas".split(separator: " ").map(String.init))
        let jsonLines = try Tools.run("rnn-predict", [checkpoint, "--json"], stdin: input)
        XCTAssertEqual(jsonLines.status, 0, jsonLines.stderr)
        for line in jsonLines.stdout.split(separator: "\n") {
            let object = try JSONParser.parse(String(line)).root
            guard case .array(let tokens)? = object["tokens"], case .array(let tags)? = object["tags"],
                  case .array(let slots)? = object["slots"] else { return XCTFail(String(line)) }
            let tagNames = tags.compactMap { if case .string(let s) = $0 { return s } else { return nil } }
            XCTAssertTrue(TagScheme.iob2.isValid(sequence: tagNames), "CRF decoding wrote invalid IOB2: \(line)")
            XCTAssertEqual(slots.count, TagScheme.chunks(in: tagNames).count)
            for slot in slots {
                guard case .number(let start, _)? = slot["start"], case .number(let end, _)? = slot["end"] else { return XCTFail(String(line)) }
                let text = tokens[Int(start)..<Int(end)].compactMap { if case .string(let s) = $0 { return s } else { return nil } }
                XCTAssertEqual(slot["text"], .string(text.joined(separator: " ")))
            }
            XCTAssertEqual(object["intent"] == nil, tokens.isEmpty, String(line))
        }
    }

    /// A tagger given to classification data or options, a classifier given CoNLL data, and the
    /// configs that mix them: each a clear error, exit 2.
    func testTaggersAndClassifiersRefuseEachOther() throws {
        let dir = try temporaryDirectory(self)
        let classifierConfig = try BadInputMatrixTests.config(in: dir)
        XCTAssertEqual(try Tools.run("rnn-train", [classifierConfig.path, "--threads", "1"]).status, 0)
        let classifier = dir.appendingPathComponent("run-classifier").path
        try FileManager.default.moveItem(atPath: dir.appendingPathComponent("run").path, toPath: classifier)
        let config = try Self.writeConfig(in: dir, epochs: 1)
        XCTAssertEqual(try Tools.run("rnn-train", [config.path, "--threads", "1"]).status, 0)
        let tagger = dir.appendingPathComponent("run/best.ckpt").path
        let classifierCheckpoint = classifier + "/best.ckpt"
        let cases: [(String, [String], String, String)] = [
            ("rnn-eval", [classifierCheckpoint, Self.devFile], "", "scored by a tagger"),
            ("rnn-eval", [classifierCheckpoint, dir.appendingPathComponent("dev.tsv").path, "--format", "conll"], "", "scored by a tagger"),
            ("rnn-eval", [tagger, dir.appendingPathComponent("dev.tsv").path], "", "is it a CoNLL file"),
            ("rnn-eval", [tagger, Self.devFile, "--format", "tsv"], "", "reads CoNLL files"),
            ("rnn-eval", [tagger, Self.devFile, "--skip-unknown-labels"], "", "as errors"),
            ("rnn-predict", [tagger, "--probs"], "a b\n", "--probs applies to text classifiers"),
            ("rnn-predict", [tagger, "--top-k", "2"], "a b\n", "--top-k applies to text classifiers"),
            ("rnn-export", [tagger, dir.appendingPathComponent("export").path], "", "token tagger"),
            ("rnn-train", [classifierConfig.path, "--set", "data.format=conll", "--print-config"], "", "data.format"),
            ("rnn-train", [config.path, "--set", "data.format=tsv", "--print-config"], "", "data.format"),
            ("rnn-train", [classifierConfig.path, "--set", "model.crf=true", "--print-config"], "", "model.crf"),
            ("rnn-train", [config.path, "--set", "training.early_stopping.metric=accuracy", "--overwrite"], "", "slot_f1"),
        ]
        for (tool, arguments, stdin, message) in cases {
            let run = try Tools.run(tool, arguments, stdin: stdin)
            XCTAssertEqual(run.status, 2, "\(tool) \(arguments): \(run.stderr)")
            XCTAssertTrue(run.stderr.contains(message), "\(tool) \(arguments): \(run.stderr)")
            XCTAssertFalse(run.stderr.contains("Fatal error"), run.stderr)
        }
    }

    /// Data errors name file and line: a sentence without `# intent` among labelled ones, a token
    /// line without a tag column.
    func testTrainingDataErrorsAreLocated() throws {
        let dir = try temporaryDirectory(self)
        let bad = dir.appendingPathComponent("bad.conll")
        try "# intent = a\nx\tO\ny\tB-t\n\nz\tO\n\n# intent = b\nw\tO\n".write(to: bad, atomically: true, encoding: .utf8)
        let run = try Tools.run("rnn-train", [try Self.writeConfig(in: dir, train: bad.path).path])
        XCTAssertEqual(run.status, 2, run.stderr)
        XCTAssertTrue(run.stderr.contains("bad.conll:5:"), run.stderr)
        XCTAssertTrue(run.stderr.contains("# intent"), run.stderr)
        try "# intent = a\nx\tO\ny\n".write(to: bad, atomically: true, encoding: .utf8)
        let noTag = try Tools.run("rnn-train", [try Self.writeConfig(in: dir, train: bad.path).path])
        XCTAssertEqual(noTag.status, 2, noTag.stderr)
        XCTAssertTrue(noTag.stderr.contains("bad.conll:3:") && noTag.stderr.contains("no tag column"), noTag.stderr)
    }
}
