import Foundation
import XCTest
@testable import RNNKit

/// Multi-label models through the real tools (rnn-train, rnn-eval, rnn-predict, rnn-export) on the
/// repository's synthetic sample (data/multilabel_*.txt), the errors for a model of the other kind,
/// and the trainer's determinism with tuned thresholds (1 vs 2 threads, resume).
final class MultiLabelToolTests: XCTestCase {
    nonisolated(unsafe) static var shared: URL?
    static let train = PackageRoot.root.appendingPathComponent("data/multilabel_train.txt").path
    static let dev = PackageRoot.root.appendingPathComponent("data/multilabel_dev.txt").path

    static func writeConfig(in dir: URL, epochs: Int = 3, multiLabel: Bool = true, extraData: String = #", "threshold": "tune""#,
                            metric: String = "micro_f1") throws -> URL {
        let json = """
            {"data": {"train": "\(train)", "dev": "\(dev)", "format": "fasttext", "multi_label": \(multiLabel)\(extraData)},
             "tokenizer": {"kind": "word"}, "embedding": {"dim": 16},
             "model": {"kind": "textrnn", "cell": "gru", "hidden_size": 16, "layers": 1, "bidirectional": true,
                       "dropout": 0.1, "pooling": "max"},
             "training": {"epochs": \(epochs), "batch_size": 32, "lr": 0.005, "seed": 2,
                          "early_stopping": {"metric": "\(metric)"}},
             "output": {"dir": "run"}}
            """
        let url = dir.appendingPathComponent("config.json")
        try json.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    /// A multi-label run trained once per test process; its folder is removed at exit.
    static func trainedRun() throws -> URL {
        if let shared { return shared }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rnn-multilabel-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        atexit { if let folder = MultiLabelToolTests.shared { try? FileManager.default.removeItem(at: folder) } }
        let run = try Tools.run("rnn-train", [try writeConfig(in: dir).path])
        guard run.status == 0 else { throw RNNError.runtime("rnn-train failed: \(run.stderr)") }
        shared = dir.appendingPathComponent("run")
        return shared!
    }

    private func json(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    func testSampleDataIsWhatTheScriptWrites() throws {
        let dir = try temporaryDirectory(self)
        let run = try Tools.shell("python3 \(PackageRoot.root.path)/scripts/make_multilabel_sample.py \"$T\"", directory: dir)
        XCTAssertEqual(run.status, 0, run.stderr)
        for name in ["multilabel_train.txt", "multilabel_dev.txt"] {
            XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent(name)),
                           try Data(contentsOf: PackageRoot.root.appendingPathComponent("data/" + name)), name)
        }
    }

