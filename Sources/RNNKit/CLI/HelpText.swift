extension CommandSpec {
    /// Help in four sections: OVERVIEW, USAGE, ARGUMENTS (when there are any), OPTIONS.
    public func helpText(width: Int = 80) -> String {
        var out = "OVERVIEW: \(overview)\n\nUSAGE: \(usageLine)\n"
        var rows: [(String, String)] = []
        if !arguments.isEmpty {
            out += "\nARGUMENTS:\n"
            rows = arguments.map { ("<\($0.name)>", $0.help) }
            out += Self.table(rows, width: width)
        }
        out += "\nOPTIONS:\n"
        rows = allOptions.map { option in
            var left = option.short.map { "-\($0), " } ?? ""
            left += "--\(option.name)"
            if let valueName = option.valueName { left += " <\(valueName)>" }
            var help = option.help
            if let d = option.defaultValue { help += " (default: \(d))" }
            if option.isRepeating { help += " (repeatable)" }
            return (left, help)
        }
        out += Self.table(rows, width: width)
        if let discussion { out += "\n\(discussion)\n" }
        return out
    }

    /// Two columns: names indented by 2, help aligned after the longest name (up to 28),
    /// wrapped at `width`; a longer name puts its help on the next line.
    static func table(_ rows: [(String, String)], width: Int) -> String {
        let column = min(28, (rows.map { $0.0.count }.max() ?? 0) + 4)
        var out = ""
        for (left, help) in rows {
            var line = "  " + left
            let lines = wrap(help, width: max(20, width - column))
            if line.count + 2 > column {
                out += line + "\n"
                line = ""
            }
            for (i, text) in lines.enumerated() {
                let start = i == 0 ? line : ""
                out += start + String(repeating: " ", count: column - start.count) + text + "\n"
            }
            if lines.isEmpty { out += line + "\n" }
        }
        return out
    }

    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ") {
            if !current.isEmpty && current.count + 1 + word.count > width {
                lines.append(current)
                current = ""
            }
            current += current.isEmpty ? String(word) : " " + word
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }
}
