import Foundation
import XCTest
@testable import RNNKit

/// The small version of `make load`: every input line gets exactly one output
/// line, in order, whatever the line holds (empty, CRLF, invalid UTF-8, very
/// long, no final newline), with batches cut by size and by input arrival.
final class PredictionStreamCountTests: TemporaryFolderTestCase {
    private func tinyPredictor() throws -> LinePredictor {
        let config = try RunConfig.parse(json: """
            {"data": {"train": "\(folder)/train.tsv"}, "tokenizer": {"kind": "char", "max_length": 8},
             "embedding": {"dim": 4}, "model": {"kind": "textrnn", "cell": "gru", "hidden_size": 4},
             "output": {"dir": "\(folder)/run"}}
            """, path: folder + "/config.json")
        let vocabulary = try Vocabulary(tokens: ["<pad>", "<unk>", "a", "b", "c", "中", " "])
        let labels = ["zero", "one", "two"]
        let spec = ModelSpec(config: config, vocabularySize: vocabulary.count, classCount: labels.count,
                             padId: Int(vocabulary.padId))
        try spec.validate()
        var rng = RandomSource(seed: 7)
        let trained = TrainedModel(config: config, tokenizer: Tokenizer(config: config.tokenizer), vocabulary: vocabulary,
                                   labels: labels, model: TextClassifier(spec: spec, rng: &rng))
        return try LinePredictor(trained: trained, format: PredictionFormat())
    }

    func testEveryLineIsAnsweredOnceInOrder() throws {
        let lineCount = 20_000
        var bytes: [UInt8] = []
        bytes.reserveCapacity(lineCount * 12)
        var rng = RandomSource(seed: 11)
        for i in 0..<lineCount {
            switch i % 1000 {
            case 3: break                                                        // empty line
            case 4: bytes += [0xFF, 0x61, 0xC3]                                  // invalid UTF-8
            case 5: bytes += Array(repeating: UInt8(ascii: "b"), count: 100_000) // a long line
            case 6: bytes += Array("ab\r".utf8)                                  // CRLF
            default:
                for _ in 0..<(1 + rng.nextIndex(below: 12)) { bytes += Array(["a", "b", "c", "中", " ", "x"][rng.nextIndex(below: 6)].utf8) }
            }
            if i < lineCount - 1 { bytes.append(0x0A) }                          // the last line has no newline
        }
        let path = try write("input.txt", bytes: bytes)
        let predictor = try tinyPredictor()
        for batchSize in [300] {
            let fd = open(path, O_RDONLY)
            XCTAssertGreaterThanOrEqual(fd, 0)
            defer { close(fd) }
            var output: [UInt8] = []
            var writes = 0
            var warnings: [String] = []
            let answered = try PredictionStream.run(predictor: predictor, input: fd, options: .init(batchSize: batchSize),
                                                    write: { output += $0; writes += 1 },
                                                    warn: { warnings.append($0) })
            XCTAssertEqual(answered, lineCount)
            let lines = output.split(separator: 0x0A, omittingEmptySubsequences: false)
            XCTAssertEqual(lines.count, lineCount + 1, "one newline-terminated answer per input line")
            XCTAssertEqual(lines.last?.isEmpty, true)
            let labels: Set<String> = ["zero", "one", "two"]
            for line in lines.dropLast() {
                let fields = String(decoding: line, as: UTF8.self).split(separator: "\t")
                XCTAssertEqual(fields.count, 2)
                XCTAssertTrue(labels.contains(String(fields[0])))
                guard let p = Float(fields[1]) else { XCTFail("probability \(fields[1])"); break }
                XCTAssertTrue(p > 0 && p <= 1)
            }
            let readAhead = PredictionStream.Options(batchSize: batchSize).readAhead
            XCTAssertGreaterThanOrEqual(writes, lineCount / readAhead, "answers are written at least every readAhead lines")
            XCTAssertEqual(warnings.count, 1)
        }
    }

    /// A call with more texts than `batchSize` runs length-bucketed batches (the stream reads up to
    /// 32 batches ahead): the answers, probabilities and logits alike, are those of one batch
    /// holding every text, bitwise and in input order.
    func testBucketedBatchesAnswerAsOneBatch() throws {
        let predictor = try tinyPredictor()
        var rng = RandomSource(seed: 5)
        let texts = (0..<40).map { i in
            String((0..<(i % 7 == 0 ? 0 : 1 + rng.nextIndex(below: 9))).map { _ in ["a", "b", "c", "中", " "][rng.nextIndex(below: 5)] }.joined())
        }
        predictor.batchSize = 1000
        let one = predictor.probabilities(texts), oneLogits = predictor.logits(texts)
        predictor.batchSize = 3
        XCTAssertEqual(predictor.probabilities(texts), one)
        XCTAssertEqual(predictor.logits(texts), oneLogits)
        XCTAssertEqual(oneLogits.count, texts.count)
    }

    /// Long lines waiting in the input are answered once `readAheadBytes` of them are buffered,
    /// long before `readAhead` lines: the filter's memory stays bounded by bytes too.
    func testReadAheadIsBoundedByBytes() throws {
        let line = Array(repeating: UInt8(ascii: "a"), count: 1_000) + [0x0A]
        let path = try write("long.txt", bytes: Array([[UInt8]](repeating: line, count: 50).joined()))
        let fd = open(path, O_RDONLY)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        var options = PredictionStream.Options(batchSize: 128)
        options.readAheadBytes = 4_000
        var writes = 0
        let answered = try PredictionStream.run(predictor: try tinyPredictor(), input: fd, options: options,
                                                write: { _ in writes += 1 }, warn: { _ in })
        XCTAssertEqual(answered, 50)
        XCTAssertEqual(writes, 13, "a write after every 4 lines of 1,000 bytes, and the last 2")
    }
}
