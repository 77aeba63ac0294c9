/// `vocab.txt` of an export folder: one token per line, id = line number - 1, UTF-8, each line
/// ended by LF (`\n`).
///
/// The char tokenizer makes a token of every character, so a vocabulary may hold tokens that a
/// line-based file cannot show as they are: LF and CR, the other characters that editors and
/// Python's `str.splitlines()` treat as line ends, and (to keep the escaping unambiguous) the
/// backslash. Those are escaped, everything else is written as it is:
///
///     \   -> \\        LF -> \n        CR -> \r
///     U+000B U+000C U+001C U+001D U+001E U+0085 U+2028 U+2029 -> \u000b ... (4 lowercase hex digits)
///
/// A tab or a space token is a line holding that one character. Reading accepts exactly these
/// escapes (`\u` with any 4 hex digits of a valid scalar) and refuses a raw CR (a file converted
/// to CRLF line ends would otherwise change every token). Python, for a script reading the file:
///
///     tokens = [re.sub(r"\\(\\|n|r|u[0-9a-fA-F]{4})", lambda m: {"\\": "\\", "n": "\n", "r": "\r"}
///               .get(m.group(1)) or chr(int(m.group(1)[1:], 16)), line)
///               for line in open("vocab.txt", encoding="utf-8", newline="\n").read().split("\n")[:-1]]
public enum VocabularyFile {
    /// Characters written as `\u` escapes (besides LF and CR, which have short ones).
    static let escapedAsCode: Set<UInt32> = [0x0B, 0x0C, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029]

    public static func escape(_ token: String) -> String {
        var out = ""
        for scalar in token.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            default:
                if escapedAsCode.contains(scalar.value) {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// The file's text: every token escaped, each followed by LF.
    public static func text(_ tokens: [String]) -> String {
        var out = ""
        for token in tokens { out += escape(token); out += "\n" }
        return out
    }

    /// Tokens of a file's bytes; `RNNError.input` naming `path` and the line for invalid UTF-8,
    /// a raw CR or an unknown escape.
    public static func tokens(from bytes: [UInt8], path: String) throws -> [String] {
        var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }  // the LF after the last token
        var tokens: [String] = []
        tokens.reserveCapacity(lines.count)
        for (i, raw) in lines.enumerated() {
            func bad(_ message: String) -> RNNError { RNNError.input(message, file: path, line: i + 1) }
            guard let line = String(validating: raw, as: UTF8.self) else { throw bad("invalid UTF-8") }
            tokens.append(try unescape(line, bad: bad))
        }
        return tokens
    }

    static func unescape(_ line: String, bad: (String) -> RNNError) throws -> String {
        var out = String.UnicodeScalarView()
        var scalars = line.unicodeScalars.makeIterator()
        while let s = scalars.next() {
            if s == "\r" { throw bad("raw carriage return (CR): was the file converted to CRLF line ends? A CR token is written \\r") }
            guard s == "\\" else { out.append(s); continue }
            switch scalars.next() {
            case "\\": out.append("\\")
            case "n": out.append("\n")
            case "r": out.append("\r")
            case "u":
                var hex = ""
                for _ in 0..<4 { if let h = scalars.next() { hex.unicodeScalars.append(h) } }
                guard hex.count == 4, hex.allSatisfy(\.isHexDigit), let v = UInt32(hex, radix: 16),
                      let scalar = Unicode.Scalar(v) else {
                    throw bad("invalid escape \\u\(hex): expected 4 hex digits of a Unicode scalar")
                }
                out.append(scalar)
            case let other:
                throw bad("invalid escape \\\(other.map { String($0) } ?? "(end of line)"): only \\\\, \\n, \\r and \\uXXXX are defined")
            }
        }
        return String(out)
    }
}
