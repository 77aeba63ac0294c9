import Foundation

/// How `rnn-predict` writes each answer.
public struct PredictionFormat: Equatable {
    /// How many best classes to write (1 = just the prediction).
    public var topK = 1
    /// JSON lines instead of tab-separated text.
    public var json = false
    /// Every class's probability, in class order.
    public var allProbabilities = false
    /// Raw logits instead of probabilities (`--logits`, LinePredictor+Logits.swift).
    public var logits = false
    public init() {}
}

/// Predicts labels for raw text lines with a trained model: encodes, batches
/// (sorted by length inside the batch, answers in input order) and formats.
///
/// A line's answer does not depend on the other lines of its batch: the model's
/// inference path is padding- and batch-invariant (tested).
public final class LinePredictor {
    public let trained: TrainedModel
    public let format: PredictionFormat

    public init(trained: TrainedModel, format: PredictionFormat) throws {
        guard format.topK >= 1 else { throw RNNError.usage("--top-k must be at least 1, got \(format.topK)") }
        self.trained = trained
        var f = format
        f.topK = min(format.topK, trained.labels.count)
        self.format = f
        // The model only predicts from here on: look the first layer's input projection up.
        trained.model.prepareForInference()
    }

    /// Class probabilities per text (`[texts.count][classes]`), in input order.
    public func probabilities(_ texts: [String]) -> [[Float]] {
        guard !texts.isEmpty else { return [] }
        let dataset = trained.encode(texts)
        let predictions = Evaluation.predict(trained.model, dataset: dataset, batchSize: max(texts.count, 1),
                                             padId: trained.vocabulary.padId, withLoss: false)
        let k = predictions.classCount
        return (0..<texts.count).map { Array(predictions.probabilities[$0 * k..<($0 + 1) * k]) }
    }

    /// One output line (without newline) for one text's probabilities.
    public func formatLine(_ probabilities: [Float]) -> String {
        if format.logits { return logitsLine(probabilities) }  // the stream passes logits then
        let ranked = probabilities.indices.sorted { probabilities[$0] != probabilities[$1] ? probabilities[$0] > probabilities[$1] : $0 < $1 }
        let top = ranked.prefix(format.topK)
        let names = trained.labels
        func p(_ x: Float) -> String { String(format: "%.6f", x) }
        if format.json {
            var s = "{\"label\": \(JSONValue.quoted(names[ranked[0]])), \"prob\": \(p(probabilities[ranked[0]]))"
            if format.topK > 1 {
                s += ", \"top\": [" + top.map { "{\"label\": \(JSONValue.quoted(names[$0])), \"prob\": \(p(probabilities[$0]))}" }
                    .joined(separator: ", ") + "]"
            }
            if format.allProbabilities {
                s += ", \"probs\": {" + names.indices.map { "\(JSONValue.quoted(names[$0])): \(p(probabilities[$0]))" }
                    .joined(separator: ", ") + "}"
            }
            return s + "}"
        }
        var fields = top.flatMap { [names[$0], p(probabilities[$0])] }
        if format.allProbabilities {
            fields += names.indices.map { "\(names[$0])=\(p(probabilities[$0]))" }
        }
        return fields.joined(separator: "\t")
    }
}

/// The Unix filter: reads lines from a descriptor and answers each, in order.
///
/// Lines already read are predicted together (up to `batchSize`), but the
/// filter never waits for more input to fill a batch: when no complete line is
/// buffered it answers what it has and flushes, so it is interactive on a
/// terminal and in `tail -f | rnn-predict`.
public enum PredictionStream {
    /// Returns the number of lines answered. `write` returns false when the
    /// output is closed (e.g. piped into `head`): the stream then ends quietly.
    public static func run(predictor: LinePredictor, input: Int32, batchSize: Int,
                           write: (String) -> Bool, warn: (String) -> Void) throws -> Int {
        let reader = LineReader(fileDescriptor: input, name: "<stdin>")
        var decoder = UTF8LineDecoder(file: "<stdin>", policy: .replace)
        var pending: [String] = []
        var answered = 0
        var warned = false
        func flush() -> Bool {
            defer { pending.removeAll(keepingCapacity: true) }
            guard !pending.isEmpty else { return true }
            let probabilities = predictor.format.logits ? predictor.logits(pending) : predictor.probabilities(pending)
            var text = ""
            for p in probabilities { text += predictor.formatLine(p); text += "\n" }
            answered += pending.count
            return write(text)
        }
        while let line = try reader.nextLine() {
            pending.append(try decoder.decode(line))
            if !warned && decoder.invalidLines > 0 {
                warned = true
                warn("warning: invalid UTF-8 on input line \(line.number) replaced by U+FFFD (warned once)")
            }
            if pending.count >= batchSize || !reader.hasCompleteLine {
                guard flush() else { return answered }
            }
        }
        _ = flush()
        return answered
    }
}
