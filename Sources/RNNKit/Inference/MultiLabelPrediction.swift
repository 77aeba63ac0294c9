import Foundation

/// Multi-label predictions over a dataset, in the dataset's order: one sigmoid per label.
public struct MultiLabelPredictions {
    /// `[count, labels]` sigmoid probabilities, row i for example i.
    public var probabilities: [Float]
    public var labelCount: Int
    /// Mean binary cross-entropy over every (example, label) (`SigmoidBinaryCrossEntropy`), when
    /// the label sets are known.
    public var loss: Double?

    public var count: Int { labelCount == 0 ? 0 : probabilities.count / labelCount }

    /// The labels of example `i` at `thresholds` (one for all labels, or one per label).
    public func decided(_ i: Int, thresholds: [Float]) -> Set<Int> {
        probabilities.withUnsafeBufferPointer {
            MultiLabelMetrics.decide($0.baseAddress! + i * labelCount, labelCount: labelCount, thresholds: thresholds)
        }
    }

    /// Scores against the gold label sets (the dataset's `labelSets`).
    public func metrics(targets: [[Int]], thresholds: [Float]) -> MultiLabelMetrics {
        var metrics = MultiLabelMetrics(labelCount: labelCount)
        for (i, gold) in targets.enumerated() { metrics.add(predicted: decided(i, thresholds: thresholds), actual: Set(gold)) }
        return metrics
    }

    /// Per-label thresholds with the best F1 on these predictions (`MultiLabelMetrics.tuneThresholds`).
    public func tunedThresholds(targets: [[Int]]) -> [Float] {
        MultiLabelMetrics.tuneThresholds(probabilities: probabilities, targets: targets.map(Set.init), labelCount: labelCount)
    }
}

extension InferencePlan {
    /// Runs the plan over `dataset` in length-sorted batches, as `predict` does, with sigmoid
    /// outputs; with label sets, also the mean binary cross-entropy.
    public func predictMultiLabel(_ dataset: EncodedDataset, batchSize: Int = 256, padId: Int32) -> MultiLabelPredictions {
        let k = classCount
        var lossSum = 0.0
        let probs = Tensor([0]), gradient = Tensor([0])
        let labelled = !dataset.labelSets.isEmpty
        let probabilities = mapBatches(dataset, batchSize: batchSize, padId: padId) { batch, logits in
            if labelled {
                // The loss is a mean over N x K: weighted by the batch's rows it sums to the set's mean.
                let loss = SigmoidBinaryCrossEntropy().forward(logits: logits, targets: batch.targets, probabilities: probs,
                                                               dLogits: gradient)
                lossSum += Double(loss) * Double(batch.size)
            } else {
                probs.resize(logits.shape)
                Elementwise.sigmoid(logits.data, probs.data, count: batch.size * k)
            }
            return probs
        }
        return MultiLabelPredictions(probabilities: probabilities, labelCount: k,
                                     loss: labelled && dataset.count > 0 ? lossSum / Double(dataset.count) : nil)
    }
}
