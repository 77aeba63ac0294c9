/// Splits a text into tokens, as configured.
///
/// - `char`: one token per Unicode scalar, as the THUCNews reference models do
///   (`list(text)` in Python). With `keep_spaces` true (the default, like the
///   reference) whitespace scalars are tokens too; false drops them.
/// - `word`: split on runs of Unicode whitespace.
/// `lowercase` lowercases the text first (both kinds). Truncation keeps the
/// first `max_length` tokens.
public struct Tokenizer: Equatable {
    public let config: TokenizerConfig

    public init(config: TokenizerConfig) { self.config = config }

    /// Tokens of `text`; `truncate: false` gives all of them (the vocabulary is
    /// counted on whole texts, like the reference).
    public func tokens(_ text: String, truncate: Bool = true) -> [String] {
        let source = config.lowercase ? text.lowercased() : text
        let limit = truncate ? config.maxLength : Int.max
        var out: [String] = []
        switch config.kind {
        case .char:
            for scalar in source.unicodeScalars {
                if out.count >= limit { break }
                if !config.keepSpaces && scalar.properties.isWhitespace { continue }
                out.append(String(scalar))
            }
        case .word:
            var current = String.UnicodeScalarView()
            for scalar in source.unicodeScalars {
                if scalar.properties.isWhitespace {
                    if !current.isEmpty {
                        out.append(String(current))
                        current = String.UnicodeScalarView()
                        if out.count >= limit { return out }
                    }
                } else {
                    current.append(scalar)
                }
            }
            if !current.isEmpty && out.count < limit { out.append(String(current)) }
        }
        return out
    }
}
