import Foundation
import XCTest
@testable import RNNKit

/// Reference rows come from fastText itself (PyPI `fasttext-numpy2` 0.10.4), trained on the two
/// lines `__label__a the cat sat 中国 é` / `__label__b dog` with `minCount 1, bucket 101,
/// wordNgrams 3, minn 2, maxn 3`: vocabulary `</s> the cat sat 中国 é dog` (ids 0...6, V = 7).
/// `get_subwords` gave the per-word rows; the per-line rows were read back from
/// `get_sentence_vector` with an identity input matrix (row r = unit vector r), which returns the
/// count of every row in the line's bag (fastText appends `</s>` to the line).
final class NGramHasherTests: XCTestCase {
    private let hasher = NGramHasher(vocabularySize: 7, buckets: 101, tokenNgrams: 3, characterNgrams: 2...3)

    private func rows(_ tokens: [String], _ ids: [Int32], _ h: NGramHasher? = nil) -> [Int32] {
        var out: [Int32] = [], scratch: [UInt32] = []
        (h ?? hasher).appendFeatures(tokens: tokens, ids: ids, to: &out, scratch: &scratch)
        return out
    }

    func testSubwordsMatchFastText() {
        XCTAssertEqual(rows(["cat"], [2]), [2, 19, 22, 101, 70, 19, 27, 45])
        XCTAssertEqual(rows(["中国"], [4]), [4, 50, 29, 44, 91, 21])
        XCTAssertEqual(rows(["é"], [5]), [5, 107, 64, 14])
        XCTAssertEqual(rows(["zzz"], [-1]), [28, 38, 48, 18, 48, 56, 79])   // unknown word: no word row
        XCTAssertEqual(rows(["</s>"], [0]), [0])                             // no subwords for </s>
    }

    /// Whole lines: word rows, subwords and the hashed word 2- and 3-grams, as multisets.
    func testLinesMatchFastText() {
        func counts(_ rows: [Int32]) -> [Int32: Int] { rows.reduce(into: [:]) { $0[$1, default: 0] += 1 } }
        let line = rows(["the", "cat", "zzz", "中国", "</s>"], [1, 2, -1, 4, 0])
        let expected: [Int32: Int] = [0: 1, 1: 1, 2: 1, 4: 1, 11: 1, 18: 1, 19: 2, 21: 1, 22: 1, 27: 2, 28: 1, 29: 1, 33: 1,
                                      35: 1, 38: 2, 40: 1, 44: 1, 45: 1, 47: 1, 48: 3, 50: 1, 56: 1, 59: 1, 63: 1, 70: 1,
                                      79: 1, 84: 1, 85: 1, 90: 1, 91: 1, 93: 1, 101: 1]
        XCTAssertEqual(counts(line), expected)
        XCTAssertEqual(counts(rows(["dog", "</s>"], [6, 0])), [0: 1, 6: 1, 21: 1, 27: 1, 31: 1, 47: 1, 65: 1, 73: 1, 87: 1, 101: 1])
    }

    /// The hash itself: FNV-1a with sign-extended bytes. For ASCII it is textbook FNV-1a
    /// ("a" = 0xE40C292C); for bytes >= 0x80 the sign extension changes it.
    func testHashKeepsFastTextsSignExtension() {
        XCTAssertEqual(NGramHasher.hash(Array("".utf8)), 2_166_136_261)
        XCTAssertEqual(NGramHasher.hash(Array("a".utf8)), 0xE40C_292C)
        var textbook: UInt32 = 2_166_136_261
        for byte in "中".utf8 { textbook = (textbook ^ UInt32(byte)) &* 16_777_619 }
        XCTAssertNotEqual(NGramHasher.hash(Array("中".utf8)), textbook)
    }

    /// Character tokens with token n-grams only (the Chinese setting): one vocabulary row per
    /// character, then n-1 bigrams and n-2 trigrams, all inside the bucket range; deterministic.
    func testCharacterTokensGiveTokenNgrams() {
        let h = NGramHasher(vocabularySize: 10, buckets: 1000, tokenNgrams: 3)
        let out = rows(["国", "足", "主", "帅"], [2, 3, 4, 5], h)
        XCTAssertEqual(Array(out.prefix(4)), [2, 3, 4, 5])
        XCTAssertEqual(out.count, 4 + 3 + 2)
        XCTAssertTrue(out.dropFirst(4).allSatisfy { $0 >= 10 && $0 < 1010 })
        XCTAssertEqual(out, rows(["国", "足", "主", "帅"], [2, 3, 4, 5], h))
        XCTAssertEqual(rows([], [], h), [])
        XCTAssertEqual(rows(["x"], [7], h), [7])
    }

    /// THUCNews train (characters, token n-grams 1-3, 2M buckets): every line's rows counted and in
    /// range. (Its speed is a benchmark's business, not a test's.)
    func testEveryTHUCNewsLineHashesInRange() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../../../shared/data/thucnews/train.tsv").standardized.path
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw XCTSkip("../shared/data/thucnews/train.tsv is absent: the THUCNews check is skipped")
        }
        let lines = text.split(separator: "\n").map { line in line.split(separator: "\t").first.map { $0.map(String.init) } ?? [] }
        let h = NGramHasher(vocabularySize: 5000, buckets: 2_000_000, tokenNgrams: 3, characterNgrams: nil)
        let ids = lines.map { [Int32](repeating: 2, count: $0.count) }
        var bags = RaggedRows(), scratch: [UInt32] = []
        for (tokens, lineIds) in zip(lines, ids) { bags.appendBag { h.appendFeatures(tokens: tokens, ids: lineIds, to: &$0, scratch: &scratch) } }
        XCTAssertEqual(bags.count, lines.count)
        XCTAssertEqual(bags.ids.count, lines.reduce(0) { $0 + 3 * $1.count - 3 })   // n + (n-1) + (n-2) per line (all have >= 4 characters)
        XCTAssertTrue(bags.ids.allSatisfy { $0 >= 0 && Int($0) < h.rowCount })
    }
}
