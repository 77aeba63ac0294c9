import Foundation

/// What `rnn-eval` prints for a tagger: span precision/recall/F1 (exact chunk match, micro over
/// all chunks) overall and per type, token accuracy, intent and sentence accuracy, and how many
/// gold tags and intents the model never saw (each counted as an error), as a table or JSON.
public struct TaggingReport {
    public let metrics: SpanMetrics
    /// Whether intents were scored (a joint model on data with `# intent` lines).
    public let scoresIntents: Bool

    public init(metrics: SpanMetrics, scoresIntents: Bool) {
        self.metrics = metrics
        self.scoresIntents = scoresIntents
    }

    static func f(_ x: Double) -> String { String(format: "%.4f", x) }

    public func table() -> String {
        let m = metrics, o = m.overall
        var out = "sentences \(m.totalSentences), tokens \(m.totalTokens)\n"
        out += "slots (exact span match, micro): precision \(Self.f(o.precision))  recall \(Self.f(o.recall))  f1 \(Self.f(o.f1))"
            + "  (gold \(o.gold), predicted \(o.predicted), correct \(o.correct))\n"
        out += "token accuracy \(Self.f(m.tokenAccuracy))"
        if scoresIntents { out += "  intent accuracy \(Self.f(m.intentAccuracy))" }
        out += "  sentence accuracy \(Self.f(m.sentenceAccuracy))" + (scoresIntents ? " (intent and every tag right)" : " (every tag right)") + "\n"
        out += "gold tags the model never saw: \(m.unseenGoldTags) tokens"
        if scoresIntents { out += "; gold intents the model never saw: \(m.unseenGoldIntents) sentences" }
        out += " (counted as errors)\n\n"
        let types = m.types
        let width = max(4, types.map { DisplayWidth.of($0) }.max() ?? 0)
        func pad(_ s: String) -> String { s + String(repeating: " ", count: max(0, width - DisplayWidth.of(s))) }
        out += pad("type") + "  precision  recall  f1      gold  predicted\n"
        for type in types {
            let c = m.byType[type]!
            out += pad(type) + "  " + Self.f(c.precision) + "     " + Self.f(c.recall) + "  " + Self.f(c.f1)
                + "  " + String(c.gold).leftAligned(4) + "  " + String(c.predicted) + "\n"
        }
        return out
    }

    public func json() -> String {
        let m = metrics
        func counts(_ c: SpanCounts) -> JSONValue {
            .object([.init("precision", .double(c.precision)), .init("recall", .double(c.recall)),
                     .init("f1", .double(c.f1)), .init("correct", .integer(c.correct)),
                     .init("predicted", .integer(c.predicted)), .init("gold", .integer(c.gold))])
        }
        var members: [JSONValue.Member] = [
            .init("sentences", .integer(m.totalSentences)), .init("tokens", .integer(m.totalTokens)),
            .init("slots", counts(m.overall)), .init("macro_f1", .double(m.macroF1)),
            .init("token_accuracy", .double(m.tokenAccuracy)),
        ]
        if scoresIntents { members.append(.init("intent_accuracy", .double(m.intentAccuracy))) }
        members += [.init("sentence_accuracy", .double(m.sentenceAccuracy)),
                    .init("unseen_gold_tags", .integer(m.unseenGoldTags))]
        if scoresIntents { members.append(.init("unseen_gold_intents", .integer(m.unseenGoldIntents))) }
        members.append(.init("per_type", .object(m.types.map { .init($0, counts(m.byType[$0]!)) })))
        return JSONValue.object(members).prettyText
    }
}

extension String {
    fileprivate func leftAligned(_ width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
}
