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
    /// Runs the plan over `dataset` in length-sorted batches (less padding); results go back to
    /// the dataset's order. With labels, also the mean cross-entropy.
    public func predict(_ dataset: EncodedDataset, batchSize: Int = 256, padId: Int32) -> DatasetPredictions {
        let k = classCount
        var probabilities = [Float](repeating: 0, count: dataset.count * k)
        var lossSum = 0.0
        let batcher = Batcher(lengths: dataset.lengths, batchSize: batchSize, lengthBuckets: true, seed: 0)
        let workspace = makeWorkspace(), lossWorkspace = SoftmaxCrossEntropy.Workspace()
        let labelled = !dataset.labels.isEmpty
        for indices in batcher.evaluationBatches() {
            let batch = dataset.batch(indices, padId: padId)
            let logits = self.logits(batch, workspace: workspace)
            let probs: Tensor
            if labelled {
                let loss = SoftmaxCrossEntropy().forward(logits: logits, labels: batch.labels, workspace: lossWorkspace,
                                                         gradient: false)
                lossSum += Double(loss) * Double(indices.count)
                probs = lossWorkspace.probabilities
            } else {
                probs = lossWorkspace.probabilities.resize(logits.shape)
                Elementwise.softmaxRows(logits.data, probs.data, rows: indices.count, cols: k)
            }
            probabilities.withUnsafeMutableBufferPointer { out in
                for (row, i) in indices.enumerated() {
                    (out.baseAddress! + i * k).update(from: probs.data + row * k, count: k)
                }
            }
        }
        return DatasetPredictions(probabilities: probabilities, classCount: k,
                                  loss: labelled && dataset.count > 0 ? lossSum / Double(dataset.count) : nil)
    }
}
