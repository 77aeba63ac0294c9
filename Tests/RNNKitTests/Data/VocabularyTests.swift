import Foundation
import XCTest
@testable import RNNKit

final class TokenizerTests: XCTestCase {
    func testCharacterTokensSpacesAndTruncation() {
        let text = "Ab 中\u{3000}e\u{301}!"
        let keep = Tokenizer(config: TokenizerConfig(kind: .char, maxLength: 32, keepSpaces: true))
        XCTAssertEqual(keep.tokens(text), ["A", "b", " ", "中", "\u{3000}", "e", "\u{301}", "!"])
        let drop = Tokenizer(config: TokenizerConfig(kind: .char, maxLength: 32, keepSpaces: false))
        XCTAssertEqual(drop.tokens(text), ["A", "b", "中", "e", "\u{301}", "!"])
        let short = Tokenizer(config: TokenizerConfig(kind: .char, lowercase: true, maxLength: 3))
        XCTAssertEqual(short.tokens(text), ["a", "b", " "])
        XCTAssertEqual(short.tokens(text, truncate: false).count, 8)
    }

    func testWordTokens() {
        let t = Tokenizer(config: TokenizerConfig(kind: .word, lowercase: true, maxLength: 3))
        XCTAssertEqual(t.tokens("  The  Cat\tsat\u{3000}on "), ["the", "cat", "sat"])
        XCTAssertEqual(t.tokens("one two"), ["one", "two"])
        XCTAssertEqual(t.tokens("   "), [])
    }
}

final class VocabularyTests: TemporaryFolderTestCase {
    func testOrderByCountThenScalarOrder() throws {
        // Counts: 中 3, b 3, a 3, A 3, c 1, z 2
        let sequences = [["b", "中", "a", "c"], ["A", "中", "b", "z"], ["a", "A", "中", "b", "a", "A", "z"]]
        let vocab = Vocabulary.build(sequences: sequences, minFreq: 1, maxSize: 100)
        XCTAssertEqual(vocab.tokens, ["<pad>", "<unk>", "A", "a", "b", "中", "z", "c"])
        XCTAssertEqual(vocab.counts, [0, 0, 3, 3, 3, 3, 2, 1])
        XCTAssertEqual(vocab.totalOccurrences, 15)
        XCTAssertEqual(vocab.encode(["a", "中", "q", "<pad>"]), [3, 5, 1, 0])
        XCTAssertEqual(vocab.padId, 0)
        XCTAssertEqual(vocab.unkId, 1)

        let frequent = Vocabulary.build(sequences: sequences, minFreq: 2, maxSize: 100)
        XCTAssertEqual(frequent.tokens, ["<pad>", "<unk>", "A", "a", "b", "中", "z"])
        let small = Vocabulary.build(sequences: sequences, minFreq: 1, maxSize: 4)
        XCTAssertEqual(small.tokens, ["<pad>", "<unk>", "A", "a"])
        XCTAssertEqual(small.id(of: "z"), 1)
    }

    func testRebuildFromTokensValidates() throws {
        let vocab = try Vocabulary(tokens: ["<pad>", "<unk>", "x", "y"])
        XCTAssertEqual(vocab.id(of: "y"), 3)
        XCTAssertNil(vocab.counts)
        XCTAssertNotNil(expectError { _ = try Vocabulary(tokens: ["<pad>", "<unk>", "x", "x"]) })
        XCTAssertNotNil(expectError { _ = try Vocabulary(tokens: ["<unk>", "<pad>", "x"]) })
        XCTAssertNotNil(expectError { _ = try Vocabulary(tokens: ["<pad>"]) })
    }

    func testBuildFromExamplesCountsWholeTexts() {
        let examples = [Example(text: "aab", label: 0, line: 1), Example(text: "bbbbc", label: 0, line: 2)]
        let tokenizer = Tokenizer(config: TokenizerConfig(kind: .char, maxLength: 2))
        let vocab = Vocabulary.build(examples: examples, tokenizer: tokenizer, config: VocabConfig())
        XCTAssertEqual(vocab.tokens, ["<pad>", "<unk>", "b", "a", "c"])
    }

    private func vocabulary() -> Vocabulary {
        // 中 x4, U+3000 x2, U+007F x1, q x1, plus an out-of-vocabulary token (min_freq 1 keeps all; maxSize cuts 'r').
        Vocabulary.build(sequences: [["中", "中", "\u{3000}", "q"], ["中", "\u{7F}", "中", "\u{3000}", "r"]], minFreq: 1, maxSize: 6)
    }

    func testPretrainedLoadingAndCoverage() throws {
        let vocab = vocabulary()
        XCTAssertEqual(vocab.tokens, ["<pad>", "<unk>", "中", "\u{3000}", "q", "r"].prefix(6).map { $0 })
        let path = try write("vec.txt", "5 3\n中 1 2 3\n\u{3000} -0.5 0.25 1e-2 \nzz 9 9 9\n\u{7F} 4 5 6\nr 7 8 9\n")
        var logs: [String] = []
        let vectors = try PretrainedVectors.load(path: path, vocabulary: vocab, dim: 3, log: { logs.append($0) })
        XCTAssertEqual(vectors.fileVectors, 5)
        XCTAssertEqual(Array(vectors.matrix[6..<9]), [1, 2, 3])
        XCTAssertEqual(Array(vectors.matrix[9..<12]), [-0.5, 0.25, 0.01])
        XCTAssertEqual(vectors.hasVector, [false, false, true, true, false, true])
        XCTAssertEqual(Array(vectors.matrix[12..<15]), [0, 0, 0])
        // Vocabulary: 4 tokens (中 3000 q r; U+007F was cut by max_size), 3 covered.
        XCTAssertEqual(vectors.coverage.coveredTokens, 3)
        XCTAssertEqual(vectors.coverage.vocabularyTokens, 4)
        // Occurrences: 9 in total; 中 4 + U+3000 2 + r 1 = 7 covered (U+007F is out of the vocabulary).
        XCTAssertEqual(vectors.coverage.coveredOccurrences, 7)
        XCTAssertEqual(vectors.coverage.totalOccurrences, 9)
        XCTAssertTrue(logs.last?.contains("3/4") ?? false, "\(logs)")
    }

    func testMalformedVectorFiles() throws {
        let vocab = vocabulary()
        let cases: [(String, Int, String)] = [
            ("3\n中 1 2 3\n", 1, "header"),
            ("1 4\n中 1 2 3 4\n", 1, "dimension"),
            ("2 3\n中 1 2 3\nq 1 2\n", 3, "2 values"),
            ("2 3\n中 1 2 3\nq 1 2 3 4\n", 3, "more than"),
            ("2 3\n中 1 x 3\n", 2, "not a finite number"),
            ("2 3\n中 1  3\n", 2, "empty value"),
            ("2 3\n 1 2 3\n", 2, "empty token"),
        ]
        for (i, (text, line, fragment)) in cases.enumerated() {
            let path = try write("bad\(i).txt", text)
            let e = expectError { _ = try PretrainedVectors.load(path: path, vocabulary: vocab, dim: 3, log: { _ in }) }
            XCTAssertEqual(e?.file, path, text)
            XCTAssertEqual(e?.line, line, text)
            XCTAssertTrue(e?.message.contains(fragment) ?? false, "\(text): \(e?.message ?? "")")
        }
    }
}
