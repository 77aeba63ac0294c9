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
    /// Multi-label models: one decision threshold for every label instead of the model's
    /// (`--threshold`; LinePredictor+MultiLabel.swift).
    public var threshold: Float?
    public init() {}
}

/// Predicts labels for raw text lines with a trained model: encodes, batches
/// (up to `batchSize` texts of similar length, answers in input order) and formats.
///
/// A line's answer does not depend on the other lines of its batch: the model's
/// inference path is padding- and batch-invariant (tested).
public final class LinePredictor {
    public let trained: TrainedModel
    public let format: PredictionFormat
    /// The model as it predicts: weights, packs and per-token tables, built once.
    let plan: InferencePlan
    /// Multi-label models: the thresholds a label's probability must reach; empty otherwise.
    let thresholds: [Float]
    /// Most texts in one batch; more texts in one call run as length-bucketed batches.
    public var batchSize = 128

    public init(trained: TrainedModel, format: PredictionFormat) throws {
        guard format.topK >= 1 else { throw RNNError.usage("--top-k must be at least 1, got \(format.topK)") }
        thresholds = try Self.thresholds(trained, format: format)
        self.trained = trained
        var f = format
        f.topK = min(format.topK, trained.labels.count)
        self.format = f
        plan = trained.model.makeInferencePlan()
    }

    /// Class probabilities per text (`[texts.count][classes]`), in input order.
    public func probabilities(_ texts: [String]) -> [[Float]] {
        guard !texts.isEmpty else { return [] }
        let dataset = trained.encode(texts)
        if trained.isMultiLabel {
            let p = plan.predictMultiLabel(dataset, batchSize: batchSize, padId: trained.vocabulary.padId)
            return (0..<texts.count).map { Array(p.probabilities[$0 * p.labelCount..<($0 + 1) * p.labelCount]) }
        }
        let predictions = plan.predict(dataset, batchSize: batchSize, padId: trained.vocabulary.padId)
        let k = predictions.classCount
        return (0..<texts.count).map { Array(predictions.probabilities[$0 * k..<($0 + 1) * k]) }
    }

    /// One output line (without newline) for one text's probabilities.
    public func formatLine(_ probabilities: [Float]) -> String {
        if format.logits { return logitsLine(probabilities) }  // the stream passes logits then
        if trained.isMultiLabel { return multiLabelLine(probabilities) }
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
        // Names are escaped (LabelText.forTSV): a field never holds a tab or line break, and
        // NAME=PROB splits at the one unescaped "=".
        var fields = top.flatMap { [LabelText.forTSV(names[$0]), p(probabilities[$0])] }
        if format.allProbabilities {
            fields += names.indices.map { "\(LabelText.forTSV(names[$0]))=\(p(probabilities[$0]))" }
        }
        return fields.joined(separator: "\t")
    }
}

/// The Unix filter: reads lines from a descriptor and answers each, in order.
///
/// Lines already read are answered together (up to `readAhead` lines or `readAheadBytes`, as
/// length-bucketed batches of `batchSize`: a file's mixed lengths waste less of
/// each step), but the filter never waits for more input to fill them: when no
/// complete line is buffered it answers what it has and flushes, so it is interactive on a
/// terminal and in `tail -f | rnn-predict`. Exactly one answer line per input
/// line, in order: a line longer than `maxLineBytes` is answered from its first
/// `maxLineBytes` bytes (one warning), and any error ends the stream after the
/// lines before it were answered.
public enum PredictionStream {
    public struct Options: Equatable {
        public enum InputFormat: String, CaseIterable {
            /// The whole line is the text.
            case text
            /// `text<TAB>label`, split at the last tab as rnn-train does; the label is ignored,
            /// and a line without a tab is all text.
            case tsv
        }

