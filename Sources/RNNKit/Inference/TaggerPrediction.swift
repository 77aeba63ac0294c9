import Foundation

/// A tagger's answers over a dataset, in the dataset's order.
public struct TaggerPredictions {
    /// Per sentence, a tag id per token.
    public var tags: [[Int32]]
    /// Per sentence, the intent id (empty for a model without intents).
    public var intents: [Int]
    /// Per sentence, the intent's softmax probability (empty without intents).
    public var intentProbabilities: [Float]

    /// Span, token, intent and sentence scores against the dataset's gold names; gold tags and
    /// intents outside `vocabulary` count as errors (`SpanMetrics`).
    public func metrics(against data: TaggedDataset, vocabulary v: TaggerVocabulary) -> SpanMetrics {
        var metrics = SpanMetrics(knownTags: Set(v.tags), knownIntents: v.isJoint ? Set(v.intents) : nil)
        for (i, sentence) in data.sentences.enumerated() {
            let predicted = tags[i].map { v.tags[Int($0)] }
            let joint = v.isJoint && sentence.intent != nil
            metrics.add(gold: sentence.tags, predicted: predicted, goldIntent: joint ? sentence.intent : nil,
                        predictedIntent: joint ? v.intents[intents[i]] : nil)
        }
        return metrics
    }
}

extension TaggerPlan {
    /// Tags (and intents) of every sentence, in length-sorted batches.
    public func predict(_ data: TaggedDataset, batchSize: Int = 256, padId: Int32) -> TaggerPredictions {
        var tags = [[Int32]](repeating: [], count: data.count)
        let joint = spec.intentCount > 0
        var intents = [Int](repeating: 0, count: joint ? data.count : 0)
        var probabilities = [Float](repeating: 0, count: joint ? data.count : 0)
        let ws = makeWorkspace()
        var softmax: [Float] = []
        for indices in Batcher(lengths: data.lengths, batchSize: batchSize, lengthBuckets: true, seed: 0).evaluationBatches() {
            let batch = data.batch(indices, padId: padId)
            let (emissions, intentLogits) = run(batch, workspace: ws)
            let paths = decode(emissions, lengths: batch.lengths, workspace: ws)
            let b = batch.size
            for (j, i) in indices.enumerated() {
                tags[i] = (0..<data.words[i].count).map { paths[$0 * b + j] }
            }
            guard let intentLogits else { continue }
            let k = spec.intentCount
            softmax = [Float](repeating: 0, count: b * k)
            softmax.withUnsafeMutableBufferPointer { Elementwise.softmaxRows(intentLogits.data, $0.baseAddress!, rows: b, cols: k) }
            for (j, i) in indices.enumerated() {
                var best = 0
                for c in 1..<k where softmax[j * k + c] > softmax[j * k + best] { best = c }
                intents[i] = best
                probabilities[i] = softmax[j * k + best]
            }
        }
        return TaggerPredictions(tags: tags, intents: intents, intentProbabilities: probabilities)
    }

    /// The training loss (without dropout) averaged over the sentences whose gold tags and intent
    /// the model knows (the others cannot be scored by a likelihood), weighted by batch size;
    /// nil when there is none.
    public func meanLoss(_ data: TaggedDataset, loss: TaggerLoss, batchSize: Int = 256, padId: Int32) -> Double? {
        let scorable = (0..<data.count).filter { i in
            !data.tags[i].contains(-1) && (spec.intentCount == 0 || data.intents[i] >= 0)
        }
        guard !scorable.isEmpty else { return nil }
        let ws = makeWorkspace()
        var sum = 0.0
        let batcher = Batcher(lengths: scorable.map { data.words[$0].count }, batchSize: batchSize, lengthBuckets: true, seed: 0)
        for positions in batcher.evaluationBatches() {
            let batch = data.batch(positions.map { scorable[$0] }, padId: padId)
            let (emissions, intentLogits) = run(batch, workspace: ws)
            let result = loss.evaluate(emissions: emissions, intentLogits: intentLogits, batch: batch, crf: crf, gradient: false)
            sum += Double(result.loss) * Double(batch.size)
        }
        return sum / Double(scorable.count)
    }
}