    /// rnn-eval's micro-F1 on dev at the stored (dev-tuned) thresholds is the one the trainer
    /// logged for the best epoch, and the JSON agrees with the table.
    func testEvalReportsTheLoggedDevScoresAtTheStoredThresholds() throws {
        let runDir = try Self.trainedRun()
        let best = runDir.appendingPathComponent("best.ckpt").path
        let (trained, _) = try TrainedModel.load(checkpoint: best)
        XCTAssertEqual(trained.thresholds.count, 6)
        let eval = try Tools.run("rnn-eval", [best, Self.dev, "--json"])
        XCTAssertEqual(eval.status, 0, eval.stderr)
        let report = try json(eval.stdout)
        let micro = try XCTUnwrap((report["micro"] as? [String: Any])?["f1"] as? Double)
        let perLabel = try XCTUnwrap(report["per_label"] as? [[String: Any]])
        XCTAssertEqual(perLabel.map { $0["label"] as? String }, trained.labels)
        XCTAssertEqual(perLabel.map { Float($0["threshold"] as? Double ?? -1) }, trained.thresholds)
        let rows = try String(contentsOf: runDir.appendingPathComponent("log.csv"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let column = try XCTUnwrap(rows[0].firstIndex(of: "dev_micro_f1"))
        for name in ["dev_macro_f1", "dev_subset_accuracy", "dev_hamming_loss"] { XCTAssertTrue(rows[0].contains(name), name) }
        let logged = rows.dropFirst().map { Double($0[column])! }
        XCTAssertEqual(String(format: "%.6g", micro), String(format: "%.6g", logged.max()!))
        let table = try Tools.run("rnn-eval", [best, Self.dev])
        XCTAssertEqual(table.status, 0, table.stderr)
        for part in ["subset accuracy", "hamming loss", "micro avg", "macro avg", "threshold"] {
            XCTAssertTrue(table.stdout.contains(part), part)
        }
        XCTAssertTrue(table.stdout.contains(String(format: "%.4f", micro)), table.stdout)
    }

    func testLowerThresholdNeverLowersRecall() throws {
        let best = try Self.trainedRun().appendingPathComponent("best.ckpt").path
        func recall(_ t: String) throws -> Double {
            let run = try Tools.run("rnn-eval", [best, Self.dev, "--json", "--threshold", t])
            XCTAssertEqual(run.status, 0, run.stderr)
            return try XCTUnwrap((try json(run.stdout)["micro"] as? [String: Any])?["recall"] as? Double)
        }
        let low = try recall("0.05"), high = try recall("0.95")
        XCTAssertGreaterThan(low, high)
        for bad in ["0", "1", "1.5"] {
            assertFails(try Tools.run("rnn-eval", [best, Self.dev, "--threshold", bad]), 2, ["--threshold"])
        }
    }

    /// Every label at or above the threshold, most probable first, as the library computes it.
    func testPredictWritesEveryLabelAboveTheThreshold() throws {
        let best = try Self.trainedRun().appendingPathComponent("best.ckpt").path
        let (trained, _) = try TrainedModel.load(checkpoint: best)
        let texts = try String(contentsOfFile: Self.dev, encoding: .utf8).split(separator: "\n").prefix(40)
            .map { $0.split(separator: " ").filter { !$0.hasPrefix("__label__") }.joined(separator: " ") }
        let probabilities = try LinePredictor(trained: trained, format: PredictionFormat()).probabilities(texts)
        for (threshold, arguments) in [(trained.thresholds, [String]()), ([Float(0.3)], ["--threshold", "0.3"])] {
            let run = try Tools.run("rnn-predict", [best, "--json"] + arguments, stdin: texts.joined(separator: "\n") + "\n")
            XCTAssertEqual(run.status, 0, run.stderr)
            let lines = run.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            XCTAssertEqual(lines.count, texts.count)
            var several = 0
            for (i, line) in lines.enumerated() {
                let labels = try XCTUnwrap(try json(String(line))["labels"] as? [[String: Any]]).map { $0["label"] as! String }
                let p = probabilities[i]
                let expected = p.indices.filter { p[$0] >= threshold[threshold.count == 1 ? 0 : $0] }
                    .sorted { p[$0] != p[$1] ? p[$0] > p[$1] : $0 < $1 }.map { trained.labels[$0] }
                XCTAssertEqual(labels, expected, "line \(i + 1) \(arguments)")
                if labels.count > 1 { several += 1 }
            }
            XCTAssertGreaterThan(several, 0, "no line got several labels")
        }
        // Tab-separated: LABEL<TAB>PROB pairs, the same labels.
        let tsv = try Tools.run("rnn-predict", [best, "--threshold", "0.3"], stdin: texts[0] + "\n")
        let fields = tsv.stdout.dropLast().split(separator: "\t")
        XCTAssertEqual(fields.count % 2, 0)
        XCTAssertEqual(stride(from: 0, to: fields.count, by: 2).map { String(fields[$0]) },
                       probabilities[0].indices.filter { probabilities[0][$0] >= 0.3 }
                           .sorted { probabilities[0][$0] > probabilities[0][$1] }.map { trained.labels[$0] })
    }

    func testExportKeepsThresholdsAndPredictions() throws {
        let runDir = try Self.trainedRun()
        let best = runDir.appendingPathComponent("best.ckpt").path
        let out = try temporaryDirectory(self).appendingPathComponent("export")
        let export = try Tools.run("rnn-export", [best, out.path])
        XCTAssertEqual(export.status, 0, export.stderr)
        let config = try json(try String(contentsOf: out.appendingPathComponent("config.json"), encoding: .utf8))
        XCTAssertEqual(config["problem_type"] as? String, "multi_label_classification")
        XCTAssertEqual((config["rnn_thresholds"] as? [Double])?.map { Float($0) }, try TrainedModel.load(checkpoint: best).0.thresholds)
        let input = try String(contentsOfFile: Self.dev, encoding: .utf8)
        let a = try Tools.run("rnn-predict", [best, "--json", "--probs"], stdin: input)
        let b = try Tools.run("rnn-predict", [out.path, "--json", "--probs"], stdin: input)
        XCTAssertEqual(a.status, 0, a.stderr)
        XCTAssertEqual(a.stdout, b.stdout)
    }

    /// A model of one kind given what only the other kind has: exit 2 with a message saying so.
    func testModelOfTheOtherKindIsAClearError() throws {
        let best = try Self.trainedRun().appendingPathComponent("best.ckpt").path
        assertFails(try Tools.run("rnn-predict", [best, "--top-k", "2"], stdin: "x\n"), 2, ["--top-k", "multi-label"])
        assertFails(try Tools.run("rnn-eval", [best, Self.dev, "--report", "/dev/null"]), 2, ["--report", "multi-label"])
        // One label per line is fine for a multi-label model.
        let dir = try temporaryDirectory(self)
        let single = dir.appendingPathComponent("single.txt")
        try "__label__sports match goal team\n__label__travel flight hotel\n".write(to: single, atomically: true, encoding: .utf8)
        XCTAssertEqual(try Tools.run("rnn-eval", [best, single.path]).status, 0)
        // A single-label model: --threshold, and data with several labels per line, are errors.
        let train = try Tools.run("rnn-train", [try Self.writeConfig(in: dir, epochs: 1, multiLabel: false, extraData: "",
                                                                        metric: "accuracy").path])
        XCTAssertEqual(train.status, 0, train.stderr)
        let classifier = dir.appendingPathComponent("run/best.ckpt").path
        assertFails(try Tools.run("rnn-predict", [classifier, "--threshold", "0.5"], stdin: "x\n"), 2, ["--threshold", "multi-label"])
        assertFails(try Tools.run("rnn-eval", [classifier, Self.dev, "--threshold", "0.5"]), 2, ["--threshold"])
        assertFails(try Tools.run("rnn-eval", [classifier, Self.dev]), 2, ["multilabel_dev.txt:", "labels on one line", "single-label"])
        // A multi-label metric on a single-label config, named with its field.
        let other = try temporaryDirectory(self)
        assertFails(try Tools.run("rnn-train", [try Self.writeConfig(in: other, multiLabel: false, extraData: "").path]), 2,
                    ["training.early_stopping.metric", "micro_f1"])
    }

    // MARK: Determinism


    /// Weights and thresholds of a checkpoint (the run identity differs between runs by design).
    private func model(_ path: String) throws -> ([String: [Float]], String?) {
        let checkpoint = try Checkpoint.read(from: path)
        return (Dictionary(uniqueKeysWithValues: checkpoint.tensors.map { ($0.name, $0.values) }),
                checkpoint.metadata.values[TrainedModel.Key.thresholds])
    }

    func testOneAndTwoThreadsWriteIdenticalCheckpoints() throws {
        let dir = try temporaryDirectory(self)
        let config = try Self.writeConfig(in: dir, epochs: 2)
        let last = dir.appendingPathComponent("run/last.ckpt")
        try train(config, threads: 1)
        let one = try Data(contentsOf: last)
        try train(config, threads: 2)
        XCTAssertEqual(one, try Data(contentsOf: last), "checkpoints differ between 1 and 2 threads")
        XCTAssertNotNil(try model(last.path).1)
    }

    /// Stopped mid-epoch at step 25, after the step-20 evaluation (`eval_every`) tuned the
    /// thresholds: the checkpoint holds them, a resumed session that stops before its own first
    /// evaluation writes them back unchanged (so they were restored, not reset to 0.5), and the run
    /// resumed to its end, or continued after an epoch, ends with one run's weights and thresholds.
    func testInterruptedAndResumedRunEndsBitwiseEqualThresholdsIncluded() throws {
        let dir = try temporaryDirectory(self)
        let config = try Self.writeConfig(in: dir, epochs: 2)
        let runDir = dir.appendingPathComponent("run").path
        let last = runDir + "/last.ckpt"
        try train(config, overrides: ["training.eval_every=20"], threads: 2)
        let uninterrupted = try model(last)
        XCTAssertEqual(uninterrupted.1?.split(separator: ",").count, 6)

        setenv("RNN_TEST_STOP_AFTER_STEP", "25", 1)
        defer { unsetenv("RNN_TEST_STOP_AFTER_STEP") }
        try train(config, overrides: ["training.eval_every=20"], threads: 2)
        unsetenv("RNN_TEST_STOP_AFTER_STEP")
        let stopped = try model(last)
        XCTAssertEqual(try TrainingProgress.saved(in: try Checkpoint.read(from: last), path: last)?.step, 25)
        XCTAssertEqual(stopped.1?.split(separator: ",").count, 6, "the step-20 evaluation tuned no thresholds")
        try train(config, threads: 1, resume: runDir, stopAfterSetup: true)
        XCTAssertEqual(try model(last).1, stopped.1, "resume did not restore the tuned thresholds")
        try train(config, threads: 1, resume: runDir)
        let resumed = try model(last)
        XCTAssertEqual(resumed.0, uninterrupted.0, "mid-epoch resume changed the weights")
        XCTAssertEqual(resumed.1, uninterrupted.1, "mid-epoch resume changed the thresholds")

        try train(config, overrides: ["training.epochs=1", "training.eval_every=20"], threads: 2)
        try train(config, overrides: ["training.epochs=2"], threads: 2, resume: runDir)
        let continued = try model(last)
        XCTAssertEqual(continued.0, uninterrupted.0, "resume after an epoch changed the weights")
        XCTAssertEqual(continued.1, uninterrupted.1, "resume after an epoch changed the thresholds")
    }
}
