/// fastText's input features for one text: the rows of the input matrix its bag averages.
///
/// Rows 0..<V are the vocabulary (the word itself); rows V..<V+buckets are hashed n-grams
/// (`row = V + hash % buckets`), as in fastText's `Dictionary`, whose definitions we follow so that
/// the same text gives the same rows:
///
/// - `hash` is fastText's FNV-1a over the UTF-8 bytes, with its quirk kept: each byte is
///   sign-extended (`uint32_t(int8_t(c))`) before the xor, so bytes >= 0x80 (all of Chinese) hash
///   as fastText hashes them, not as textbook FNV-1a does.
/// - Token n-grams (fastText's `wordNgrams`, n = 2...`tokenNgrams`): over the token hashes h_i,
///   `g = h_i; g = g * 116049371 + h_{i+1}; ...` in UInt64, each h first sign-extended from Int32
///   to 64 bits as fastText's `int32 -> uint64` conversion does; bucket `g % buckets`. With
///   character tokens (Chinese) these are the character n-grams of the text; with word tokens,
///   word n-grams. Every token's hash is in the chain, known to the vocabulary or not.
/// - Character n-grams inside each token (fastText's `minn`...`maxn` subwords): n-grams of whole
///   UTF-8 characters of `<` + token + `>`, skipping the lone `<` and `>` (n = 1 at either end);
///   `</s>` gets none, as in fastText.
///
/// Order per text, as fastText's `getLine`: for each token, its vocabulary row (skipped when the
/// id is negative: fastText adds no word row for an unknown word) then its character n-grams;
/// after all tokens, the token n-grams. Duplicates are kept (the bag is a mean with multiplicity).
///
/// Where we differ from fastText: tokens come from our tokenizer (fastText splits on ASCII
/// whitespace only) and the vocabulary is ours (min count, `<unk>`; the caller decides whether an
/// unknown token gets the `<unk>` row or none); fastText appends `</s>` to every line, which a
/// caller reproduces by appending that token (with its id) itself. fastText's `-minn 0 -maxn 0`
/// default for supervised models is `characterNgrams: nil` here.
///
/// Nothing is allocated per n-gram: hashes are computed over the token's bytes in place, the
/// character n-grams by extending one running hash a character at a time.
public struct NGramHasher: Equatable, Sendable {
    /// Rows before the hashed ones: the vocabulary size V.
    public let vocabularySize: Int
    public let buckets: Int
    /// Largest token n-gram (1 = unigrams only, no hashed token n-grams).
    public let tokenNgrams: Int
    /// Character n-gram lengths inside each token, or nil for none.
    public let characterNgrams: ClosedRange<Int>?

    public init(vocabularySize: Int, buckets: Int, tokenNgrams: Int = 1, characterNgrams: ClosedRange<Int>? = nil) {
        precondition(vocabularySize >= 0 && tokenNgrams >= 1, "n-gram hasher: bad sizes")
        precondition(buckets > 0 || (tokenNgrams == 1 && characterNgrams == nil), "hashed n-grams need buckets > 0")
        precondition(characterNgrams.map { $0.lowerBound >= 1 } ?? true, "character n-grams start at 1")
        self.vocabularySize = vocabularySize
        self.buckets = buckets
        self.tokenNgrams = tokenNgrams
        self.characterNgrams = characterNgrams
    }

    /// Rows of the input matrix: V + buckets.
    public var rowCount: Int { vocabularySize + buckets }

