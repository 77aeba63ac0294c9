import Foundation
import XCTest
@testable import RNNKit

final class LineReaderTests: TemporaryFolderTestCase {
    func testBOMCRLFFinalLineAndSmallBuffer() throws {
        let long = String(repeating: "x", count: 100)
        let path = try write("a.txt", bytes: [0xEF, 0xBB, 0xBF] + Array("one\r\n\r\n\(long)\ntwo\rx\nlast".utf8))
        let reader = LineReader(fileDescriptor: open(path, O_RDONLY), name: path, closeWhenDone: true, bufferSize: 16)
        var lines: [LineReader.Line] = []
        while let line = try reader.nextLine() { lines.append(line) }
        XCTAssertEqual(lines.map { String(decoding: $0.bytes, as: UTF8.self) }, ["one", "", long, "two\rx", "last"])
        XCTAssertEqual(lines.map(\.number), [1, 2, 3, 4, 5])
        XCTAssertEqual(lines.map(\.offset), [3, 8, 10, 111, 117])
        XCTAssertNil(try reader.nextLine())
    }

    func testEmptyFileAndMissingFile() throws {
        let path = try write("empty.txt", "")
        XCTAssertNil(try LineReader(path: path).nextLine())
        let e = expectError { _ = try LineReader(path: folder + "/missing.txt") }
        XCTAssertEqual(e?.file, folder + "/missing.txt")
        XCTAssertEqual(e?.kind, .input)
    }

    func testPipeYieldsALineBeforeTheWriterCloses() throws {
        let pipe = Pipe()
        let reader = LineReader(fileDescriptor: pipe.fileHandleForReading.fileDescriptor, name: "<pipe>")
        pipe.fileHandleForWriting.write(Data("first line\nsecond".utf8))
        // The writer is still open: a reader that waited to fill its buffer would block here.
        let first = try reader.nextLine()
        XCTAssertEqual(first.map { String(decoding: $0.bytes, as: UTF8.self) }, "first line")
        pipe.fileHandleForWriting.closeFile()
        XCTAssertEqual(try reader.nextLine().map { String(decoding: $0.bytes, as: UTF8.self) }, "second")
        XCTAssertNil(try reader.nextLine())
    }

    func testUTF8Validation() {
        XCTAssertNil(UTF8LineDecoder.firstInvalidByte(in: Array("abc中😀é".utf8)))
        XCTAssertEqual(UTF8LineDecoder.firstInvalidByte(in: [0x61, 0xFF, 0x62]), 1)
        XCTAssertEqual(UTF8LineDecoder.firstInvalidByte(in: [0x61, 0xE4, 0xB8]), 1)          // truncated
        XCTAssertEqual(UTF8LineDecoder.firstInvalidByte(in: [0xC0, 0x80]), 0)                // overlong
        XCTAssertEqual(UTF8LineDecoder.firstInvalidByte(in: [0x61, 0xED, 0xA0, 0x80]), 1)    // surrogate
        XCTAssertEqual(UTF8LineDecoder.firstInvalidByte(in: [0xF4, 0x90, 0x80, 0x80]), 0)    // > U+10FFFF
    }
}

final class CorpusReaderTests: TemporaryFolderTestCase {
    private var logs: [String] = []
    private func log(_ s: String) { logs.append(s) }

    private func read(_ path: String, _ config: DataConfig, labels: inout LabelSet, train: Bool = true) throws -> [Example] {
        try CorpusReader.read(path: path, config: config, labels: &labels, allowNewLabels: train, log: log)
    }

    func testTSVWithBOMCRLFBlankLinesTabsAndNoFinalNewline() throws {
        let path = try write("train.tsv", bytes: [0xEF, 0xBB, 0xBF] + Array("体育新闻\tsports\r\n\r\n  \na\tb\tfinance\n\t\tsports\n今天\tsports".utf8))
        var labels = LabelSet()
        let examples = try read(path, DataConfig(train: path), labels: &labels)
        XCTAssertEqual(examples, [Example(text: "体育新闻", label: 0, line: 1), Example(text: "a\tb", label: 1, line: 4),
                                  Example(text: "今天", label: 0, line: 6)])
        XCTAssertEqual(labels.names, ["sports", "finance"])
        XCTAssertEqual(logs.last, "train.tsv: 3 examples, 2 classes, 2 blank lines skipped, 1 empty text skipped")
        XCTAssertTrue(logs.contains { $0.contains("empty text") && $0.contains("line 5") }, "\(logs)")
    }

