import Foundation

/// `rnn-predict` on a tagger: each input line is one sentence, split on runs of whitespace into
/// tokens; the answer names every token's tag and, for a joint model, the sentence's intent.
///
/// - default: `token/TAG token/TAG ...` (the tag follows the token's last slash), preceded by
///   `INTENT<TAB>` for a joint model;
/// - `json`: `{"intent": NAME, "intent_prob": P, "tokens": [...], "tags": [...], "slots": [{"type",
///   "text", "start", "end"}]}` with `intent*` only for a joint model; a slot is a chunk read as
///   conlleval reads one, tokens `start..<end` (0-based, end exclusive), its text the tokens
///   joined by one space.
///
/// A line with no token is answered with an empty line (JSON: no intent, empty lists).
public final class TaggerLinePredictor {
    public let trained: TrainedTagger
    public let json: Bool
    let plan: TaggerPlan
    /// Most sentences in one batch; more in one call run as length-bucketed batches.
    public var batchSize = 128

    public init(trained: TrainedTagger, json: Bool) {
        self.trained = trained
        self.json = json
        plan = trained.model.makeInferencePlan(tags: trained.vocabulary.tags)
    }

    /// One answer line per text, in order.
    public func answers(_ texts: [String]) -> [String] {
        let tokens = texts.map { $0.split(whereSeparator: { $0.isWhitespace }).map(String.init) }
        let real = tokens.indices.filter { !tokens[$0].isEmpty }
        var lines = tokens.map { _ in json ? "{\"tokens\": [], \"tags\": [], \"slots\": []}" : "" }
        guard !real.isEmpty else { return lines }
        let data = TaggedDataset(tokens: real.map { tokens[$0] }, vocabulary: trained.vocabulary)
        let predictions = plan.predict(data, batchSize: batchSize, padId: trained.vocabulary.words.padId)
        let v = trained.vocabulary
        for (row, i) in real.enumerated() {
            let tags = predictions.tags[row].map { v.tags[Int($0)] }
            let intent = v.isJoint ? (v.intents[predictions.intents[row]], predictions.intentProbabilities[row]) : nil
            lines[i] = json ? jsonLine(tokens[i], tags, intent) : textLine(tokens[i], tags, intent?.0)
        }
        return lines
    }

    func textLine(_ tokens: [String], _ tags: [String], _ intent: String?) -> String {
        let pairs = zip(tokens, tags).map { "\($0)/\($1)" }.joined(separator: " ")
        return intent.map { LabelText.forTSV($0) + "\t" + pairs } ?? pairs
    }

    func jsonLine(_ tokens: [String], _ tags: [String], _ intent: (String, Float)?) -> String {
        var s = "{"
        if let (name, p) = intent { s += "\"intent\": \(JSONValue.quoted(name)), \"intent_prob\": \(String(format: "%.6f", p)), " }
        s += "\"tokens\": [" + tokens.map(JSONValue.quoted).joined(separator: ", ") + "], "
        s += "\"tags\": [" + tags.map(JSONValue.quoted).joined(separator: ", ") + "], \"slots\": ["
        s += TagScheme.chunks(in: tags).map { c in
            "{\"type\": \(JSONValue.quoted(c.type)), \"text\": \(JSONValue.quoted(tokens[c.start..<c.end].joined(separator: " "))), "
                + "\"start\": \(c.start), \"end\": \(c.end)}"
        }.joined(separator: ", ")
        return s + "]}"
    }
}
