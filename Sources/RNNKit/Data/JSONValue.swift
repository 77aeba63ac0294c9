/// A JSON value with the detail configuration files need.
///
/// Objects keep their keys in file order (resolved configs print in a stable
/// order, and "first unknown key" means the first in the file). Numbers keep
/// the literal's value and whether it was written as an integer, so `10` and
/// `10.0` stay apart and booleans never turn into numbers (as they can with
/// JSONSerialization on Linux).
public enum JSONValue: Equatable {
    case null
    case bool(Bool)
    case number(Double, isInteger: Bool)
    case string(String)
    case array([JSONValue])
    case object([Member])

    public struct Member: Equatable {
        public var key: String
        public var value: JSONValue
        public init(_ key: String, _ value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    public static func integer(_ value: Int) -> JSONValue { .number(Double(value), isInteger: true) }
    public static func double(_ value: Double) -> JSONValue { .number(value, isInteger: false) }

    /// Value of `key` when this is an object holding it.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first(where: { $0.key == key })?.value
    }

    /// Short type name for error messages.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number(_, let isInteger): return isInteger ? "an integer" : "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    /// Compact JSON text (one line).
    public var compactText: String {
        var out = ""
        JSONValue.write(self, into: &out, indent: nil, level: 0)
        return out
    }

    /// Pretty JSON text, two spaces per level, keys in stored order, final newline.
    public var prettyText: String {
        var out = ""
        JSONValue.write(self, into: &out, indent: "  ", level: 0)
        out += "\n"
        return out
    }

    /// How a value appears in a message: strings quoted, others as JSON.
    public var quotedForMessage: String {
        let text = compactText
        return text.count > 60 ? String(text.prefix(57)) + "..." : text
    }

    static func write(_ value: JSONValue, into out: inout String, indent: String?, level: Int) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let d, let isInteger):
            if isInteger, d.rounded() == d, abs(d) < 9.007_199_254_740_992e15 {
                out += String(Int64(d))
            } else if d.isFinite {
                out += "\(d)"
            } else {
                out += "null"
            }
        case .string(let s): writeString(s, into: &out)
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            // Arrays of scalars stay on one line even when pretty.
            let scalarOnly = items.allSatisfy {
                switch $0 { case .array, .object: return false; default: return true }
            }
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += (indent != nil && scalarOnly) ? ", " : "," }
                if let indent, !scalarOnly { out += "\n" + String(repeating: indent, count: level + 1) }
                write(item, into: &out, indent: indent, level: level + 1)
            }
            if let indent, !scalarOnly { out += "\n" + String(repeating: indent, count: level) }
            out += "]"
        case .object(let members):
            if members.isEmpty { out += "{}"; return }
            out += "{"
            for (i, member) in members.enumerated() {
                if i > 0 { out += "," }
                if let indent { out += "\n" + String(repeating: indent, count: level + 1) }
                writeString(member.key, into: &out)
                out += indent == nil ? ":" : ": "
                write(member.value, into: &out, indent: indent, level: level + 1)
            }
            if let indent { out += "\n" + String(repeating: indent, count: level) }
            out += "}"
        }
    }

    /// `s` as a JSON string literal, quotes included.
    public static func quoted(_ s: String) -> String {
        var out = ""
        writeString(s, into: &out)
        return out
    }

    static func writeString(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}
