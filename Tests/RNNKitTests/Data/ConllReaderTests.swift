import Foundation
import XCTest
@testable import RNNKit

final class ConllReaderTests: TemporaryFolderTestCase {
    func testIntentsCommentsDocstartColumnsBOMAndCRLF() throws {
        let text = "-DOCSTART- -X- O O\r\n\r\n# intent = atis_flight\r\n# sent_id = 1\r\nfrom\tIN\tO\r\nnew york\tNNP\tB-fromloc.city_name\r\n"
            + "\n\n\n#intent=atis_airfare#atis_flight\nfares\tO\n#\tO\n\nEU NNP B-ORG\nrejects VBZ O\n"
        let path = try write("a.conll", bytes: [0xEF, 0xBB, 0xBF] + Array(text.utf8))
        var logs: [String] = []
        let (sentences, summary) = try ConllReader.read(path: path) { logs.append($0) }
        XCTAssertEqual(sentences, [
            TaggedSentence(tokens: ["from", "new york"], tags: ["O", "B-fromloc.city_name"], intent: "atis_flight", line: 5),
            TaggedSentence(tokens: ["fares", "#"], tags: ["O", "O"], intent: "atis_airfare#atis_flight", line: 11),
            TaggedSentence(tokens: ["EU", "rejects"], tags: ["B-ORG", "O"], intent: nil, line: 14),
        ])
        XCTAssertEqual(summary.sentences, 3)
        XCTAssertEqual(summary.tokens, 6)
        XCTAssertEqual(summary.intents, ["atis_flight", "atis_airfare#atis_flight"])
        XCTAssertEqual(summary.sentencesWithoutIntent, 1)
        XCTAssertEqual(logs.last, "a.conll: 3 sentences, 6 tokens, 3 tags, 2 intents")
    }

    /// Each bad input names the file and the line, as an input error (exit 2).
    func testErrorsNameFileAndLine() throws {
        let cases: [(String, Int, String)] = [
            ("a\tO\nlonely\n", 2, "no tag column"),
            ("a\tO\n\tO\n", 2, "empty token"),
            ("a\t\n", 1, "empty tag"),
            ("a\tB-X\u{1}\n", 1, "control character"),
            ("a\tB X\n", 1, "control character or space"),
            ("# intent = x\n\na\tO\n", 1, "no tokens"),
            ("# intent = x\n", 1, "no tokens"),
            ("a\tO\n# intent = x\n", 2, "after the sentence's tokens"),
            ("# intent = x\n# intent = y\na\tO\n", 2, "second"),
            ("# intent =\na\tO\n", 1, "empty intent"),
        ]
        for (i, (text, line, message)) in cases.enumerated() {
            let path = try write("bad\(i).conll", text)
            let e = expectError { _ = try ConllReader.read(path: path) }
            XCTAssertEqual(e?.file, path, text)
            XCTAssertEqual(e?.line, line, text)
            XCTAssertEqual(e?.kind, .input, text)
            XCTAssertTrue(e?.message.contains(message) ?? false, "\(text): \(e?.message ?? "")")
        }
    }

    func testInvalidUTF8FollowsThePolicy() throws {
        let path = try write("u.conll", bytes: Array("ok\tO\n".utf8) + [0x61, 0xFF, 0x09, 0x4F, 0x0A])
        var logs: [String] = []
        let (sentences, summary) = try ConllReader.read(path: path) { logs.append($0) }
        XCTAssertEqual(sentences.first?.tokens, ["ok", "a\u{FFFD}"])
        XCTAssertEqual(summary.invalidUTF8Lines, 1)
        XCTAssertTrue(logs.contains { $0.contains("invalid UTF-8") && $0.contains("line 2") }, "\(logs)")
        let e = expectError { _ = try ConllReader.read(path: path, invalidUTF8: .error) }
        XCTAssertEqual(e?.line, 2)
    }

    /// The shared ATIS files: the counts in `../shared/data/README.md`, and every tag valid IOB2.
    func testSharedATISCounts() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../../../shared/data/atis").standardized.path
        guard FileManager.default.fileExists(atPath: folder + "/train.conll") else {
            throw XCTSkip("../shared/data/atis is absent (looked in \(folder)): the ATIS count check is skipped")
        }
        for (file, sentences, tokens, intents, tags) in [("train", 4_478, 50_497, 21, 120), ("dev", 500, 5_703, 16, 96)] {
            let (read, summary) = try ConllReader.read(path: "\(folder)/\(file).conll")
            XCTAssertEqual(summary.sentences, sentences, file)
            XCTAssertEqual(summary.tokens, tokens, file)
            XCTAssertEqual(summary.intents.count, intents, file)
            XCTAssertEqual(summary.tags.count, tags, file)
            XCTAssertEqual(summary.sentencesWithoutIntent, 0, file)
            XCTAssertTrue(summary.tags.allSatisfy(TagScheme.iob2.isValid(tag:)), file)
            XCTAssertTrue(read.allSatisfy { $0.tokens.count == $0.tags.count }, file)
        }
    }
}