    /// fastText's `Dictionary::hash`: FNV-1a 32-bit with sign-extended bytes.
    @inlinable
    public static func hash<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        var h: UInt32 = 2_166_136_261
        for byte in bytes { h = step(h, byte) }
        return h
    }

    @inlinable @inline(__always)
    static func step(_ h: UInt32, _ byte: UInt8) -> UInt32 {
        (h ^ UInt32(bitPattern: Int32(Int8(bitPattern: byte)))) &* 16_777_619
    }

    /// Appends the rows of one text to `rows`: see the type comment for the order. `ids[i]` is the
    /// vocabulary row of `tokens[i]` (negative: none). `scratch` holds token hashes between calls,
    /// so a warm caller allocates nothing.
    public func appendFeatures(tokens: [String], ids: [Int32], to rows: inout [Int32], scratch: inout [UInt32]) {
        precondition(tokens.count == ids.count, "\(ids.count) ids for \(tokens.count) tokens")
        scratch.removeAll(keepingCapacity: true)
        for (index, token) in tokens.enumerated() {
            if ids[index] >= 0 { rows.append(ids[index]) }
            var text = token   // withUTF8 is mutating: it makes a bridged string contiguous; native ones already are
            let h = text.withUTF8 { bytes -> UInt32 in
                if let range = characterNgrams, token != "</s>" { appendCharacterNgrams(bytes, range, to: &rows) }
                return Self.hash(bytes)
            }
            scratch.append(h)
        }
        appendTokenNgrams(scratch, to: &rows)
    }

    /// The token n-grams (n = 2...`tokenNgrams`) of a text whose token hashes are `hashes`, in
    /// fastText's order (by start, then length). `NGramBag` calls it with hashes per vocabulary id.
    public func appendTokenNgrams(_ hashes: [UInt32], to rows: inout [Int32]) {
        guard tokenNgrams > 1 else { return }
        let count = hashes.count, b = UInt64(buckets), v = Int32(vocabularySize)
        for i in 0..<count {
            var g = Self.widen(hashes[i])
            var j = i + 1
            while j < count && j < i + tokenNgrams {
                g = g &* 116_049_371 &+ Self.widen(hashes[j])
                rows.append(v + Int32(g % b))
                j += 1
            }
        }
    }

    /// fastText stores token hashes as int32 and converts them to uint64: sign extension.
    @inline(__always)
    static func widen(_ h: UInt32) -> UInt64 { UInt64(bitPattern: Int64(Int32(bitPattern: h))) }

    /// fastText's `computeSubwords` over `<` + bytes + `>`: for each character start i, extend one
    /// character at a time up to `range.upperBound` characters, emitting each n in range except a
    /// lone `<` or `>`. Continuation bytes (10xxxxxx) never start or end an n-gram.
    func appendCharacterNgrams(_ word: UnsafeBufferPointer<UInt8>, _ range: ClosedRange<Int>, to rows: inout [Int32]) {
        let n = word.count + 2, b = UInt32(buckets), v = Int32(vocabularySize)
        @inline(__always) func byte(_ i: Int) -> UInt8 { i == 0 ? 0x3C : (i == n - 1 ? 0x3E : word[i - 1]) }
        for i in 0..<n where byte(i) & 0xC0 != 0x80 {
            var h: UInt32 = 2_166_136_261
            var j = i, length = 1
            while j < n && length <= range.upperBound {
                h = Self.step(h, byte(j)); j += 1
                while j < n && byte(j) & 0xC0 == 0x80 { h = Self.step(h, byte(j)); j += 1 }
                if length >= range.lowerBound && !(length == 1 && (i == 0 || j == n)) {
                    rows.append(v + Int32(bitPattern: h % b))
                }
                length += 1
            }
        }
    }
}

/// A batch of ragged id lists (one bag per example): bag i is `ids[offsets[i]..<offsets[i + 1]]`.
public struct RaggedRows: Equatable, Sendable {
    public private(set) var offsets: [Int] = [0]
    public private(set) var ids: [Int32] = []

    public init() {}

    public init(offsets: [Int], ids: [Int32]) {
        precondition(offsets.first == 0 && offsets.last == ids.count && zip(offsets, offsets.dropFirst()).allSatisfy { $0 <= $1 },
                     "offsets must rise from 0 to the id count")
        self.offsets = offsets
        self.ids = ids
    }

    public var count: Int { offsets.count - 1 }

    /// Empties the batch, keeping the storage.
    public mutating func removeAll() {
        offsets.removeAll(keepingCapacity: true)
        offsets.append(0)
        ids.removeAll(keepingCapacity: true)
    }

    /// Appends one bag whose rows `fill` appends to the id list.
    public mutating func appendBag(_ fill: (inout [Int32]) -> Void) {
        fill(&ids)
        offsets.append(ids.count)
    }
}
