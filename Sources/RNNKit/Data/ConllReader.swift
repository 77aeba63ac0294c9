import Foundation

/// One sentence of a CoNLL-style file: tokens, one tag per token, and an optional sentence label.
public struct TaggedSentence: Equatable, Sendable {
    public var tokens: [String]
    public var tags: [String]
    /// From a `# intent = NAME` comment before the tokens; nil when there is none.
    public var intent: String?
    /// 1-based line of the sentence's first token.
    public var line: Int

    public init(tokens: [String], tags: [String], intent: String? = nil, line: Int) {
        self.tokens = tokens
        self.tags = tags
        self.intent = intent
        self.line = line
    }
}

/// Counts of one CoNLL file, for the summary line and the tests.
public struct ConllSummary: Equatable, Sendable {
    public var sentences = 0
    public var tokens = 0
    public var intents: Set<String> = []
    public var tags: Set<String> = []
    public var sentencesWithoutIntent = 0
    public var invalidUTF8Lines = 0
}

/// Reads CoNLL-style tagged files (ATIS and NER data as `../shared/data/atis` ships them):
///
/// - one token per line: `token<TAB>...<TAB>tag`, the tag in the last column, middle columns
///   (POS, chunk) ignored. A line with a tab is split on tabs only, so a token may hold spaces;
///   a line without a tab is split on runs of spaces (CoNLL-2003's space-separated files);
/// - a blank line (spaces, tabs, CR only) ends a sentence; several blank lines are one break;
/// - `# intent = NAME` before a sentence's first token gives its label (CoNLL-U's comment form;
///   spaces around `=` optional); other lines that start with `#` and hold no tab, before the
///   first token, are comments and ignored;
/// - a line whose first column is `-DOCSTART-` ends the current sentence and is skipped;
/// - BOM, CRLF and invalid UTF-8 are handled by `LineReader` and `UTF8LineDecoder` under the
///   data section's policy, as for the other readers.
///
/// Errors (`.input`, naming file and line): a token line with no tag column, an empty token or
/// tag, a tag holding a control character or a space, an `# intent` comment after tokens or a
/// second one for the same sentence, and a sentence label with no tokens after it.
public enum ConllReader {
    public static func read(path: String, invalidUTF8: DataConfig.InvalidUTF8 = .replace,
                            log: (String) -> Void = { _ in }) throws -> (sentences: [TaggedSentence], summary: ConllSummary) {
        var sentences: [TaggedSentence] = []
        let summary = try forEachSentence(path: path, invalidUTF8: invalidUTF8, log: log) { sentences.append($0) }
        return (sentences, summary)
    }

    /// Streams the sentences of a file; logs one summary line (and the UTF-8 warning, if any).
    @discardableResult
    public static func forEachSentence(path: String, invalidUTF8: DataConfig.InvalidUTF8 = .replace,
                                       log: (String) -> Void = { _ in },
                                       _ body: (TaggedSentence) throws -> Void) throws -> ConllSummary {
        let reader = try LineReader(path: path)
        var decoder = UTF8LineDecoder(file: path, policy: invalidUTF8)
        var summary = ConllSummary()
        var current = TaggedSentence(tokens: [], tags: [], line: 0)
        var intentLine: Int?

        func finish() throws {
            if current.tokens.isEmpty {
                if let intentLine {
                    throw RNNError.input("sentence label with no tokens after it (a blank line or the end follows)", file: path, line: intentLine)
                }
                return
            }
            summary.sentences += 1
            summary.tokens += current.tokens.count
            summary.tags.formUnion(current.tags)
            if let intent = current.intent { summary.intents.insert(intent) } else { summary.sentencesWithoutIntent += 1 }
            try body(current)
            current = TaggedSentence(tokens: [], tags: [], line: 0)
            intentLine = nil
        }

        while let line = try reader.nextLine() {
            if line.bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { try finish(); continue }
            let text = try decoder.decode(line)
            let hasTab = text.contains("\t")
            if text.hasPrefix("#") && !hasTab {
                if let name = intentComment(text) {
                    guard current.tokens.isEmpty else {
                        throw RNNError.input("\"# intent\" after the sentence's tokens: put it before the first token, after a blank line",
                                             file: path, line: line.number)
                    }
                    guard intentLine == nil else {
                        throw RNNError.input("a second \"# intent\" for the same sentence (first on line \(intentLine!))", file: path, line: line.number)
                    }
                    guard !name.isEmpty else { throw RNNError.input("empty intent name", file: path, line: line.number) }
                    current.intent = name
                    intentLine = line.number
                    continue
                }
                if current.tokens.isEmpty { continue }   // a comment
            }
            let columns = hasTab ? text.split(separator: "\t", omittingEmptySubsequences: false).map(Substring.init)
                                 : text.split(separator: " ")
            if columns.first == "-DOCSTART-" { try finish(); continue }
            guard columns.count >= 2 else {
                throw RNNError.input("no tag column: expected token<TAB>tag (the tag in the last column)", file: path, line: line.number)
            }
            let token = columns[0], tag = columns[columns.count - 1].trimmingCharacters(in: .whitespaces)
            guard !token.isEmpty else { throw RNNError.input("empty token in the first column", file: path, line: line.number) }
            guard !tag.isEmpty else { throw RNNError.input("empty tag in the last column", file: path, line: line.number) }
            if let bad = tag.unicodeScalars.first(where: { $0.properties.generalCategory == .control || $0.properties.isWhitespace }) {
                throw RNNError.input("tag \"\(tag.debugDescription.dropFirst().dropLast())\" holds U+\(String(bad.value, radix: 16, uppercase: true).leftPadded(4)), a control character or space",
                                     file: path, line: line.number)
            }
            if current.tokens.isEmpty { current.line = line.number }
            current.tokens.append(String(token))
            current.tags.append(tag)
        }
        try finish()
        summary.invalidUTF8Lines = decoder.invalidLines
        decoder.finish(log: log)
        let name = (path as NSString).lastPathComponent
        log("\(name): \(summary.sentences) sentences, \(summary.tokens) tokens, \(summary.tags.count) tags, \(summary.intents.count) intents")
        return summary
    }

    /// The NAME of `# intent = NAME` (also `#intent=NAME`), trimmed; nil for other lines.
    static func intentComment(_ text: String) -> String? {
        let body = text.dropFirst().drop(while: { $0 == " " })
        guard body.hasPrefix("intent") else { return nil }
        let rest = body.dropFirst("intent".count).drop(while: { $0 == " " })
        guard rest.first == "=" else { return nil }
        return rest.dropFirst().trimmingCharacters(in: .whitespaces)
    }
}

extension String {
    /// The string with leading zeros up to `width` characters.
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