    func testMissingTabNamesFileAndLine() throws {
        let path = try write("train.tsv", "ok\t1\nno tab here\n")
        var labels = LabelSet()
        let e = expectError { _ = try self.read(path, DataConfig(train: path), labels: &labels) }
        XCTAssertEqual(e?.file, path)
        XCTAssertEqual(e?.line, 2)
        XCTAssertTrue(e?.description.hasPrefix("\(path):2: error:") ?? false)
    }

    func testClassesFileIndicesAndOutOfRange() throws {
        let classes = try write("classes.txt", "finance\nrealty\nstocks")   // no final newline, like THUCNews
        let path = try write("train.tsv", "a\t2\nb\t0\nc\trealty\n")
        var config = DataConfig(train: path, classes: classes)
        config.classes = classes
        var labels = try CorpusReader.initialLabels(for: config)
        XCTAssertEqual(labels.names, ["finance", "realty", "stocks"])
        XCTAssertEqual(try read(path, config, labels: &labels).map(\.label), [2, 0, 1])
        XCTAssertEqual(logs.last, "train.tsv: 3 examples, 3 classes, 0 blank lines skipped, 0 empty texts skipped")

        let bad = try write("dev.tsv", "a\t1\nb\t3\n")
        let e = expectError { _ = try self.read(bad, config, labels: &labels, train: false) }
        XCTAssertEqual(e?.file, bad)
        XCTAssertEqual(e?.line, 2)
        XCTAssertTrue(e?.message.contains("out of range") ?? false)
        let unknownName = try write("dev2.tsv", "a\tsports\n")
        XCTAssertEqual(expectError { _ = try self.read(unknownName, config, labels: &labels) }?.line, 1)
    }

    func testUnknownDevLabelIsAnErrorOrSkipped() throws {
        let train = try write("train.tsv", "a\tx\nb\ty\n")
        let dev = try write("dev.tsv", "c\tx\nd\tz\ne\ty\n")
        var config = DataConfig(train: train)
        var labels = LabelSet()
        _ = try read(train, config, labels: &labels)
        let e = expectError { _ = try self.read(dev, config, labels: &labels, train: false) }
        XCTAssertEqual(e?.file, dev)
        XCTAssertEqual(e?.line, 2)
        XCTAssertTrue(e?.message.contains("\"z\"") ?? false)
        config.unknownLabels = .skip
        let examples = try read(dev, config, labels: &labels, train: false)
        XCTAssertEqual(examples.map(\.line), [1, 3])
        XCTAssertEqual(labels.names, ["x", "y"])
        XCTAssertEqual(logs.last, "dev.tsv: 2 examples, 2 classes, 0 blank lines skipped, 0 empty texts skipped, 1 unknown label skipped")
    }

    func testInvalidUTF8ReplacedWithOneWarningOrError() throws {
        let path = try write("train.tsv", bytes: Array("ok\tx\n".utf8) + [0x61, 0xFF, 0x62, 0x09, 0x78, 0x0A] + [0xC3, 0x09, 0x78, 0x0A])
        var config = DataConfig(train: path)
        var labels = LabelSet()
        let examples = try read(path, config, labels: &labels)
        XCTAssertEqual(examples.map(\.text), ["ok", "a\u{FFFD}b", "\u{FFFD}"])
        let warnings = logs.filter { $0.contains("invalid UTF-8") }
        XCTAssertEqual(warnings.count, 1)
        XCTAssertTrue(warnings[0].contains("2 lines") && warnings[0].contains("line 2") && warnings[0].contains("byte offset 6"), warnings[0])

        config.invalidUTF8 = .error
        var labels2 = LabelSet()
        let e = expectError { _ = try self.read(path, config, labels: &labels2) }
        XCTAssertEqual(e?.file, path)
        XCTAssertEqual(e?.line, 2)
        XCTAssertTrue(e?.message.contains("byte offset 6") ?? false, e?.message ?? "")
    }

