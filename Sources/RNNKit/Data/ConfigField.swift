import Foundation

/// One entry of the config description (`RunConfig.fields`): a JSON path, how its value is
/// read, checked and printed, its type and default as docs/CONFIG.md shows them, and its help.
///
/// The decoder, the unknown-key check (with "did you mean"), `--set` path validation,
/// `resolvedJSON()` and `differences(from:)` all walk the one table, and a test compares
/// docs/CONFIG.md's tables with it, so a key, its type and its default are written once.
/// Defaults live in the section structs (ConfigSections.swift); the table reads them from
/// `RunConfig.defaults` for the docs.
struct ConfigField {
    enum Role {
        /// A JSON object holding other fields (a section, or `training.schedule`).
        case object
        /// A value read into `RunConfig`.
        case value
        /// Accepted and not read (kept so old configs and checkpoints load), never printed.
        case ignored
    }

    /// JSON path, e.g. `training.schedule.patience`.
    let path: String
    let role: Role
    /// The docs' type column in plain text, alternatives joined by " | ": `integer ≥ 1`, `"char" | "word"`.
    let typeText: String
    /// The docs' default column when it is not the printed default (`**required**`, prose); nil: print it.
    let defaultNote: String?
    /// The docs' meaning column (markdown).
    let help: String
    /// Reads the field's value (nil when absent: keep the default) into the config, or throws a located error.
    let decode: (inout RunConfig, JSONValue?, ConfigDecoder) throws -> Void
    /// The resolved value as `--print-config` and checkpoints print it.
    let encode: (RunConfig) -> JSONValue

    var key: String { String(path.split(separator: ".").last ?? "") }
    var parent: String { path.contains(".") ? String(path[..<path.lastIndex(of: ".")!]) : "" }
    var section: String { String(path.split(separator: ".").first ?? "") }

    /// The docs' default column in plain text: the note, or the default as printed.
    var defaultText: String {
        if let defaultNote { return defaultNote }
        return role == .value ? encode(RunConfig.defaults).compactText : "see below"
    }
}

/// How a number field is checked, said once for the docs and the error message.
struct NumberRule {
    /// `number > 0`, for the docs.
    let typeText: String
    /// `a positive number`, for "expected ..., got ...".
    let expectation: String
    let accepts: (Double) -> Bool

    static let positive = NumberRule(typeText: "number > 0", expectation: "a positive number") { $0 > 0 }

    static func atLeastZero(note: String = "") -> NumberRule {
        NumberRule(typeText: "number ≥ 0", expectation: "a number >= 0\(note)") { $0 >= 0 }
    }

    /// From `lower` to `upper`, each end included or not: `in [0, 1)`.
    static func interval(_ lower: Double, _ upper: Double, lowerIncluded: Bool, upperIncluded: Bool) -> NumberRule {
        func text(_ x: Double) -> String { x.rounded() == x ? String(Int(x)) : "\(x)" }
        let range = "\(lowerIncluded ? "[" : "(")\(text(lower)), \(text(upper))\(upperIncluded ? "]" : ")")"
        return NumberRule(typeText: "number in \(range)", expectation: "a number in \(range)") { x in
            (lowerIncluded ? x >= lower : x > lower) && (upperIncluded ? x <= upper : x < upper)
        }
    }

    /// [0, 1): dropout, momentum, betas, label smoothing.
    static let fraction = interval(0, 1, lowerIncluded: true, upperIncluded: false)
}

// MARK: - Field kinds

extension ConfigField {
    /// A section or nested object; its fields follow it in the table.
    static func object(_ path: String, help: String = "") -> ConfigField {
        ConfigField(path: path, role: .object, typeText: "object", defaultNote: "see below", help: help,
                    decode: { _, _, _ in }, encode: { _ in .null })
    }

    /// A key that is accepted with any value and ignored.
    static func ignored(_ path: String, help: String) -> ConfigField {
        ConfigField(path: path, role: .ignored, typeText: "any", defaultNote: "—", help: help,
                    decode: { _, _, _ in }, encode: { _ in .null })
    }

    /// An integer in [min, max] (the max is left out of the message when it is the 2^40 sanity bound).
    static func integer<T: BinaryInteger>(_ path: String, _ keyPath: WritableKeyPath<RunConfig, T>, min: Int,
                                          max: Int? = nil, note: String = "", help: String) -> ConfigField {
        let upper = max ?? 1 << 40
        let expectation = max.map { "an integer in [\(min), \($0)]\(note)" } ?? "an integer >= \(min)\(note)"
        let typeText = max.map { "integer in [\(min), \(powerOfTwoText($0))]" } ?? "integer ≥ \(min)"
        return ConfigField(path: path, role: .value, typeText: typeText, defaultNote: nil, help: help,
                           decode: { config, value, decoder in
                               guard let value else { return }
                               guard case .number(let d, _) = value, d.rounded() == d, d >= Double(min), d <= Double(upper) else {
                                   throw decoder.mismatch(path, expectation, value)
                               }
                               config[keyPath: keyPath] = T(d)
                           },
                           encode: { .number(Double($0[keyPath: keyPath]), isInteger: true) })
    }