        /// Most lines predicted together.
        public var batchSize = 128
        /// Most lines read before answering when input is waiting: many batches, so the
        /// answerer can group lines of similar length (32 batches: the THUCNews dev file went
        /// from ~3,100 to ~3,600-4,200 lines/s against 8; 4,096 lines of text are a few hundred KB).
        public var readAhead: Int { batchSize * 32 }
        /// Most bytes of text read ahead, whatever the line count: 4,096 lines of up to
        /// `maxLineBytes` each would otherwise be gigabytes. Short lines never reach it.
        public var readAheadBytes = 4 << 20
        public var inputFormat = InputFormat.text
        /// Lines start with `ID<TAB>`: the ID (up to the first tab) is written back in front
        /// of the answer byte for byte, and a line without a tab is an error.
        public var idColumn = false
        public var maxLineBytes = LineReader.defaultMaxLineBytes

        public init(batchSize: Int = 128) { self.batchSize = batchSize }
    }

    /// Returns the number of lines answered. `write` gets whole answer lines (one batch at
    /// a time); what it throws (e.g. `OutputError` for a closed pipe) ends the stream.
    public static func run(predictor: LinePredictor, input: Int32, options: Options,
                           write: ([UInt8]) throws -> Void, warn: @escaping (String) -> Void) throws -> Int {
        try run(answer: { texts in
            (predictor.format.logits ? predictor.logits(texts) : predictor.probabilities(texts)).map(predictor.formatLine)
        }, input: input, options: options, write: write, warn: warn)
    }

    /// The same filter around any answerer: `answer` gets the texts of a batch and returns one
    /// answer line (without newline) per text, in order (a tagger's, `TaggerLinePredictor`).
    public static func run(answer: ([String]) -> [String], input: Int32, options: Options,
                           write: ([UInt8]) throws -> Void, warn: @escaping (String) -> Void) throws -> Int {
        let reader = LineReader(fileDescriptor: input, name: "<stdin>", maxLineBytes: options.maxLineBytes, longLines: .truncate)
        var warnedLong = false
        reader.onTruncation = { number in
            guard !warnedLong else { return }
            warnedLong = true
            warn("warning: input line \(number) is longer than \(options.maxLineBytes) bytes (--max-line-bytes): "
                 + "answered from its first \(options.maxLineBytes) bytes (warned once)")
        }
        defer { reader.onTruncation = nil }
        var decoder = UTF8LineDecoder(file: "<stdin>", policy: .replace)
        var ids: [ArraySlice<UInt8>?] = []
        var texts: [String] = []
        var answered = 0, bufferedBytes = 0
        var warnedUTF8 = false
        func flush() throws {
            guard !texts.isEmpty else { return }
            var out: [UInt8] = []
            for (i, line) in answer(texts).enumerated() {
                if let id = ids[i] { out += id; out.append(0x09) }
                out += line.utf8
                out.append(0x0A)
            }
            answered += texts.count
            bufferedBytes = 0
            ids.removeAll(keepingCapacity: true)
            texts.removeAll(keepingCapacity: true)
            try write(out)
        }
        while let line = try reader.nextLine() {
            var bytes = line.bytes[...]
            var id: ArraySlice<UInt8>?
            if options.idColumn {
                guard let tab = bytes.firstIndex(of: 0x09) else {
                    try flush()
                    throw RNNError.input("no tab: --id-column expects ID<TAB>text", file: "<stdin>", line: line.number)
                }
                id = bytes[..<tab]
                bytes = bytes[(tab + 1)...]
            }
            // A cut line has lost its end, and with it any label: all of what is left is text.
            if options.inputFormat == .tsv, !line.isTruncated, let tab = bytes.lastIndex(of: 0x09) {
                bytes = bytes[..<tab]
            }
            ids.append(id)
            bufferedBytes += bytes.count
            texts.append(try decoder.decode(LineReader.Line(number: line.number, offset: line.offset, bytes: Array(bytes))))
            if !warnedUTF8 && decoder.invalidLines > 0 {
                warnedUTF8 = true
                warn("warning: invalid UTF-8 on input line \(line.number) replaced by U+FFFD (warned once)")
            }
            if texts.count >= options.readAhead || bufferedBytes >= options.readAheadBytes || !reader.hasCompleteLine { try flush() }
        }
        try flush()
        return answered
    }
}
