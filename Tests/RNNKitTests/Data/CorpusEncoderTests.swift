import Foundation
import XCTest
@testable import RNNKit

/// RunData reads its files straight into token ids (CorpusEncoder) instead of
/// keeping every text: the result must be exactly what reading the texts,
/// building the vocabulary from them and encoding them gives.
final class CorpusEncoderTests: TemporaryFolderTestCase {
    /// Lines of words from a small pool, some longer than max_length, with the
    /// literal tokens <pad> and <unk>, blank lines and empty texts.
    private func corpus(lines: Int, seed: UInt64) -> String {
        var rng = RandomSource(seed: seed)
        let pool = ["a", "b", "cc", "中", "文", "<unk>", "<pad>", "dd", "e", "ff", "g", "hh", "新闻"]
        var text = ""
        for i in 0..<lines {
            if i % 17 == 5 { text += "\n"; continue }
            if i % 23 == 7 { text += "   \tneg\n"; continue }
            let count = 1 + rng.nextIndex(below: 14)
            let words = (0..<count).map { _ in pool[rng.nextIndex(below: pool.count - (i % 3))] }
            text += words.joined(separator: i % 2 == 0 ? " " : "  ") + "\t" + ["pos", "neg", "mid"][i % 3] + "\n"
        }
        return text
    }

    private func config(kind: String, minFreq: Int, maxSize: Int, train: String, dev: String) throws -> RunConfig {
        try RunConfig.parse(json: """
            {"data": {"train": "\(train)", "dev": "\(dev)"},
             "tokenizer": {"kind": "\(kind)", "max_length": 6},
             "vocab": {"min_freq": \(minFreq), "max_size": \(maxSize)},
             "embedding": {"dim": 4}, "model": {"hidden_size": 4}, "output": {"dir": "\(folder)/run"}}
            """, path: folder + "/config.json")
    }

    /// The reference: whole texts in memory, then vocabulary, then encoding.
    private func reference(_ config: RunConfig, vocabulary saved: Vocabulary? = nil)
        throws -> (LabelSet, Vocabulary, EncodedDataset, EncodedDataset) {
        var labels = LabelSet()
        let train = try CorpusReader.read(path: config.data.train, config: config.data, labels: &labels,
                                          allowNewLabels: true, log: { _ in })
        let tokenizer = Tokenizer(config: config.tokenizer)
        let vocabulary = saved ?? Vocabulary.build(examples: train, tokenizer: tokenizer, config: config.vocab)
        var fixed = try LabelSet(names: labels.names, isFixed: true)
        let dev = try CorpusReader.read(path: config.data.dev!, config: config.data, labels: &fixed,
                                        allowNewLabels: false, log: { _ in })
        return (labels, vocabulary, EncodedDataset(examples: train, tokenizer: tokenizer, vocabulary: vocabulary),
                EncodedDataset(examples: dev, tokenizer: tokenizer, vocabulary: vocabulary))
    }

    private func assertSame(_ a: EncodedDataset, _ b: EncodedDataset, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.sequences, b.sequences, file: file, line: line)
        XCTAssertEqual(a.labels, b.labels, file: file, line: line)
        XCTAssertEqual(a.lines, b.lines, file: file, line: line)
    }

    func testStreamedEncodingEqualsEncodingTheKeptTexts() throws {
        let train = try write("train.tsv", corpus(lines: 600, seed: 3))
        let dev = try write("dev.tsv", corpus(lines: 90, seed: 4))
        for (kind, minFreq, maxSize) in [("word", 1, 10_000), ("word", 40, 8), ("char", 2, 9), ("char", 1, 10_000)] {
            let config = try config(kind: kind, minFreq: minFreq, maxSize: maxSize, train: train, dev: dev)
            let (labels, vocabulary, expectedTrain, expectedDev) = try reference(config)
            var logs: [String] = []
            let data = try RunData.load(config: config, log: { logs.append($0) })
            XCTAssertEqual(data.labels, labels, "\(kind)")
            XCTAssertEqual(data.vocabulary.tokens, vocabulary.tokens, "\(kind) \(minFreq) \(maxSize)")
            XCTAssertEqual(data.vocabulary.counts, vocabulary.counts, "\(kind)")
            XCTAssertEqual(data.vocabulary.totalOccurrences, vocabulary.totalOccurrences, "\(kind)")
            assertSame(data.train, expectedTrain)
            assertSame(try XCTUnwrap(data.dev), expectedDev)
            // Truncation happened, and some ids are <unk> when the vocabulary is cut.
            XCTAssertEqual(data.train.sequences.map(\.count).max(), 6)
            if maxSize < 100 { XCTAssertTrue(data.train.sequences.contains { $0.contains(data.vocabulary.unkId) }) }
            let memory = try XCTUnwrap(logs.first { $0.hasPrefix("data in memory:") })
            let ids = data.train.sequences.reduce(0) { $0 + $1.count } + data.dev!.sequences.reduce(0) { $0 + $1.count }
            XCTAssertTrue(memory.contains("\(data.train.count + data.dev!.count) examples as \(ids) token ids"), memory)
        }
    }

    func testResumedRunEncodesWithTheSavedVocabulary() throws {
        let train = try write("train.tsv", corpus(lines: 300, seed: 5))
        let dev = try write("dev.tsv", corpus(lines: 40, seed: 6))
        let config = try config(kind: "word", minFreq: 1, maxSize: 10_000, train: train, dev: dev)
        // A saved vocabulary that differs from what this file would give.
        let saved = try Vocabulary(tokens: ["<pad>", "<unk>", "e", "中", "a", "zz"])
        let (_, _, expectedTrain, expectedDev) = try reference(config, vocabulary: saved)
        let data = try RunData.load(config: config, vocabulary: saved, labelNames: ["mid", "pos", "neg"], log: { _ in })
        XCTAssertEqual(data.vocabulary.tokens, saved.tokens)
        XCTAssertEqual(data.labels.names, ["mid", "pos", "neg"])
        // Label ids follow the saved order, so compare through the names.
        XCTAssertEqual(data.train.sequences, expectedTrain.sequences)
        XCTAssertEqual(data.train.lines, expectedTrain.lines)
        XCTAssertEqual(data.dev!.sequences, expectedDev.sequences)
        let names = ["pos", "neg", "mid"]
        XCTAssertEqual(data.train.labels.map { data.labels.names[$0] }, expectedTrain.labels.map { names[$0] })
    }
}