    static func number(_ path: String, _ keyPath: WritableKeyPath<RunConfig, Double>, _ rule: NumberRule,
                       help: String) -> ConfigField {
        ConfigField(path: path, role: .value, typeText: rule.typeText, defaultNote: nil, help: help,
                    decode: { config, value, decoder in
                        guard let value else { return }
                        guard case .number(let d, _) = value, rule.accepts(d) else {
                            throw decoder.mismatch(path, rule.expectation, value)
                        }
                        config[keyPath: keyPath] = d
                    },
                    encode: { .double($0[keyPath: keyPath]) })
    }

    static func bool(_ path: String, _ keyPath: WritableKeyPath<RunConfig, Bool>, help: String) -> ConfigField {
        ConfigField(path: path, role: .value, typeText: "bool", defaultNote: nil, help: help,
                    decode: { config, value, decoder in
                        guard let value else { return }
                        guard case .bool(let b) = value else { throw decoder.mismatch(path, "true or false", value) }
                        config[keyPath: keyPath] = b
                    },
                    encode: { .bool($0[keyPath: keyPath]) })
    }

    /// A non-empty string.
    static func text(_ path: String, _ keyPath: WritableKeyPath<RunConfig, String>, help: String) -> ConfigField {
        ConfigField(path: path, role: .value, typeText: "string", defaultNote: nil, help: help,
                    decode: { config, value, decoder in
                        guard let value else { return }
                        guard case .string(let s) = value, !s.isEmpty else { throw decoder.mismatch(path, "a non-empty string", value) }
                        config[keyPath: keyPath] = s
                    },
                    encode: { .string($0[keyPath: keyPath]) })
    }

    /// One of an enum's raw values; a near miss gets "did you mean".
    static func choice<E: RawRepresentable & CaseIterable>(_ path: String, _ keyPath: WritableKeyPath<RunConfig, E>,
                                                           help: String) -> ConfigField where E.RawValue == String {
        let names = E.allCases.map(\.rawValue)
        let list = names.map { "\"\($0)\"" }
        return ConfigField(path: path, role: .value, typeText: list.joined(separator: " | "), defaultNote: nil, help: help,
                           decode: { config, value, decoder in
                               guard let value else { return }
                               let expectation = "one of \(list.joined(separator: ", "))"
                               guard case .string(let s) = value else { throw decoder.mismatch(path, expectation, value) }
                               guard let choice = E(rawValue: s) else {
                                   var message = "expected \(expectation), got \(value.quotedForMessage)"
                                   if let near = NameSuggestion.nearest(to: s, among: names) { message += "; did you mean \"\(near)\"?" }
                                   throw decoder.fail(path, message)
                               }
                               config[keyPath: keyPath] = choice
                           },
                           encode: { .string($0[keyPath: keyPath].rawValue) })
    }

    /// An optional file: a path resolved against the config's folder (it must exist when the
    /// decoder checks files), or null.
    static func file(_ path: String, _ keyPath: WritableKeyPath<RunConfig, String?>, help: String) -> ConfigField {
        ConfigField(path: path, role: .value, typeText: "path | null", defaultNote: nil, help: help,
                    decode: { config, value, decoder in
                        guard let value else { return }
                        if case .null = value { config[keyPath: keyPath] = nil; return }
                        config[keyPath: keyPath] = try decoder.path(path, value, isFile: true)
                    },
                    encode: { config in config[keyPath: keyPath].map { .string($0) } ?? .null })
    }

    /// A field whose type does not fit the kinds above (a required file, a computed default, a union).
    static func custom(_ path: String, type typeText: String, default defaultNote: String? = nil, help: String,
                       decode: @escaping (inout RunConfig, JSONValue?, ConfigDecoder) throws -> Void,
                       encode: @escaping (RunConfig) -> JSONValue) -> ConfigField {
        ConfigField(path: path, role: .value, typeText: typeText, defaultNote: defaultNote, help: help,
                    decode: decode, encode: encode)
    }

    /// `2^53` for large powers of two (the seed's bound), decimal otherwise.
    private static func powerOfTwoText(_ n: Int) -> String {
        if n > 1 << 20, n.nonzeroBitCount == 1 { return "2^\(n.trailingZeroBitCount)" }
        return String(n)
    }
}
