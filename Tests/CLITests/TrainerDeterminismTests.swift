import Foundation
import XCTest
@testable import RNNKit

/// Training decides results from the seed alone: not from threads, not from stops.
final class TrainerDeterminismTests: XCTestCase {

    private func weights(_ path: String) throws -> [String: [Float]] {
        let checkpoint = try Checkpoint.read(from: path)
        var out: [String: [Float]] = [:]
        for t in checkpoint.tensors { out[t.name] = t.values }
        return out
    }

    func testOneAndTwoThreadsWriteIdenticalCheckpoints() throws {
        let dir = try temporaryDirectory(self)
        let config = try TrainToolTests.writeConfig(in: dir, epochs: 2,
            model: #"{"kind": "textrnn", "cell": "lstm", "hidden_size": 24, "layers": 2, "bidirectional": true, "dropout": 0.2}"#)
        let last = dir.appendingPathComponent("run/last.ckpt")
        _ = try train(config, threads: 1)
        let one = try Data(contentsOf: last)
        _ = try train(config, threads: 2)
        let two = try Data(contentsOf: last)
        XCTAssertEqual(one, two, "checkpoints differ between 1 and 2 threads")
    }

    /// The trainer evaluates dev on an inference plan (with per-token tables) of the current
    /// weights: its logged dev loss and accuracy must be those of a plain evaluation (a plan
    /// without tables) of the checkpoint it wrote at the same point. (Checked: reusing the plan of
    /// epoch 1 for epoch 2 fails this test.)
    func testLoggedDevMetricsEqualPlainEvaluationOfTheCheckpoint() throws {
        let dir = try temporaryDirectory(self)
        let config = try TrainToolTests.writeConfig(in: dir, epochs: 2)
        _ = try train(config, threads: 2)
        let runDir = dir.appendingPathComponent("run")
        let (trained, _) = try TrainedModel.load(checkpoint: runDir.appendingPathComponent("last.ckpt").path)
        var labels = try LabelSet(names: trained.labels, isFixed: true, acceptsIndices: false)
        var dataConfig = trained.config.data
        dataConfig.train = dir.appendingPathComponent("dev.tsv").path
        let examples = try CorpusReader.read(path: dataConfig.train, config: dataConfig, labels: &labels,
                                             allowNewLabels: false, log: { _ in })
        let dev = EncodedDataset(examples: examples, tokenizer: trained.tokenizer, vocabulary: trained.vocabulary)
        XCTAssertGreaterThan(dev.lengths.reduce(0, +), trained.model.spec.vocabularySize,
                             "the dev set must be large enough for the trainer to build the tables")
        let plan = trained.model.makeInferencePlan(tables: false)
        XCTAssertFalse(plan.hasInputTables)
        let plain = plan.predict(dev, padId: trained.vocabulary.padId)
        let accuracy = plain.confusion(labels: dev.labels).accuracy
        let rows = try String(contentsOf: runDir.appendingPathComponent("log.csv"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = rows[0], last = rows[rows.count - 1]
        let loss = try XCTUnwrap(header.firstIndex(of: "dev_loss")), acc = try XCTUnwrap(header.firstIndex(of: "dev_accuracy"))
        XCTAssertEqual(last[0], "2")
        XCTAssertEqual(last[loss], String(format: "%.6g", plain.loss!))
        XCTAssertEqual(last[acc], String(format: "%.6g", accuracy))
    }

    func testInterruptedAndResumedRunEndsBitwiseEqual() throws {
        let dir = try temporaryDirectory(self)
        let config = try TrainToolTests.writeConfig(in: dir, epochs: 3, extraTraining: #", "schedule": {"kind": "step", "step_size": 1, "gamma": 0.5}"#)
        let runDir = dir.appendingPathComponent("run").path
        let last = runDir + "/last.ckpt"
        _ = try train(config, threads: 2)
        let uninterrupted = try weights(last)

        // Stopped after its first step (mid-epoch), then resumed to the end.
        let stopped = try train(config, threads: 2, stopAfterSetup: true)
        XCTAssertEqual(stopped.outcome, .interrupted(signal: "SIGINT"))
        let (_, checkpoint) = try TrainedModel.load(checkpoint: last)
        XCTAssertEqual(try TrainingProgress.saved(in: checkpoint, path: last)?.step, 1)
        _ = try train(config, threads: 1, resume: runDir)
        XCTAssertEqual(try weights(last), uninterrupted, "mid-epoch resume changed the result")

        // Stopped at an epoch boundary (epochs = 1), then continued to 3.
        _ = try train(config, overrides: ["training.epochs=1"], threads: 2)
        _ = try train(config, overrides: ["training.epochs=3"], threads: 2, resume: runDir)
        XCTAssertEqual(try weights(last), uninterrupted, "resume after an epoch changed the result")
    }

    /// The n-gram bag on (wide and deep with max_mean pooling, bag dropout, lazy Adam on the
    /// table; and fasttext with SGD): 1 and 2 threads write identical checkpoints, the table's
    /// moments are in them, and a run stopped mid-epoch and resumed ends bitwise equal. (Checked:
    /// leaving the sparse moments out of `withTrainingState` fails the resume with "optimizer
    /// state sparse.adam.m.bag.weight is missing"; restoring them without the step count gives
    /// other weights.)
    func testNGramBagRunsAreThreadIndependentAndResumeBitwise() throws {
        let models = [
            #"{"kind": "textrnn", "cell": "gru", "hidden_size": 12, "layers": 1, "dropout": 0.2, "pooling": "max_mean", "wide": true, "ngrams": {"buckets": 5000, "dim": 8, "word_ngrams": 3, "minn": 1, "maxn": 2, "dropout": 0.2}}"#,
            #"{"kind": "fasttext", "ngrams": {"buckets": 3000, "dim": 10, "word_ngrams": 2, "dropout": 0.1}}"#,
            #"{"kind": "textrnn", "cell": "lstm", "hidden_size": 10, "dropout": 0.3, "pooling": "max", "wide": true, "wide_combine": "experts", "ngrams": {"buckets": 4000, "dim": 6, "word_ngrams": 2, "dropout": 0.1}}"#,
        ]
        // The experts run also trains adversarially (a second pass that must leave the bag's gradient alone).
        let extra = ["", #", "optimizer": "sgd""#, #", "bag_lr_scale": 4, "adversarial": {"epsilon": 0.5}"#]
        for (index, model) in models.enumerated() {
            let dir = try temporaryDirectory(self)
            let config = try TrainToolTests.writeConfig(in: dir, epochs: 2, extraTraining: extra[index], model: model)
            let runDir = dir.appendingPathComponent("run").path, last = runDir + "/last.ckpt"
            _ = try train(config, threads: 1)
            let one = try Data(contentsOf: URL(fileURLWithPath: last))
            _ = try train(config, threads: 2)
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: last)), one, "\(model): 1 and 2 threads")
            let uninterrupted = try weights(last)
            XCTAssertNotNil(uninterrupted["bag.weight"])
            XCTAssertEqual(uninterrupted["sparse.adam.m.bag.weight"] != nil, index != 1, "lazy Adam's moments, none for SGD")
            XCTAssertEqual(uninterrupted["bag_fc.weight"] != nil && uninterrupted["adam.m.bag_fc.weight"] != nil, index == 2,
                           "the bag expert's classifier and its moments")
            _ = try train(config, threads: 2, stopAfterSetup: true)
            _ = try train(config, threads: 1, resume: runDir)
            XCTAssertEqual(try weights(last), uninterrupted, "\(model): mid-epoch resume changed the result")
            // The checkpoint predicts: rnn-eval/rnn-predict load it through TrainedModel.
            let (trained, _) = try TrainedModel.load(checkpoint: last)
            XCTAssertEqual(trained.model.bag?.table.weight.array, uninterrupted["bag.weight"])
        }
    }

    func testTinyModelLearnsSyntheticTaskToLowLoss() throws {
        let dir = try temporaryDirectory(self)
        let config = try TrainToolTests.writeConfig(in: dir, epochs: 8,
            model: #"{"kind": "textrnn", "cell": "lstm", "hidden_size": 16, "layers": 1, "bidirectional": true, "dropout": 0.0, "pooling": "max"}"#)
        _ = try train(config, threads: 2)
        let log = try String(contentsOfFile: dir.appendingPathComponent("run/log.csv").path, encoding: .utf8)
        let losses = log.split(separator: "\n").dropFirst().compactMap { Double($0.split(separator: ",")[1]) }
        XCTAssertEqual(losses.count, 8)
        XCTAssertLessThan(losses.last!, 0.1, log)
        XCTAssertLessThan(losses.last!, losses.first! / 5, log)
    }
}
