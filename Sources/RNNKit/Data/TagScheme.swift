/// Token-tag schemes (IOB1, IOB2, BIOES) and chunk extraction as seqeval and conlleval read tags.
///
/// A tag is `O` or `P-TYPE` with prefix P: IOB2 uses B (first token of a chunk) and I (inside);
/// IOB1 (CoNLL-2003's original files) uses I for every chunk token and B only for a chunk that
/// directly follows one of the same type; BIOES adds E (last token) and S (single-token chunk).
/// The type may itself hold dashes and dots (`B-fromloc.city_name`): it is everything after the
/// first dash.
public enum TagScheme: String, CaseIterable, Sendable {
    case iob1, iob2, bioes

    /// The prefixes a scheme uses besides `O`.
    public var prefixes: Set<Character> {
        switch self {
        case .iob1, .iob2: return ["B", "I"]
        case .bioes: return ["B", "I", "E", "S"]
        }
    }

    /// BIOES when any tag starts with `E-` or `S-`, else IOB2 (IOB1 cannot be told from IOB2 by
    /// the tag names alone; ask for it explicitly).
    public static func detect(tags: [String]) -> TagScheme {
        tags.contains { $0.hasPrefix("E-") || $0.hasPrefix("S-") } ? .bioes : .iob2
    }

    /// Prefix letter and type, as seqeval reads them: the first character, then what follows the
    /// first dash of the rest (the whole rest when it has no dash); an empty type reads as `_`.
    /// So `O` is ("O", "_"), `B-LOC` is ("B", "LOC"), `B-a-b` is ("B", "a-b").
    public static func split(_ tag: String) -> (prefix: Character, type: Substring) {
        guard let first = tag.first else { return ("O", "_") }
        let rest = tag.dropFirst()
        let type = rest.firstIndex(of: "-").map { rest[rest.index(after: $0)...] } ?? rest
        return (first, type.isEmpty ? "_" : type)
    }

    /// True when `tag` is `O` or `P-TYPE` with a prefix of this scheme and a non-empty type.
    public func isValid(tag: String) -> Bool {
        if tag == "O" { return true }
        guard let first = tag.first, prefixes.contains(first) else { return false }
        let rest = tag.dropFirst()
        return rest.first == "-" && rest.count > 1
    }

    /// Whether a sequence may start with `tag` (an IOB2 or BIOES chunk must open with B or S).
    public func allowsStart(_ tag: String) -> Bool { allowsTransition(from: "O", to: tag) }

    /// Whether a sequence may end with `tag` (a BIOES chunk must close with E or S).
    public func allowsEnd(_ tag: String) -> Bool { allowsTransition(from: tag, to: "O") }

    /// Whether `to` may follow `from`: e.g. IOB2 forbids `I-X` after `O` or after `B-Y`/`I-Y`.
    /// Tags that are not valid in the scheme are never allowed.
    public func allowsTransition(from: String, to: String) -> Bool {
        guard isValid(tag: from) && isValid(tag: to) else { return false }
        let (p, pType) = Self.split(from), (c, cType) = Self.split(to)
        let inside = p != "O" && pType == cType   // `to` continues the chunk `from` is in
        switch self {
        case .iob1:
            return c == "B" ? inside : true
        case .iob2:
            return c == "I" ? inside : true
        case .bioes:
            let open = p == "B" || p == "I"       // `from` is inside an unfinished chunk
            if c == "I" || c == "E" { return open && inside }
            return !open
        }
    }

    /// True when every tag is valid and every step (including start and end) is allowed.
    public func isValid(sequence tags: [String]) -> Bool {
        guard let first = tags.first, let last = tags.last else { return true }
        guard allowsStart(first) && allowsEnd(last) else { return false }
        for i in 1..<tags.count where !allowsTransition(from: tags[i - 1], to: tags[i]) { return false }
        return true
    }
}

/// One chunk (entity, slot): tokens `start..<end` of a sentence, of one type.
public struct Chunk: Hashable, Sendable {
    public let type: String
    public let start: Int
    public let end: Int

    public init(type: String, start: Int, end: Int) {
        self.type = type
        self.start = start
        self.end = end
    }
}

extension TagScheme {
    /// The chunks of one sentence, read exactly as seqeval's default mode (`get_entities`, not
    /// `mode="strict"`) reads them, which is conlleval's reading extended to BIOES:
    ///
    /// - a chunk ends before a tag when the previous tag is E or S, or is B/I followed by B, S or O,
    ///   or when the previous tag is not O and the type changes;
    /// - a chunk starts at B or S, at I or E after O, E or S (conlleval: `I-X` after `O` opens a
    ///   chunk), and at any non-O tag whose type differs from the previous tag's.
    ///
    /// So invalid sequences still give chunks (`O I-X I-X` is one X chunk; `B-X I-Y` is two), and
    /// any scheme is read the same way. One difference from conlleval.pl: conlleval has no S tag
    /// and, after E-X, does not start a new chunk at B-X of the same type; for IOB1/IOB2 tags the
    /// two agree. A tag whose prefix is none of B, I, E, S, O behaves like I (seqeval warns).
    public static func chunks(in tags: [String]) -> [Chunk] {
        var chunks: [Chunk] = []
        var previous: Character = "O"
        var previousType: Substring = ""
        var begin = 0
        for i in 0...tags.count {
            let (tag, type) = i < tags.count ? split(tags[i]) : ("O", "_")
            if endsChunk(previous, tag, previousType, type) {
                chunks.append(Chunk(type: String(previousType), start: begin, end: i))
            }
            if startsChunk(previous, tag, previousType, type) { begin = i }
            previous = tag
            previousType = type
        }
        return chunks
    }

    static func endsChunk(_ p: Character, _ c: Character, _ pType: Substring, _ cType: Substring) -> Bool {
        if p == "E" || p == "S" { return true }
        if (p == "B" || p == "I") && (c == "B" || c == "S" || c == "O") { return true }
        return p != "O" && p != "." && pType != cType
    }

    static func startsChunk(_ p: Character, _ c: Character, _ pType: Substring, _ cType: Substring) -> Bool {
        if c == "B" || c == "S" { return true }
        if (c == "E" || c == "I") && (p == "E" || p == "S" || p == "O") { return true }
        return c != "O" && c != "." && pType != cType
    }
}
