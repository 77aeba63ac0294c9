import Foundation

/// What a tagger knows by name and how it reads a token: the word vocabulary, the tag and intent
/// names (ids are their indices), lowercasing and the character n-gram hasher. Training, scoring
/// and prediction all encode through it, so a token reads the same everywhere.
public struct TaggerVocabulary: Equatable {
    public let words: Vocabulary
    public let tags: [String]
    /// Empty for a tagger trained without sentence labels.
    public let intents: [String]
    public let lowercase: Bool
    /// nil without character features.
    public let ngrams: NGramHasher?
    private let tagIds: [String: Int32]
    private let intentIds: [String: Int]

    /// fastText's default subword lengths (`-minn 3 -maxn 5`), over `<` + token + `>`.
    public static let characterNgrams = 3...5

    public init(words: Vocabulary, tags: [String], intents: [String], lowercase: Bool, ngramBuckets: Int) {
        self.words = words
        self.tags = tags
        self.intents = intents
        self.lowercase = lowercase
        ngrams = ngramBuckets > 0
            ? NGramHasher(vocabularySize: 0, buckets: ngramBuckets, characterNgrams: Self.characterNgrams) : nil
        tagIds = Dictionary(tags.enumerated().map { ($1, Int32($0)) }, uniquingKeysWith: { a, _ in a })
        intentIds = Dictionary(intents.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
    }

    public var isJoint: Bool { !intents.isEmpty }

    /// The token as the vocabulary and the n-grams see it.
    public func form(_ token: String) -> String { lowercase ? token.lowercased() : token }

    /// The tag's id, -1 for a tag the model does not know.
    public func tagId(_ tag: String) -> Int32 { tagIds[tag] ?? -1 }

    /// The intent's id, -1 for none or one the model does not know.
    public func intentId(_ intent: String?) -> Int { intent.flatMap { intentIds[$0] } ?? -1 }

    /// Appends the hashed character n-gram rows of one token (nothing without n-grams).
    func appendNgrams(of token: String, to rows: inout [Int32]) {
        guard let ngrams else { return }
        var text = form(token)
        text.withUTF8 { ngrams.appendCharacterNgrams($0, Self.characterNgrams, to: &rows) }
    }

    public static func == (a: TaggerVocabulary, b: TaggerVocabulary) -> Bool {
        a.words == b.words && a.tags == b.tags && a.intents == b.intents && a.lowercase == b.lowercase && a.ngrams == b.ngrams
    }
}

/// Tagged sentences encoded for a tagger: word ids, tag ids, intent ids and each token's
/// character n-gram rows, with the sentences themselves (scoring reads the gold names, including
/// those the model does not know, which encode as -1).
public struct TaggedDataset {
    public let sentences: [TaggedSentence]
    public let words: [[Int32]]
    /// -1 for a tag the model does not know.
    public let tags: [[Int32]]
    /// Per sentence; -1 for no intent or one the model does not know. Empty for a model without intents.
    public let intents: [Int]
    /// One bag per token, sentences in order (no bags without character features).
    let ngrams: RaggedRows
    /// The first bag of each sentence.
    let firstToken: [Int]

    public init(sentences: [TaggedSentence], vocabulary v: TaggerVocabulary) {
        self.sentences = sentences
        words = sentences.map { v.words.encode($0.tokens.map(v.form)) }
        tags = sentences.map { $0.tags.map(v.tagId) }
        intents = v.isJoint ? sentences.map { v.intentId($0.intent) } : []
        var bags = RaggedRows(), first: [Int] = []
        if v.ngrams != nil {
            for sentence in sentences {
                first.append(bags.count)
                for token in sentence.tokens { bags.appendBag { v.appendNgrams(of: token, to: &$0) } }
            }
        }
        ngrams = bags
        firstToken = first
    }

    /// Untagged token lists (prediction): every tag -1, no intents.
    public init(tokens: [[String]], vocabulary v: TaggerVocabulary) {
        self.init(sentences: tokens.enumerated().map {
            TaggedSentence(tokens: $1, tags: [String](repeating: "O", count: $1.count), line: $0 + 1)
        }, vocabulary: v)
    }

    public var count: Int { sentences.count }
    public var lengths: [Int] { words.map(\.count) }

    /// A padded, time-major batch of the given sentences: word ids, tag ids (`tokenTags`),
    /// n-gram bags (`tokenNgrams`) and intents as `labels` (when the model has intents).
    public func batch(_ indices: [Int], padId: Int32) -> Batch {
        var batch = Batch(sequences: indices.map { words[$0] }, labels: intents.isEmpty ? [] : indices.map { intents[$0] },
                          padId: padId)
        let t = batch.steps, b = batch.size
        var tagIds = [Int32](repeating: -1, count: t * b)
        for (j, i) in indices.enumerated() {
            for (s, tag) in tags[i].enumerated() { tagIds[s * b + j] = tag }
        }
        batch.tokenTags = tagIds
        if !firstToken.isEmpty {
            var bags = RaggedRows()
            for s in 0..<t {
                for i in indices {
                    bags.appendBag { rows in
                        guard s < words[i].count else { return }
                        let bag = firstToken[i] + s
                        rows.append(contentsOf: ngrams.ids[ngrams.offsets[bag]..<ngrams.offsets[bag + 1]])
                    }
                }
            }
            batch.tokenNgrams = bags
        }
        return batch
    }
}