    func testFastTextFirstLabelAndCustomPrefix() throws {
        let path = try write("train.txt", "__label__sports __label__news Great game  \n__label__tech phone\nno label\n")
        var config = DataConfig(train: path, format: .fasttext)
        var labels = LabelSet()
        let e = expectError { _ = try self.read(path, config, labels: &labels) }
        XCTAssertEqual(e?.line, 3)
        XCTAssertEqual(e?.file, path)
        let good = try write("good.txt", "#sports Great game\n#tech  phone\n")
        config.labelPrefix = "#"
        var labels2 = LabelSet()
        let examples = try read(good, config, labels: &labels2)
        XCTAssertEqual(examples.map(\.text), ["Great game", "phone"])
        XCTAssertEqual(labels2.names, ["sports", "tech"])
        let path3 = try write("multi.txt", "__label__a __label__b text here\n")
        var labels3 = LabelSet()
        XCTAssertEqual(try read(path3, DataConfig(train: path3, format: .fasttext), labels: &labels3).map(\.text), ["text here"])
        XCTAssertEqual(labels3.names, ["a"])
    }

    func testJSONLinesGoodAndBad() throws {
        let path = try write("train.jsonl", "{\"text\": \"hello\", \"label\": \"pos\"}\n{\"label\": \"neg\", \"text\": \"bad \\\"x\\\"\"}\n")
        var labels = LabelSet()
        let examples = try read(path, DataConfig(train: path, format: .jsonl), labels: &labels)
        XCTAssertEqual(examples.map(\.text), ["hello", "bad \"x\""])
        XCTAssertEqual(examples.map(\.label), [0, 1])

        let badJSON = try write("bad.jsonl", "{\"text\": \"a\", \"label\": 1}\n{\"text\": \"a\" \"label\": 1}\n")
        var labels2 = LabelSet()
        let e = expectError { _ = try self.read(badJSON, DataConfig(train: badJSON, format: .jsonl), labels: &labels2) }
        XCTAssertEqual(e?.file, badJSON)
        XCTAssertEqual(e?.line, 2)

        var config = DataConfig(train: badJSON, format: .jsonl)
        config.textField = "body"
        let missing = try write("missing.jsonl", "{\"body\": \"a\", \"label\": 0}\n{\"text\": \"a\", \"label\": 0}\n")
        var labels3 = LabelSet()
        let e2 = expectError { _ = try self.read(missing, config, labels: &labels3) }
        XCTAssertEqual(e2?.line, 2)
        XCTAssertEqual(e2?.field, "body")
        XCTAssertEqual(e2?.file, missing)

        // Integer labels index the classes file.
        let classes = try write("c.txt", "neg\npos\n")
        config.classes = classes
        var fixed = try CorpusReader.initialLabels(for: config)
        let ints = try write("ints.jsonl", "{\"body\": \"a\", \"label\": 1}\n{\"body\": \"b\", \"label\": \"neg\"}\n")
        XCTAssertEqual(try read(ints, config, labels: &fixed).map(\.label), [1, 0])
    }

    func testClassesFileErrors() throws {
        let dup = try write("dup.txt", "a\nb\na\n")
        XCTAssertEqual(expectError { _ = try LabelSet.load(classesFile: dup) }?.line, 3)
        let gap = try write("gap.txt", "a\n\nb\n")
        XCTAssertEqual(expectError { _ = try LabelSet.load(classesFile: gap) }?.line, 2)
    }

    func testStreamingMatchesRead() throws {
        let path = try write("train.tsv", (0..<50).map { "text \($0)\t\($0 % 3)" }.joined(separator: "\n"))
        var labels = LabelSet(), labels2 = LabelSet()
        let all = try read(path, DataConfig(train: path), labels: &labels)
        var streamed: [Example] = []
        let summary = try CorpusReader.forEachExample(path: path, config: DataConfig(train: path), labels: &labels2,
                                                      allowNewLabels: true, log: { _ in }) { streamed.append($0) }
        XCTAssertEqual(all, streamed)
        XCTAssertEqual(summary.examples, 50)
        XCTAssertEqual(labels.names, ["0", "1", "2"])
    }
}
