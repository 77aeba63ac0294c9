/// Token ↔ id map, built on the training file only.
///
/// Ids: 0 = `<pad>`, 1 = `<unk>`, then tokens by descending count; ties are
/// broken by the token's Unicode scalar values in ascending order (so "A" <
/// "B" < "a" < "中"), which is stable across machines and runs. Tokens seen
/// fewer than `min_freq` times are dropped, and only the first
/// `max_size - 2` tokens are kept. Text tokens spelled `<pad>` or `<unk>`
/// (possible with the word tokenizer) map to those ids.
public struct Vocabulary: Equatable {
    public static let padToken = "<pad>"
    public static let unkToken = "<unk>"

    /// Token per id; stored in checkpoints.
    public let tokens: [String]
    /// Training count per id (0 for pad and unk); nil when rebuilt from a checkpoint.
    public let counts: [Int]?
    /// All token occurrences in the training texts, including dropped tokens; nil when rebuilt.
    public let totalOccurrences: Int?
    private let idByToken: [String: Int32]

    public var padId: Int32 { 0 }
    public var unkId: Int32 { 1 }
    public var count: Int { tokens.count }

    /// Rebuilds a vocabulary from a checkpoint's token list, checking it.
    public init(tokens: [String]) throws {
        try self.init(tokens: tokens, counts: nil, totalOccurrences: nil)
    }

    init(tokens: [String], counts: [Int]?, totalOccurrences: Int?) throws {
        guard tokens.count >= 2, tokens[0] == Vocabulary.padToken, tokens[1] == Vocabulary.unkToken else {
            throw RNNError.input("vocabulary must start with \(Vocabulary.padToken) and \(Vocabulary.unkToken)")
        }
        guard tokens.count <= Int(Int32.max) else { throw RNNError.input("vocabulary too large") }
        var map: [String: Int32] = [:]
        map.reserveCapacity(tokens.count)
        for (i, token) in tokens.enumerated() {
            if map[token] != nil { throw RNNError.input("duplicate vocabulary token \"\(token)\" at id \(i)") }
            map[token] = Int32(i)
        }
        self.tokens = tokens
        self.counts = counts
        self.totalOccurrences = totalOccurrences
        self.idByToken = map
    }

    /// Counts tokens of the given sequences and keeps the most frequent.
    public static func build<S: Sequence>(sequences: S, minFreq: Int, maxSize: Int) -> Vocabulary where S.Element == [String] {
        var counts: [String: Int] = [:]
        var total = 0
        for sequence in sequences {
            total += sequence.count
            for token in sequence { counts[token, default: 0] += 1 }
        }
        return build(counts: counts, totalOccurrences: total, minFreq: minFreq, maxSize: maxSize)
    }

    /// The vocabulary of already counted tokens (`totalOccurrences`: all occurrences, `<pad>`/`<unk>` included).
    static func build(counts: [String: Int], totalOccurrences total: Int, minFreq: Int, maxSize: Int) -> Vocabulary {
        var counts = counts
        counts[padToken] = nil
        counts[unkToken] = nil
        let kept = counts.filter { $0.value >= minFreq }.sorted { a, b in
            if a.value != b.value { return a.value > b.value }
            return a.key.unicodeScalars.lexicographicallyPrecedes(b.key.unicodeScalars) { $0.value < $1.value }
        }.prefix(max(0, maxSize - 2))
        // Cannot fail: the two special tokens were removed from the counts.
        return try! Vocabulary(tokens: [padToken, unkToken] + kept.map(\.key),
                               counts: [0, 0] + kept.map(\.value), totalOccurrences: total)
    }

    /// The vocabulary of the training examples (whole texts, before truncation). The plain
    /// reference that the streamed build (`CorpusEncoder.encodeBuildingVocabulary`) is tested against.
    public static func build(examples: [Example], tokenizer: Tokenizer, config: VocabConfig) -> Vocabulary {
        build(sequences: examples.lazy.map { tokenizer.tokens($0.text, truncate: false) },
              minFreq: config.minFreq, maxSize: config.maxSize)
    }

    public func id(of token: String) -> Int32 { idByToken[token] ?? unkId }

    public func encode(_ tokens: [String]) -> [Int32] { tokens.map { idByToken[$0] ?? unkId } }

    public static func == (a: Vocabulary, b: Vocabulary) -> Bool { a.tokens == b.tokens }
}
