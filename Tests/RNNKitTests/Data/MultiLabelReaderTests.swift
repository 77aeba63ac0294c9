import Foundation
import XCTest
@testable import RNNKit

/// `data.multi_label` readers: label sets from each format, errors naming file, line and field,
/// and the config fields that go with them.
final class MultiLabelReaderTests: TemporaryFolderTestCase {
    private func config(_ format: DataConfig.Format, train: String) -> DataConfig {
        var c = DataConfig(train: train, format: format)
        c.multiLabel = true
        return c
    }

    private func read(_ path: String, _ config: DataConfig, labels: inout LabelSet, train: Bool = true) throws -> [Example] {
        try CorpusReader.read(path: path, config: config, labels: &labels, allowNewLabels: train, log: { _ in })
    }

    func testEachFormatGivesLabelSetsInOrderWithoutDuplicates() throws {
        let files: [(DataConfig.Format, String)] = [
            (.fasttext, "__label__a __label__b one two\n__label__c three\n__label__b __label__b four\n"),
            (.jsonl, #"{"text": "one two", "label": ["a", "b"]}"# + "\n" + #"{"text": "three", "label": "c"}"# + "\n"
                + #"{"text": "four", "label": ["b", "b"]}"# + "\n"),
            (.tsv, "one two\ta, b\nthree\tc\nfour\tb,b\n"),
        ]
        for (format, text) in files {
            let path = try write("train.\(format.rawValue)", text)
            var labels = LabelSet()
            let examples = try read(path, config(format, train: path), labels: &labels)
            XCTAssertEqual(labels.names, ["a", "b", "c"], "\(format)")
            XCTAssertEqual(examples.map(\.labelSet), [[0, 1], [2], [1]], "\(format)")
            XCTAssertEqual(examples.map(\.text.trimmedForTest), ["one two", "three", "four"], "\(format)")
            XCTAssertEqual(examples.map(\.line), [1, 2, 3], "\(format)")
        }
    }

    func testTSVSeparatorIsConfigurable() throws {
        let path = try write("train.tsv", "one\ta|b\n")
        var c = config(.tsv, train: path)
        c.labelSeparator = "|"
        var labels = LabelSet()
        XCTAssertEqual(try read(path, c, labels: &labels).map(\.labelSet), [[0, 1]])
        XCTAssertEqual(labels.names, ["a", "b"])
    }

    func testBadLabelFieldsNameFileLineAndField() throws {
        let cases: [(DataConfig.Format, String, String, String?)] = [
            (.fasttext, "__label__a ok\nno label here\n", "no label", nil),
            (.fasttext, "__label__a ok\n__label__ text\n", "empty label name", nil),
            (.jsonl, #"{"text": "ok", "label": ["a"]}"# + "\n" + #"{"text": "x", "label": []}"# + "\n", "empty label array", "label"),
            (.jsonl, #"{"text": "ok", "label": ["a"]}"# + "\n" + #"{"text": "x", "label": ["a", 3]}"# + "\n", "label 1 is 3", "label"),
            (.jsonl, #"{"text": "ok", "label": ["a"]}"# + "\n" + #"{"text": "x", "label": {"a": 1}}"# + "\n", "expected an array", "label"),
            (.tsv, "ok\ta\nx\ta,,b\n", "empty label name at position 2", nil),
            (.tsv, "ok\ta\nno tab\n", "no tab", nil),
        ]
        for (format, text, needle, field) in cases {
            let path = try write("bad.\(format.rawValue)", text)
            var labels = LabelSet()
            let e = expectError { _ = try read(path, config(format, train: path), labels: &labels) }
            XCTAssertEqual(e?.file, path, needle)
            XCTAssertEqual(e?.line, 2, needle)
            XCTAssertEqual(e?.field, field, needle)
            XCTAssertTrue(e?.message.contains(needle) ?? false, "\(needle): \(e?.message ?? "")")
        }
    }

    func testUnknownDevLabelIsAnErrorOrSkipsTheWholeLine() throws {
        let path = try write("dev.txt", "__label__a one\n__label__a __label__z two\n__label__b three\n")
        var c = config(.fasttext, train: path)
        var labels = try LabelSet(names: ["a", "b"], isFixed: false)
        let e = expectError { _ = try read(path, c, labels: &labels, train: false) }
        XCTAssertEqual(e?.line, 2)
        XCTAssertTrue(e?.message.contains("\"z\"") ?? false, e?.message ?? "")
        c.unknownLabels = .skip
        XCTAssertEqual(try read(path, c, labels: &labels, train: false).map(\.labelSet), [[0], [1]])
    }

    func testSingleLabelReaderRefusesLabelLists() throws {
        let json = try write("x.jsonl", #"{"text": "x", "label": ["a", "b"]}"# + "\n")
        var labels = LabelSet()
        let e = expectError { _ = try read(json, DataConfig(train: json, format: .jsonl), labels: &labels) }
        XCTAssertTrue(e?.message.contains("data.multi_label") ?? false, e?.message ?? "")
        XCTAssertEqual(e?.line, 1)
        // fastText keeps the first label in training (fastText's own reading), but scoring a
        // single-label model on such lines (rnn-eval) is an error.
        let ft = try write("x.txt", "__label__a one\n__label__a __label__b two\n")
        XCTAssertEqual(try read(ft, DataConfig(train: ft, format: .fasttext), labels: &labels).map(\.label), [0, 0])
        let strict = expectError {
            _ = try CorpusReader.read(path: ft, config: DataConfig(train: ft, format: .fasttext), labels: &labels,
                                      allowNewLabels: true, singleLabelOnly: true, log: { _ in })
        }
        XCTAssertEqual(strict?.line, 2)
        XCTAssertTrue(strict?.message.contains("single-label") ?? false, strict?.message ?? "")
    }

    func testConfigFieldsAreCheckedWhereTheyAreWritten() throws {
        let train = try write("train.txt", "__label__a one\n__label__b two\n")
        func load(_ data: String, training: String = "") throws -> RunConfig {
            let path = try write("config.json", #"{"data": {"train": "train.txt", "format": "fasttext", "multi_label": true\#(data)}, "training": {"seed": 1\#(training)}}"#)
            return try RunConfig.load(path: path)
        }
        _ = train
        XCTAssertEqual(try load(#", "threshold": 0.3"#).data.threshold, .fixed(0.3))
        XCTAssertEqual(try load(#", "threshold": "tune", "dev": "train.txt""#).data.threshold, .tune)
        let cases: [(String, String, String)] = [
            (#", "threshold": "tune""#, "", "data.threshold"),
            (#", "threshold": 1"#, "", "data.threshold"),
            (#", "label_separator": """#, "", "data.label_separator"),
            ("", #", "class_weights": "balanced""#, "training.class_weights"),
            ("", #", "label_smoothing": 0.1"#, "training.label_smoothing"),
        ]
        for (data, training, field) in cases {
            let e = expectError { _ = try load(data, training: training) }
            XCTAssertEqual(e?.field, field, e?.message ?? "")
        }
        // The resolved config prints the fields and reads back equal.
        let config = try load(#", "threshold": "tune", "dev": "train.txt", "label_separator": ";""#)
        XCTAssertEqual(try RunConfig.parse(json: config.resolvedJSON(), path: folder + "/config.json"), config)
    }
}

private extension String {
    var trimmedForTest: String { trimmingCharacters(in: .whitespaces) }
}
