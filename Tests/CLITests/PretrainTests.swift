import Foundation
import XCTest
@testable import RNNKit

/// Language-model pretraining (`task: "language_model"`) and fine-tuning from it
/// (`model.init_from`), through the trainer and the tools.
final class PretrainTests: XCTestCase {

    /// Lines walking a 6-word cycle from random starts: the next (and previous) word is fixed by
    /// the current one, so both directions can learn to predict every token exactly.
    static func writeCycleCorpus(to dir: URL, lines: Int = 240) throws {
        let words = ["red", "green", "blue", "cyan", "pink", "gold"]
        var state: UInt64 = 11
        func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
        var text = ""
        for _ in 0..<lines {
            let start = next(6), length = 4 + next(6)
            text += (0..<length).map { words[(start + $0) % 6] }.joined(separator: " ") + "\n"
        }
        try text.write(to: dir.appendingPathComponent("corpus.txt"), atomically: true, encoding: .utf8)
    }

    static func writeLMConfig(in dir: URL, epochs: Int = 2, model: String? = nil, extra: String = "") throws -> URL {
        try writeCycleCorpus(to: dir)
        let modelJSON = model ?? #"{"cell": "lstm", "hidden_size": 12, "layers": 1, "bidirectional": true, "dropout": 0.1}"#
        let json = """
            {"task": "language_model",
             "data": {"train": "corpus.txt", "format": "text", "holdout_every": 10},
             "tokenizer": {"kind": "word"},
             "embedding": {"dim": 12},
             "model": \(modelJSON),
             "training": {"epochs": \(epochs), "batch_size": 16, "lr": 0.02, "seed": 5\(extra)},
             "output": {"dir": "lm"}}
            """
        let url = dir.appendingPathComponent("lm.json")
        try json.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    private func bytes(_ path: URL) throws -> Data { try Data(contentsOf: path) }

    func testDeterministicCorpusPerplexityFallsNearOne() throws {
        let dir = try temporaryDirectory(self)
        let config = try Self.writeLMConfig(in: dir, epochs: 8,
                                            model: #"{"cell": "lstm", "hidden_size": 12, "layers": 1, "bidirectional": true, "dropout": 0}"#)
        let summary = try train(config, overrides: ["training.lr=0.005"])
        XCTAssertEqual(summary.metricName, "perplexity")
        let log = try String(contentsOf: dir.appendingPathComponent("lm/log.csv"), encoding: .utf8)
        let rows = log.split(separator: "\n")
        XCTAssertEqual(rows.first, "epoch,train_loss,dev_loss,dev_perplexity,learning_rate,grad_norm,seconds")
        let perplexities = rows.dropFirst().compactMap { Double($0.split(separator: ",")[3]) }
        XCTAssertEqual(perplexities.count, 8)
        XCTAssertGreaterThan(perplexities.first!, 1.5, log)   // still learning after one epoch
        XCTAssertLessThan(perplexities.last!, 1.1, log)
        XCTAssertEqual(summary.bestMetric!, perplexities.min()!, accuracy: 1e-4)
    }

    func testOneAndTwoThreadsAndResumeWriteIdenticalCheckpoints() throws {
        let dir = try temporaryDirectory(self)
        try assertThreadAndResumeIndependent(try Self.writeLMConfig(in: dir, epochs: 2), runs: dir.appendingPathComponent("lm"))
    }

    /// AWD-LSTM's regularisers in the language model: they change training (the checkpoint differs
    /// from the unregularised one), and their draws are the same for 1 and 2 threads and across a
    /// mid-epoch resume.
    func testRegularisedLanguageModelIsBitwiseAcrossThreadsAndResume() throws {
        let dir = try temporaryDirectory(self)
        let regularised = #"{"cell": "lstm", "hidden_size": 12, "layers": 1, "bidirectional": true, "dropout": 0.1, "#
            + #""embedding_dropout": 0.1, "token_dropout": 0.1, "locked_dropout": 0.2, "weight_drop": 0.3}"#
        let config = try Self.writeLMConfig(in: dir, epochs: 2, model: regularised)
        let plain = ["model.embedding_dropout=0", "model.token_dropout=0", "model.locked_dropout=0", "model.weight_drop=0"]
        _ = try train(config, overrides: plain, threads: 1)
        let unregularised = try bytes(dir.appendingPathComponent("lm/last.ckpt"))
        let regularisedBytes = try assertThreadAndResumeIndependent(config, runs: dir.appendingPathComponent("lm"))
        XCTAssertNotEqual(regularisedBytes, unregularised, "the regularisers changed nothing")
    }

    /// Trains `config` on 1 thread, on 2, and stopped after setup then resumed: last.ckpt must be
    /// the same bytes each time. Returns them.
    @discardableResult
    private func assertThreadAndResumeIndependent(_ config: URL, runs: URL, file: StaticString = #filePath,
                                                  line: UInt = #line) throws -> Data {
        let last = runs.appendingPathComponent("last.ckpt")
        _ = try train(config, threads: 1)
        let one = try bytes(last)
        _ = try train(config, threads: 2)
        XCTAssertEqual(try bytes(last), one, "checkpoints differ between 1 and 2 threads", file: file, line: line)
        let stopped = try train(config, stopAfterSetup: true)
        XCTAssertEqual(stopped.outcome, .interrupted(signal: "SIGINT"), file: file, line: line)
        _ = try train(config, threads: 1, resume: runs.path)
        XCTAssertEqual(try bytes(last), one, "mid-epoch resume changed the checkpoint", file: file, line: line)
        return one
    }

    /// A classifier config over the same words, starting from `initFrom`.
    private func writeFineTuneConfig(in dir: URL, initFrom: String, tokenizer: String = #"{"kind": "word"}"#,
                                     hidden: Int = 12, training: String = "") throws -> URL {
        var text = ""
        let words = ["red", "green", "blue", "cyan", "pink", "gold"]
        for i in 0..<60 { text += "\(words[i % 6]) \(words[(i + 1) % 6]) \(words[(i / 6) % 6])\t\(i % 2 == 0 ? "even" : "odd")\n" }
        try text.write(to: dir.appendingPathComponent("labelled.tsv"), atomically: true, encoding: .utf8)
        let json = """
            {"data": {"train": "labelled.tsv", "dev": "labelled.tsv"},
             "tokenizer": \(tokenizer), "vocab": {"min_freq": 3},
             "embedding": {"dim": 12},
             "model": {"kind": "textrnn", "cell": "lstm", "hidden_size": \(hidden), "layers": 1, "bidirectional": true,
                       "dropout": 0.1, "init_from": "\(initFrom)"},
             "training": {"epochs": 3, "batch_size": 8, "lr": 0.01, "seed": 2\(training)},
             "output": {"dir": "ft"}}
            """
        let url = dir.appendingPathComponent("ft.json")
        try json.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    private func classificationTask(_ config: URL) throws -> ClassificationTask {
        let run = try RunConfig.load(path: config.path)
        var rng = RandomSource(seed: run.training.seed)
        return try ClassificationTask(config: run, resume: nil, initRandom: &rng, log: { _ in })
    }

    private func bits(_ p: Parameter) -> [UInt32] { p.value.array.map(\.bitPattern) }

    func testFineTuningLoadsExactlyThePretrainedTensorsAndVocabulary() throws {
        let dir = try temporaryDirectory(self)
        _ = try train(try Self.writeLMConfig(in: dir, epochs: 1))
        let lmPath = dir.appendingPathComponent("lm/best.ckpt").path
        let lm = try Checkpoint.read(from: lmPath)
        let task = try classificationTask(try writeFineTuneConfig(in: dir, initFrom: lmPath))
        // The pretrained vocabulary, not one built from the labelled file (whose min_freq 3 would differ).
        XCTAssertEqual(task.data.vocabulary.tokens, lm.metadata.vocabulary)
        let stored = Dictionary(uniqueKeysWithValues: lm.tensors.map { ($0.name, $0.values.map(\.bitPattern)) })
        let shared = task.model.embedding!.parameters + task.model.encoder!.parameters
        XCTAssertEqual(shared.count, 1 + 8)
        for p in shared { XCTAssertEqual(bits(p), stored[p.name], p.name) }
        XCTAssertNil(stored["fc.weight"])

        // A classifier's export folder gives everything back, head and fc too (same labels).
        _ = try train(try writeFineTuneConfig(in: dir, initFrom: lmPath))
        let (trained, _) = try TrainedModel.load(checkpoint: dir.appendingPathComponent("ft/best.ckpt").path)
        let folder = dir.appendingPathComponent("export").path
        try ExportFolder.write(ExportFolder.modelPart(of: trained.checkpoint()), to: folder, overwrite: true)
        let again = try classificationTask(try writeFineTuneConfig(in: dir, initFrom: folder))
        XCTAssertEqual(again.data.labels.names, trained.labels)
        for (p, q) in zip(again.model.parameters, trained.model.parameters) { XCTAssertEqual(bits(p), bits(q), p.name) }
    }

    func testMismatchedTokenizerOrEncoderIsRefusedNamingTheFields() throws {
        let dir = try temporaryDirectory(self)
        _ = try train(try Self.writeLMConfig(in: dir, epochs: 1))
        let lmPath = dir.appendingPathComponent("lm/best.ckpt").path
        let config = try writeFineTuneConfig(in: dir, initFrom: lmPath, tokenizer: #"{"kind": "char", "lowercase": true}"#, hidden: 16)
        XCTAssertThrowsError(try classificationTask(config)) { error in
            let message = "\(error)"
            for field in ["tokenizer.kind", "tokenizer.lowercase", "model.hidden_size", "model.init_from"] {
                XCTAssertTrue(message.contains(field), message)
            }
        }
        let tool = try Tools.run("rnn-train", [config.path, "--overwrite"])
        XCTAssertEqual(tool.status, 2, tool.stderr)
        XCTAssertTrue(tool.stderr.contains("ft.json") && tool.stderr.contains("tokenizer.kind"), tool.stderr)
    }

    /// Fine-tuning with discriminative rates, the slanted triangular schedule and gradual
    /// unfreezing, stopped mid-epoch 1 (the first group only trains) and at the end of epoch 1
    /// (the next epoch unfreezes a group whose optimizer state starts then), resumes bitwise.
    /// (Checked: without the trainer's `beginEpoch` before restoring the optimizer state, the
    /// resume fails: "optimizer state adam.m.embedding.weight is missing".)
    func testULMFiTFineTuningResumesBitwise() throws {
        let dir = try temporaryDirectory(self)
        _ = try train(try Self.writeLMConfig(in: dir, epochs: 1))
        let lmPath = dir.appendingPathComponent("lm/best.ckpt").path
        let config = try writeFineTuneConfig(in: dir, initFrom: lmPath, training: #", "discriminative_lr": 2.6, "gradual_unfreezing": true, "schedule": {"kind": "slanted_triangular"}"#)
        let last = dir.appendingPathComponent("ft/last.ckpt")
        _ = try train(config)
        let uninterrupted = try bytes(last)
        _ = try train(config, stopAfterSetup: true)
        _ = try train(config, threads: 1, resume: dir.appendingPathComponent("ft").path)
        XCTAssertEqual(try bytes(last), uninterrupted, "mid-epoch resume changed the checkpoint")
        // At an epoch end (epochs 1, then 3): the slanted schedule's length is the run's planned
        // steps, which changing training.epochs changes, so this part runs at a constant rate.
        let constant = ["training.schedule.kind=constant"]
        _ = try train(config, overrides: constant)
        let whole = try bytes(last)
        _ = try train(config, overrides: constant + ["training.epochs=1"])
        _ = try train(config, overrides: constant + ["training.epochs=3"], resume: dir.appendingPathComponent("ft").path)
        XCTAssertEqual(try bytes(last), whole, "resume after an epoch changed the checkpoint")
    }

    /// `training.pretrained_anchor` (L2-SP): the fine-tuned encoder and embedding end nearer the
    /// language model's weights than without it, checkpoints carry w₀ as the LM's exact bits, and a
    /// run stopped after some steps (weights already moved away from w₀, so a resume that
    /// re-anchored at the resumed weights would differ) resumes bitwise.
    func testPretrainedAnchorKeepsFineTuningNearTheLanguageModelAndResumesBitwise() throws {
        let dir = try temporaryDirectory(self)
        _ = try train(try Self.writeLMConfig(in: dir, epochs: 1))
        let lmPath = dir.appendingPathComponent("lm/best.ckpt").path
        let lm = Dictionary(uniqueKeysWithValues: try Checkpoint.read(from: lmPath).tensors.map { ($0.name, $0.values) })
        let config = try writeFineTuneConfig(in: dir, initFrom: lmPath, training: #", "pretrained_anchor": 5"#)
        let last = dir.appendingPathComponent("ft/last.ckpt")

        func distanceFromLM() throws -> (distance: Double, checkpoint: Checkpoint) {
            let checkpoint = try Checkpoint.read(from: last.path)
            var sum = 0.0, shared = 0
            for t in checkpoint.tensors where t.name.hasPrefix("embedding.") || t.name.hasPrefix("rnn.") || t.name.hasPrefix("lstm.") {
                guard let w0 = lm[t.name] else { continue }
                shared += 1
                for (a, b) in zip(t.values, w0) { sum += Double(a - b) * Double(a - b) }
            }
            XCTAssertEqual(shared, 9, "the embedding and the 8 encoder tensors")
            return (sum.squareRoot(), checkpoint)
        }
        _ = try train(config, overrides: ["training.pretrained_anchor=0"])
        let free = try distanceFromLM()
        XCTAssertFalse(free.checkpoint.tensors.contains { $0.name.hasPrefix("anchor.") })
        _ = try train(config)
        let anchored = try distanceFromLM()
        XCTAssertGreaterThan(free.distance, 0)
        XCTAssertLessThan(anchored.distance, 0.5 * free.distance, "the anchor did not hold the weights near the LM's")
        let anchors = anchored.checkpoint.tensors.filter { $0.name.hasPrefix(PretrainedAnchor.statePrefix) }
        XCTAssertEqual(anchors.count, 9)
        for t in anchors {
            XCTAssertEqual(t.values.map(\.bitPattern), lm[String(t.name.dropFirst(PretrainedAnchor.statePrefix.count))]?.map(\.bitPattern), t.name)
        }
        // Decoupled (adamw) holds them near the LM too, and differently from the coupled pull.
        _ = try train(config, overrides: ["training.optimizer=adamw", "training.pretrained_anchor=50"])
        let decoupled = try distanceFromLM()
        XCTAssertLessThan(decoupled.distance, 0.5 * free.distance, "the decoupled anchor did not hold the weights near the LM's")
        XCTAssertNotEqual(decoupled.distance, anchored.distance)
        _ = try train(config)
        let uninterrupted = try Data(contentsOf: last)
        setenv("RNN_TEST_STOP_AFTER_STEP", "10", 1)
        let stopped = try train(config)
        unsetenv("RNN_TEST_STOP_AFTER_STEP")
        XCTAssertEqual(stopped.outcome, .interrupted(signal: "SIGINT"))
        _ = try train(config, threads: 1, resume: dir.appendingPathComponent("ft").path)
        XCTAssertEqual(try Data(contentsOf: last), uninterrupted, "resume changed the anchored run")
    }

    func testBadInputsGetLocatedErrorsAndExitTwo() throws {
        let dir = try temporaryDirectory(self)
        let config = try Self.writeLMConfig(in: dir)
        func run(_ args: [String]) throws -> ToolRun { try Tools.run("rnn-train", [config.path, "--overwrite"] + args) }
        try "".write(to: dir.appendingPathComponent("empty.txt"), atomically: true, encoding: .utf8)
        try "\n  \n\t\n\n".write(to: dir.appendingPathComponent("blank.txt"), atomically: true, encoding: .utf8)
        for (file, expected) in [("empty.txt", "no texts"), ("blank.txt", "no texts")] {
            let r = try run(["--set", "data.train=\(file)"])
            XCTAssertEqual(r.status, 2, r.stderr)
            XCTAssertTrue(r.stderr.contains(file) && r.stderr.contains(expected), r.stderr)
        }
        let deep = try run(["--set", "model.layers=2"])
        XCTAssertEqual(deep.status, 2)
        XCTAssertTrue(deep.stderr.contains("lm.json") && deep.stderr.contains("model.layers"), deep.stderr)
        let adversarial = try run(["--set", "training.adversarial.epsilon=1"])
        XCTAssertEqual(adversarial.status, 2)
        XCTAssertTrue(adversarial.stderr.contains("training.adversarial.epsilon") && adversarial.stderr.contains("language model"),
                      adversarial.stderr)
        let untied = try run(["--set", "model.hidden_size=20"])
        XCTAssertEqual(untied.status, 2)
        XCTAssertTrue(untied.stderr.contains("model.hidden_size") && untied.stderr.contains("embedding.dim"), untied.stderr)

        // A language model where a classifier is expected, and a non-checkpoint as init_from.
        _ = try train(config)
        let lmPath = dir.appendingPathComponent("lm/best.ckpt").path
        let predict = try Tools.run("rnn-predict", [lmPath], stdin: "red green\n")
        XCTAssertEqual(predict.status, 2)
        XCTAssertTrue(predict.stderr.contains(lmPath) && predict.stderr.contains("language model"), predict.stderr)
        let ft = try writeFineTuneConfig(in: dir, initFrom: dir.appendingPathComponent("corpus.txt").path)
        let notCheckpoint = try Tools.run("rnn-train", [ft.path, "--overwrite"])
        XCTAssertEqual(notCheckpoint.status, 2)
        XCTAssertTrue(notCheckpoint.stderr.contains("corpus.txt"), notCheckpoint.stderr)
        XCTAssertFalse(notCheckpoint.stderr.contains("Fatal error"), notCheckpoint.stderr)
        let anchorless = try Tools.run("rnn-train", [ft.path, "--overwrite", "--set", "model.init_from=null",
                                                     "--set", "training.pretrained_anchor=1"])
        XCTAssertEqual(anchorless.status, 2)
        XCTAssertTrue(anchorless.stderr.contains("ft.json") && anchorless.stderr.contains("training.pretrained_anchor")
                      && anchorless.stderr.contains("model.init_from"), anchorless.stderr)
    }
}
