import Foundation

/// Lines with several labels (`data.multi_label`): the formats' label fields parsed by
/// `MultiLabelParsing`, every name checked as a single label is, errors naming file and line.
extension CorpusReader {
    /// The text and label names of a multi-label line:
    /// - TSV: `text<TAB>a,b` (split at the last tab; the column split on `data.label_separator`),
    /// - fastText: `__label__a __label__b text`,
    /// - JSON lines: `{"text": ..., "label": ["a", "b"]}` (a string is one label).
    static func splitMultiLabel(_ text: String, config: DataConfig, settings: ReaderSettings,
                                path: String, line: Int) throws -> (String, [RawLabel]) {
        let body: String, names: [String]
        switch config.format {
        case .tsv:
            guard let tab = text.lastIndex(of: "\t") else {
                throw RNNError.input("no tab: expected text<TAB>label\(config.labelSeparator)label..."
                                     + formatHint(text, config: config, settings: settings), file: path, line: line)
            }
            names = try MultiLabelParsing.separated(String(text[text.index(after: tab)...]), separator: config.labelSeparator,
                                                    file: path, lineNumber: line)
            body = String(text[..<tab])
        case .fasttext:
            let (found, rest) = try MultiLabelParsing.fastText(text, prefix: config.labelPrefix, file: path, lineNumber: line)
            names = found
            body = String(rest)
        case .jsonl:
            let (text, value) = try jsonFields(text, config: config, path: path, line: line)
            names = try MultiLabelParsing.json(value, field: config.labelField, file: path, lineNumber: line)
            body = text
        case .conll, .text:
            // The config refuses these formats with data.multi_label; this is the last guard.
            throw RNNError.input("data.format \"\(config.format.rawValue)\" holds no label sets", file: path, line: line)
        }
        for name in names {
            if let problem = LabelText.problem(in: name, prefix: config.format == .jsonl ? "" : "label ") {
                throw RNNError.input(problem, file: path, line: line, field: config.format == .jsonl ? config.labelField : nil)
            }
        }
        return (body, names.map { .name($0) })
    }

    /// A JSON line's text (a string) and its label field's value, unchecked.
    static func jsonFields(_ text: String, config: DataConfig, path: String, line: Int) throws -> (String, JSONValue) {
        let document: JSONDocument
        do {
            document = try JSONParser.parse(text)
        } catch let e as JSONParser.SyntaxError {
            throw RNNError.input("invalid JSON at column \(e.column): \(e.message)", file: path, line: line)
        }
        guard case .object = document.root else {
            throw RNNError.input("expected a JSON object, got \(document.root.typeName)", file: path, line: line)
        }
        guard let textValue = document.root[config.textField] else {
            throw RNNError.input("missing field \"\(config.textField)\"", file: path, line: line, field: config.textField)
        }
        guard case .string(let body) = textValue else {
            throw RNNError.input("expected a string, got \(textValue.quotedForMessage)", file: path, line: line, field: config.textField)
        }
        guard let labelValue = document.root[config.labelField] else {
            throw RNNError.input("missing field \"\(config.labelField)\"", file: path, line: line, field: config.labelField)
        }
        return (body, labelValue)
    }
}
