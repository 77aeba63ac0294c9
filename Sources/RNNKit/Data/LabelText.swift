/// What a label name may hold, and how names are written where some characters cannot go.
///
/// Label names reach line-based output: rnn-predict writes one line per input
/// line, rnn-eval aligned tables. A name holding a tab, a line break or another
/// control character would split or shift those lines, so readers refuse such
/// names (with the file and line) and writers escape whatever an older
/// checkpoint may still hold.
public enum LabelText {
    /// C0 controls (tab, LF, CR, ...), DEL, C1 controls (NEL, ...) and the Unicode line
    /// and paragraph separators, which some tools (Python's `splitlines`) also break lines at.
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        return v < 0x20 || (0x7F...0x9F).contains(v) || v == 0x2028 || v == 0x2029
    }

    /// Why `name` cannot be a label, or nil when it can; the message starts with `prefix`
    /// (none when the error names the JSON field already).
    public static func problem(in name: String, prefix: String = "label ") -> String? {
        guard let bad = name.unicodeScalars.first(where: isControl) else { return nil }
        let what: String
        switch bad {
        case "\t": what = "a tab"
        case "\n": what = "a line break (LF)"
        case "\r": what = "a carriage return (CR)"
        default: what = "the control character \(hex(bad))"
        }
        return "\(prefix)\(quotedForMessage(name)) contains \(what): labels may not hold control characters"
    }

    /// The name quoted for an error message, control characters escaped.
    public static func quotedForMessage(_ name: String) -> String {
        "\"" + escape(name, extra: []) + "\""
    }

    /// For human-read tables: control characters as `\t`, `\n`, `\r` or `\uHHHH`.
    public static func forDisplay(_ name: String) -> String { escape(name, extra: []) }

    /// For rnn-predict's tab-separated output: control characters as above, plus `\` as `\\`
    /// and `=` as `\=`, so a field never holds a tab or line break, and `NAME=PROB` splits at
    /// the first unescaped `=`. Names without these characters are written unchanged.
    public static func forTSV(_ name: String) -> String { escape(name, extra: ["\\", "="]) }

    static func escape(_ name: String, extra: Set<Unicode.Scalar>) -> String {
        guard name.unicodeScalars.contains(where: { isControl($0) || extra.contains($0) }) else { return name }
        var out = ""
        for scalar in name.unicodeScalars {
            switch scalar {
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case _ where extra.contains(scalar): out += "\\" + String(scalar)
            case _ where isControl(scalar): out += "\\u" + hex(scalar).dropFirst(2)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// `U+001B`.
    static func hex(_ scalar: Unicode.Scalar) -> String {
        let digits = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

/// Where the user changes how data is read, for advice in messages: config fields
/// for rnn-train, options for rnn-eval.
public enum ReaderSettings: Equatable {
    case config
    case commandLine

    var skipUnknownLabels: String {
        self == .config ? "set data.unknown_labels to \"skip\" to skip such lines"
                        : "use --skip-unknown-labels to skip such lines"
    }

    func useFormat(_ format: DataConfig.Format) -> String {
        self == .config ? "set data.format to \"\(format.rawValue)\"" : "use --format \(format.rawValue)"
    }

    var maxLineBytes: String { self == .config ? "data.max_line_bytes" : "--max-line-bytes" }
}
