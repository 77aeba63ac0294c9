/// Correct, predicted and gold counts of one kind of chunk, with their ratios.
///
/// Conventions as in seqeval (`zero_division=0`) and conlleval: precision is 0 when nothing was
/// predicted, recall is 0 when nothing was gold, F1 is 0 when precision + recall is 0.
public struct SpanCounts: Equatable, Sendable {
    public var correct = 0
    public var predicted = 0
    public var gold = 0

    public init(correct: Int = 0, predicted: Int = 0, gold: Int = 0) {
        self.correct = correct
        self.predicted = predicted
        self.gold = gold
    }

    public var precision: Double { predicted == 0 ? 0 : Double(correct) / Double(predicted) }
    public var recall: Double { gold == 0 ? 0 : Double(correct) / Double(gold) }
    public var f1: Double { precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall) }

    static func + (a: SpanCounts, b: SpanCounts) -> SpanCounts {
        SpanCounts(correct: a.correct + b.correct, predicted: a.predicted + b.predicted, gold: a.gold + b.gold)
    }
}

/// Scores of a token tagger: span-level precision, recall and F1 (exact chunk match: same type,
/// same first and last token), micro-averaged overall and per type; token accuracy; and, for
/// joint models, intent accuracy and sentence accuracy (intent and every tag right).
///
/// Chunks are read with `TagScheme.chunks(in:)` (seqeval's default mode, conlleval's reading),
/// sentence by sentence, so no chunk spans two sentences. A gold tag or intent outside the known
/// sets (what the model was trained on) can never be predicted: it counts as an error, as the
/// published ATIS scores count it, and the number of such tokens and sentences is reported.
public struct SpanMetrics: Equatable, Sendable {
    public private(set) var overall = SpanCounts()
    public private(set) var byType: [String: SpanCounts] = [:]
    public private(set) var correctTokens = 0
    public private(set) var totalTokens = 0
    public private(set) var correctSentences = 0
    public private(set) var totalSentences = 0
    public private(set) var correctIntents = 0
    /// Sentences that had a gold intent.
    public private(set) var intentSentences = 0
    /// Gold tokens whose tag is not among `knownTags`.
    public private(set) var unseenGoldTags = 0
    /// Gold intents not among `knownIntents`.
    public private(set) var unseenGoldIntents = 0
    /// Tags and intents the model knows; nil means "do not check".
    public let knownTags: Set<String>?
    public let knownIntents: Set<String>?

    public init(knownTags: Set<String>? = nil, knownIntents: Set<String>? = nil) {
        self.knownTags = knownTags
        self.knownIntents = knownIntents
    }

    /// Adds one sentence. `predicted` must have one tag per gold tag. Pass both intents for a
    /// joint model (a nil predicted intent with a gold one counts as wrong), neither otherwise.
    public mutating func add(gold: [String], predicted: [String], goldIntent: String? = nil, predictedIntent: String? = nil) {
        precondition(gold.count == predicted.count, "\(predicted.count) predicted tags for \(gold.count) gold tags")
        var allTagsRight = true
        for (g, p) in zip(gold, predicted) {
            let unseen = knownTags.map { !$0.contains(g) } ?? false
            if unseen { unseenGoldTags += 1 }
            if g == p && !unseen { correctTokens += 1 } else { allTagsRight = false }
        }
        totalTokens += gold.count
        let goldChunks = TagScheme.chunks(in: gold), predictedChunks = TagScheme.chunks(in: predicted)
        let goldSet = Set(goldChunks)
        for chunk in goldChunks { byType[chunk.type, default: SpanCounts()].gold += 1 }
        for chunk in predictedChunks {
            byType[chunk.type, default: SpanCounts()].predicted += 1
            if goldSet.contains(chunk) { byType[chunk.type, default: SpanCounts()].correct += 1 }
        }
        overall = byType.values.reduce(SpanCounts(), +)
        var intentRight = true
        if let goldIntent {
            intentSentences += 1
            let unseen = knownIntents.map { !$0.contains(goldIntent) } ?? false
            if unseen { unseenGoldIntents += 1 }
            intentRight = !unseen && predictedIntent == goldIntent
            if intentRight { correctIntents += 1 }
        }
        totalSentences += 1
        if allTagsRight && intentRight { correctSentences += 1 }
    }

    /// Adds another shard's counts (same known sets).
    public mutating func merge(_ other: SpanMetrics) {
        for (type, counts) in other.byType { byType[type, default: SpanCounts()] = byType[type, default: SpanCounts()] + counts }
        overall = byType.values.reduce(SpanCounts(), +)
        correctTokens += other.correctTokens
        totalTokens += other.totalTokens
        correctSentences += other.correctSentences
        totalSentences += other.totalSentences
        correctIntents += other.correctIntents
        intentSentences += other.intentSentences
        unseenGoldTags += other.unseenGoldTags
        unseenGoldIntents += other.unseenGoldIntents
    }

    /// Chunk types seen in gold or predictions, sorted (the rows of a report).
    public var types: [String] { byType.keys.sorted() }

    /// Mean F1 over `types` (seqeval's "macro avg"), 0 with no types.
    public var macroF1: Double { types.isEmpty ? 0 : types.reduce(0) { $0 + byType[$1]!.f1 } / Double(types.count) }

    public var tokenAccuracy: Double { totalTokens == 0 ? 0 : Double(correctTokens) / Double(totalTokens) }
    public var sentenceAccuracy: Double { totalSentences == 0 ? 0 : Double(correctSentences) / Double(totalSentences) }
    public var intentAccuracy: Double { intentSentences == 0 ? 0 : Double(correctIntents) / Double(intentSentences) }
}
