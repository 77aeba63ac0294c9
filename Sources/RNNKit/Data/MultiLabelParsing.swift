import Foundation

/// Label fields that hold several labels, for `data.multi_label`: pure functions the corpus
/// readers call, one per format. Each returns the labels in the order written, without
/// duplicates (a label written twice counts once), and throws `.input` with the caller's file and
/// line for a field with no label or an empty name.
public enum MultiLabelParsing {
    /// fastText: the leading whitespace-separated tokens that start with `prefix` (`__label__a
    /// __label__b text`) are labels; the rest, from the first other token, is the text. Where we
    /// differ from fastText: it takes a `__label__` token anywhere in the line as a label; we stop
    /// at the first text token, as our single-label reader does, so a text may mention `__label__`.
    public static func fastText(_ line: String, prefix: String = "__label__", file: String? = nil,
                                lineNumber: Int? = nil) throws -> (labels: [String], text: Substring) {
        var labels: [String] = []
        var rest = Substring(line)
        while true {
            let trimmed = rest.drop(while: { $0 == " " || $0 == "\t" })
            let token = trimmed.prefix(while: { $0 != " " && $0 != "\t" })
            guard !token.isEmpty, token.hasPrefix(prefix) else { rest = trimmed; break }
            let name = String(token.dropFirst(prefix.count))
            guard !name.isEmpty else { throw RNNError.input("empty label name after \(prefix)", file: file, line: lineNumber) }
            labels.append(name)
            rest = trimmed[token.endIndex...]
        }
        guard !labels.isEmpty else {
            throw RNNError.input("no label: expected \(prefix)NAME before the text", file: file, line: lineNumber)
        }
        return (unique(labels), rest)
    }

    /// JSON lines: the label field is an array of strings (`"labels": ["sports", "politics"]`);
    /// a single string is one label. An empty array is an error (a text with no label cannot be
    /// trained on), as are non-string items and empty strings.
    public static func json(_ value: JSONValue, field: String, file: String? = nil, lineNumber: Int? = nil) throws -> [String] {
        let items: [JSONValue]
        switch value {
        case .array(let values): items = values
        case .string: items = [value]
        default:
            throw RNNError.input("expected an array of label names, got \(value.quotedForMessage)", file: file, line: lineNumber, field: field)
        }
        guard !items.isEmpty else {
            throw RNNError.input("empty label array: every example needs at least one label", file: file, line: lineNumber, field: field)
        }
        let labels = try items.enumerated().map { index, item -> String in
            guard case .string(let name) = item, !name.isEmpty else {
                throw RNNError.input("label \(index) is \(item.quotedForMessage), expected a non-empty string",
                                     file: file, line: lineNumber, field: field)
            }
            return name
        }
        return unique(labels)
    }

    /// TSV: the label column split on `separator` (e.g. `,` for `sports,politics`), each name
    /// trimmed of spaces. Empty names (`a,,b`, a trailing separator) are an error.
    public static func separated(_ field: String, separator: String = ",", file: String? = nil,
                                 lineNumber: Int? = nil) throws -> [String] {
        precondition(!separator.isEmpty, "empty label separator")
        let names = field.components(separatedBy: separator).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !names.allSatisfy(\.isEmpty) else { throw RNNError.input("empty label field", file: file, line: lineNumber) }
        if let position = names.firstIndex(where: \.isEmpty) {
            throw RNNError.input("empty label name at position \(position + 1) of \"\(field)\" (separator \"\(separator)\")",
                                 file: file, line: lineNumber)
        }
        return unique(names)
    }

    /// First occurrences, in order.
    static func unique(_ names: [String]) -> [String] {
        var seen = Set<String>()
        return names.filter { seen.insert($0).inserted }
    }
}
