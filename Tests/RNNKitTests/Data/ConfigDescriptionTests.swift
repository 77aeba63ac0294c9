import Foundation
import XCTest
@testable import RNNKit

/// The one description of the config (`RunConfig.fields`) against docs/CONFIG.md, against
/// checkpoints written before it, and its own consistency.
///
/// docs/CONFIG.md's field tables are parsed and every row is compared with the table: key,
/// type, default and meaning. `RNN_UPDATE_CONFIG_DOCS=1 swift test --filter ConfigDescriptionTests`
/// rewrites those rows from the table (then the test passes); review the diff.
/// (Checked: changing `ScheduleConfig.patience` to 2, or a help text, fails
/// testDocsTablesMatchTheDescription; so does deleting a row from CONFIG.md.)
final class ConfigDescriptionTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let docs = root.appendingPathComponent("docs/CONFIG.md")

    // MARK: Rendering a row as docs/CONFIG.md writes it

    static func markdownType(_ text: String) -> String {
        text.components(separatedBy: " | ").map { $0.hasPrefix("\"") ? "`\($0)`" : $0 }.joined(separator: " \\| ")
    }

    static func markdownDefault(_ field: ConfigField) -> String {
        if let note = field.defaultNote { return note }
        let text = field.defaultText
        return text.hasPrefix("\"") ? "`\(text)`" : text
    }

    static func cells(of field: ConfigField) -> [String] {
        ["`\(field.key)`", markdownType(field.typeText), markdownDefault(field), field.help]
    }

    /// The cells of a table row, split on unescaped pipes.
    static func cells(of row: String) -> [String] {
        var cells: [String] = [], current = "", previous: Character = " "
        for c in row.dropFirst() {
            if c == "|" && previous != "\\" { cells.append(current.trimmingCharacters(in: .whitespaces)); current = "" } else { current.append(c) }
            previous = c
        }
        return cells
    }

    /// Which object a line of CONFIG.md opens a table for: `## model` or "`training.schedule`:".
    static func context(of line: String) -> String?? {
        if line.hasPrefix("## ") { let name = String(line.dropFirst(3)); return RunConfig.schema[name] != nil ? name : .some(nil) }
        if line.hasPrefix("`"), line.hasSuffix("`:") {
            let name = String(line.dropFirst().dropLast(2))
            if RunConfig.schema[name] != nil { return name }
        }
        return nil
    }

    static let header = "| field | type | default | meaning |"

    /// The documented rows per object path: line indices of the rows in `lines`.
    static func documentedRows(_ lines: [String]) -> [String: [Int]] {
        var rows: [String: [Int]] = [:]
        var current: String?
        var inTable = false
        for (i, line) in lines.enumerated() {
            if let c = context(of: line) { current = c; inTable = false; continue }
            if line == header { inTable = true; continue }
            if inTable, line.hasPrefix("| ---") { continue }
            if inTable, line.hasPrefix("| "), let current { rows[current, default: []].append(i); continue }
            inTable = false
        }
        return rows
    }

    // MARK: Tests

    func testDocsTablesMatchTheDescription() throws {
        var lines = try String(contentsOf: Self.docs, encoding: .utf8).components(separatedBy: "\n")
        var rows = Self.documentedRows(lines)
        let objects = RunConfig.fields.filter { $0.role == .object }.map(\.path)
        if ProcessInfo.processInfo.environment["RNN_UPDATE_CONFIG_DOCS"] == "1" {
            // Bottom-up, so earlier line indices stay valid.
            for object in objects.sorted(by: { (rows[$0]?.first ?? 0) > (rows[$1]?.first ?? 0) }) {
                guard let indices = rows[object], let first = indices.first else { continue }
                let generated = RunConfig.fields.filter { $0.parent == object }
                    .map { "| " + Self.cells(of: $0).joined(separator: " | ") + " |" }
                lines.replaceSubrange(first...indices.last!, with: generated)
            }
            try lines.joined(separator: "\n").write(to: Self.docs, atomically: true, encoding: .utf8)
            rows = Self.documentedRows(lines)
        }
        for object in objects {
            let fields = RunConfig.fields.filter { $0.parent == object }
            let documented = (rows[object] ?? []).map { Self.cells(of: lines[$0]) }
            let keys = documented.map { $0.first.map { $0.replacingOccurrences(of: "`", with: "") } ?? "" }
            XCTAssertEqual(keys, fields.map(\.key), "docs/CONFIG.md: the \(object) table's keys differ from RunConfig.fields")
            for (field, cells) in zip(fields, documented) where cells.count == 4 {
                let expected = Self.cells(of: field)
                XCTAssertEqual(cells[1], expected[1], "docs/CONFIG.md: \(field.path): type")
                XCTAssertEqual(cells[2], expected[2], "docs/CONFIG.md: \(field.path): default")
                XCTAssertEqual(cells[3], expected[3], "docs/CONFIG.md: \(field.path): meaning")
            }
        }
    }

    func testTheTableIsWellFormed() {
        var seen = Set<String>()
        for field in RunConfig.fields {
            XCTAssertTrue(seen.insert(field.path).inserted, "\(field.path) twice")
            // An object comes before its fields, so decoding reads it first.
            XCTAssertTrue(field.parent.isEmpty || seen.contains(field.parent), "\(field.path) before its object")
            // Top-level sections have no row of their own; everything else has a meaning column.
            if field.role != .object || !field.parent.isEmpty { XCTAssertFalse(field.help.isEmpty, "\(field.path) has no help") }
            XCTAssertFalse(field.help.contains("|"), "\(field.path): a pipe would split the docs row")
        }
        // Every value field can be named by --set.
        for field in RunConfig.fields where field.role == .value {
            XCTAssertNoThrow(try RunConfig.parseOverride("\(field.path)=1"), field.path)
        }
        XCTAssertThrowsError(try RunConfig.parseOverride("training.lr.x=1"))
    }

    func testDefaultsAreWrittenOnce() {
        // The schedule's own defaults are the config's (they disagreed: plateau patience 2 vs 1).
        let schedule = LearningRateSchedule(kind: .plateau, baseLR: 1)
        let config = ScheduleConfig()
        XCTAssertEqual(schedule.patience, config.patience)
        XCTAssertEqual(schedule.patience, 1)
        XCTAssertEqual(schedule.stepSize, config.stepSize)
        XCTAssertEqual(schedule.factor, Float(config.factor))
        XCTAssertEqual(schedule.gamma, Float(config.gamma))
        XCTAssertEqual(RunConfig.fieldsByPath["training.schedule.patience"]?.defaultText, "1")
        XCTAssertEqual(RunConfig.fieldsByPath["training.eps"]?.defaultText, "1e-08")
    }

    /// A checkpoint written before this change (the fuzz seed, by rnn-train of `cf6bebc`) loads,
    /// and its stored config prints back the same except for the dropped `data.test` and fields
    /// added since, which print their defaults.
    func testCheckpointsOfTheFormerMainStillLoad() throws {
        for name in ["gru-last.ckpt", "gru-best.ckpt"] {
            let path = Self.root.appendingPathComponent("fuzz/corpus/checkpoint/\(name)").path
            let (trained, checkpoint) = try TrainedModel.load(checkpoint: path)
            let stored = try XCTUnwrap(checkpoint.metadata.values["config"])
            XCTAssertTrue(stored.contains("\"test\": null"), "the seed predates the change")
            let old = flatten(try JSONParser.parse(stored).root), now = flatten(try JSONParser.parse(trained.config.resolvedJSON()).root)
            for (key, value) in old where key != "data.test" { XCTAssertEqual(now[key], value, key) }
            let defaults = flatten(try JSONParser.parse(RunConfig.parse(json: #"{"data": {"train": "/x"}}"#, path: "/c.json").resolvedJSON()).root)
            for (key, value) in now where old[key] == nil { XCTAssertEqual(value, defaults[key], "new field \(key) prints its default") }
            XCTAssertNil(now["data.test"])
        }
    }

    func testTheDroppedTestFieldIsAcceptedAndIgnored() throws {
        let config = try RunConfig.parse(json: #"{"data": {"train": "/x/train.tsv", "test": "/gone/test.tsv"}}"#, path: "/x/c.json")
        XCTAssertFalse(config.resolvedJSON().contains("test"))
        XCTAssertEqual(try RunConfig.parse(json: #"{"data": {"train": "/x/train.tsv", "test": 3}}"#, path: "/x/c.json"), config)
    }

    /// "section.key" -> the value's JSON text, for every leaf of a config tree.
    private func flatten(_ value: JSONValue, _ prefix: String = "") -> [String: String] {
        guard case .object(let members) = value else { return [prefix: "\(value)"] }
        var out: [String: String] = [:]
        for m in members { out.merge(flatten(m.value, prefix.isEmpty ? m.key : prefix + "." + m.key)) { a, _ in a } }
        return out
    }
}
