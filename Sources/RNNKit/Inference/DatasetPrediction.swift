import Foundation

/// Predictions of a model over a dataset, in the dataset's order.
public struct DatasetPredictions {
    /// `[count, classes]` softmax probabilities, row i for example i.
    public var probabilities: [Float]
    public var classCount: Int
    /// Mean cross-entropy against the labels (plain: no weights, no smoothing), when labels are known.
    public var loss: Double?

    public func predictedClass(_ i: Int) -> Int {
        var best = 0
        let row = i * classCount
        for c in 1..<classCount where probabilities[row + c] > probabilities[row + best] { best = c }
        return best
    }

    /// Confusion matrix of the predictions against `labels` (the dataset's).
    public func confusion(labels: [Int]) -> ConfusionMatrix {
        var matrix = ConfusionMatrix(classCount: classCount)
        for (i, actual) in labels.enumerated() { matrix.add(predicted: predictedClass(i), actual: actual) }
        return matrix
    }
}

extension InferencePlan {
    /// The plan over `dataset` in length-sorted batches of at most `batchSize` (less padding):
    /// `perBatch` turns a batch's logits into its `[rows, classes]` outputs, which go back to the
    /// dataset's order (`[count * classes]`). Prediction, multi-label prediction and
    /// `rnn-predict --logits` share it.
    func mapBatches(_ dataset: EncodedDataset, batchSize: Int, padId: Int32,
                    _ perBatch: (_ batch: Batch, _ logits: Tensor) -> Tensor) -> [Float] {
        let k = classCount
        var outputs = [Float](repeating: 0, count: dataset.count * k)
        let workspace = makeWorkspace()
        for indices in Batcher(lengths: dataset.lengths, batchSize: batchSize, lengthBuckets: true, seed: 0).evaluationBatches() {
            let batch = dataset.batch(indices, padId: padId)
            let rows = perBatch(batch, self.logits(batch, workspace: workspace))
            outputs.withUnsafeMutableBufferPointer { out in
                for (row, i) in indices.enumerated() {
                    (out.baseAddress! + i * k).update(from: rows.data + row * k, count: k)
                }
            }
        }
        return outputs
    }

    /// Runs the plan over `dataset` in length-sorted batches (less padding); results go back to
    /// the dataset's order. With labels, also the mean cross-entropy.
    public func predict(_ dataset: EncodedDataset, batchSize: Int = 256, padId: Int32) -> DatasetPredictions {
        let k = classCount
        var lossSum = 0.0
        let lossWorkspace = SoftmaxCrossEntropy.Workspace()
        let labelled = !dataset.labels.isEmpty
        let probabilities = mapBatches(dataset, batchSize: batchSize, padId: padId) { batch, logits in
            if labelled {
                let loss = SoftmaxCrossEntropy().forward(logits: logits, labels: batch.labels, workspace: lossWorkspace,
                                                         gradient: false)
                lossSum += Double(loss) * Double(batch.size)
                return lossWorkspace.probabilities
            }
            let probs = lossWorkspace.probabilities.resize(logits.shape)
            Elementwise.softmaxRows(logits.data, probs.data, rows: batch.size, cols: k)
            return probs
        }
        return DatasetPredictions(probabilities: probabilities, classCount: k,
                                  loss: labelled && dataset.count > 0 ? lossSum / Double(dataset.count) : nil)
    }
}
