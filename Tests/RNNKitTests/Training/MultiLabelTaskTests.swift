import Foundation
import XCTest
@testable import RNNKit

/// `MultiLabelTask`: the loss path through the model checked by finite differences, dev scores
/// at tuned thresholds, and the thresholds carried by checkpoints and export folders.
final class MultiLabelTaskTests: TemporaryFolderTestCase {
    private func makeTask(threshold: String = #""tune""#, dropout: Double = 0.3, seed: UInt64 = 5) throws -> MultiLabelTask {
        let lines = ["__label__a __label__b x y z", "__label__b y", "__label__c z z x", "__label__a __label__c x w",
                     "__label__a x", "__label__b __label__c y w z", "__label__c w"]
        try write("train.txt", lines.joined(separator: "\n") + "\n")
        try write("dev.txt", lines.reversed().joined(separator: "\n") + "\n")
        let path = try write("config.json", """
            {"data": {"train": "train.txt", "dev": "dev.txt", "format": "fasttext", "multi_label": true, "threshold": \(threshold)},
             "tokenizer": {"kind": "word"}, "embedding": {"dim": 3},
             "model": {"kind": "textrnn", "cell": "lstm", "hidden_size": 3, "layers": 1, "bidirectional": true,
                       "dropout": \(dropout), "pooling": "max"},
             "training": {"seed": \(seed)}}
            """)
        var rng = RandomSource(seed: seed)
        return try MultiLabelTask(config: try RunConfig.load(path: path), resume: nil, initRandom: &rng, log: { _ in })
    }

    /// d(mean binary cross-entropy over N x K)/d(every parameter) through the model, as the trainer
    /// computes it (`lossAndGradients`), against central differences of the loss in Double, with
    /// dropout (the generator copied so every pass draws the same masks). Max pooling: eps 1e-3
    /// (as TextClassifierGradientTests). Shown to catch, each tried once: the loss gradient divided
    /// by N instead of N x K in SigmoidBinaryCrossEntropy (failed on embedding, LSTM weights and
    /// biases, rel err 0.03 to 0.22), and the task passing the probabilities instead of dLogits to
    /// `backward` (rel err up to 1.03).
    func testLossPathGradientMatchesFiniteDifferences() throws {
        let task = try makeTask()
        let batch = task.trainingBatch([0, 1, 2, 3, 5])
        XCTAssertEqual(batch.targets, [[0, 1], [1], [2], [0, 2], [1, 2]])
        let dropout = RandomSource(seed: 99)
        func loss() -> Double {
            var r = dropout
            let logits = task.model.trainingForward(batch, rng: &r).logits
            let k = logits.shape[1]
            var total = 0.0
            for row in 0..<batch.size {
                for j in 0..<k {
                    let x = Double(logits[row * k + j]), y = batch.targets[row].contains(j) ? 1.0 : 0.0
                    total -= y * Foundation.log(1 / (1 + Foundation.exp(-x))) + (1 - y) * Foundation.log(1 - 1 / (1 + Foundation.exp(-x)))
                }
            }
            return total / Double(batch.size * k)
        }
        task.parameters.zeroGrads()
        var r = dropout
        let value = task.lossAndGradients(batch, rng: &r)
        XCTAssertEqual(Double(value), loss(), accuracy: 1e-5)
        var check = GradientCheck()
        check.eps = 1e-3
        for p in task.parameters {
            check.check(analytic: p.grad.array, values: p.value.data, count: p.value.count, p.name, loss: loss)
        }
    }

    func testTunedThresholdsAreTheBestPerLabelOnDevAndGoIntoTheCheckpoint() throws {
        let task = try makeTask()
        let scores = try XCTUnwrap(task.scoreDev())
        let dev = try XCTUnwrap(task.data.dev)
        let predictions = task.model.makeInferencePlan(tables: false).predictMultiLabel(dev, padId: task.data.vocabulary.padId)
        let tuned = predictions.tunedThresholds(targets: dev.labelSets)
        XCTAssertEqual(task.thresholds, tuned)
        XCTAssertEqual(tuned.count, 3)
        let metrics = predictions.metrics(targets: dev.labelSets, thresholds: tuned)
        XCTAssertEqual(scores.metrics["micro_f1"], metrics.microF1)
        XCTAssertEqual(scores.metrics["hamming_loss"], metrics.hammingLoss)
        XCTAssertEqual(scores.score("accuracy"), metrics.subsetAccuracy)
        // No candidate threshold gives any label a better F1 on dev.
        for label in 0..<3 {
            for candidate in MultiLabelMetrics.defaultCandidates {
                var t = tuned
                t[label] = candidate
                XCTAssertLessThanOrEqual(predictions.metrics(targets: dev.labelSets, thresholds: t).f1(label),
                                         metrics.f1(label), "label \(label) at \(candidate)")
            }
        }
        // Checkpoint and export folder carry them exactly.
        let path = folder + "/model.ckpt"
        try task.checkpoint().write(to: path)
        XCTAssertEqual(try TrainedModel.load(checkpoint: path).0.thresholds, tuned)
        try ExportFolder.write(try Checkpoint.read(from: path), to: folder + "/export", overwrite: false)
        let exported = try TrainedModel.load(checkpoint: folder + "/export").0
        XCTAssertEqual(exported.thresholds, tuned)
        XCTAssertTrue(exported.isMultiLabel)
    }

    func testFixedThresholdIsKeptAndStoredAsOne() throws {
        let task = try makeTask(threshold: "0.3")
        _ = task.scoreDev()
        XCTAssertEqual(task.thresholds, [0.3])
        let path = folder + "/model.ckpt"
        try task.checkpoint().write(to: path)
        XCTAssertEqual(try TrainedModel.load(checkpoint: path).0.thresholds, [0.3])
    }

    func testMissingOrBadStoredThresholdsAreAnInputError() throws {
        let task = try makeTask(threshold: "0.3")
        for bad in [nil, "", "0.5,x", "0.5,0.5", "1.5", "0.2,0.3,0.4,0.5"] {
            var checkpoint = task.checkpoint()
            checkpoint.metadata.values[TrainedModel.Key.thresholds] = bad
            let path = folder + "/bad.ckpt"
            try checkpoint.write(to: path)
            let e = expectError { _ = try TrainedModel.load(checkpoint: path) }
            XCTAssertTrue(e?.message.contains("thresholds") ?? false, "\(bad ?? "nil"): \(e?.message ?? "")")
            XCTAssertEqual(e?.file, path)
        }
    }
}
