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
}

public enum Evaluation {
    /// Runs the model in inference mode over `dataset`, in length-sorted batches
    /// (less padding); results go back to the dataset's order.
    public static func predict(_ model: TextClassifier, dataset: EncodedDataset, batchSize: Int = 256,
                               padId: Int32, withLoss: Bool) -> DatasetPredictions {
        let k = model.spec.classCount
        var probabilities = [Float](repeating: 0, count: dataset.count * k)
        var lossSum = 0.0
        let batcher = Batcher(lengths: dataset.lengths, batchSize: batchSize, lengthBuckets: true, seed: 0)
        let plain = SoftmaxCrossEntropy()
        for indices in batcher.evaluationBatches() {
            let batch = dataset.batch(indices, padId: padId)
            let logits = model.inference(batch)
            let probs: Tensor
            if withLoss {
                let out = plain.forward(logits: logits, labels: batch.labels)
                lossSum += Double(out.loss) * Double(indices.count)
                probs = out.probabilities
            } else {
                probs = Tensor(logits.shape)
                Elementwise.softmaxRows(logits.data, probs.data, rows: indices.count, cols: k)
            }
            for (row, i) in indices.enumerated() {
                for c in 0..<k { probabilities[i * k + c] = probs[row * k + c] }
            }
        }
        return DatasetPredictions(probabilities: probabilities, classCount: k,
                                  loss: withLoss && dataset.count > 0 ? lossSum / Double(dataset.count) : nil)
    }

    /// Confusion matrix of the predictions against the dataset's labels.
    public static func confusion(_ predictions: DatasetPredictions, labels: [Int]) -> ConfusionMatrix {
        var matrix = ConfusionMatrix(classCount: predictions.classCount)
        for (i, actual) in labels.enumerated() {
            matrix.add(predicted: predictions.predictedClass(i), actual: actual)
        }
        return matrix
    }
}
