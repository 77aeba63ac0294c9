import XCTest
@testable import RNNKit

final class BatcherTests: XCTestCase {
    private func randomLengths(_ n: Int, seed: UInt64) -> [Int] {
        var rng = RandomSource(seed: seed)
        return (0..<n).map { _ in 1 + rng.nextIndex(below: 40) }
    }

    func testDeterministicFromSeedAndEpoch() {
        let lengths = randomLengths(1000, seed: 3)
        for buckets in [false, true] {
            let a = Batcher(lengths: lengths, batchSize: 32, lengthBuckets: buckets, seed: 11)
            let b = Batcher(lengths: lengths, batchSize: 32, lengthBuckets: buckets, seed: 11)
            XCTAssertEqual(a.batches(epoch: 4), b.batches(epoch: 4))
            // Epoch order is regenerated without earlier epochs: calling order does not matter.
            let late = a.batches(epoch: 7)
            _ = b.batches(epoch: 0)
            XCTAssertEqual(b.batches(epoch: 7), late)
            XCTAssertNotEqual(a.batches(epoch: 0), a.batches(epoch: 1))
            XCTAssertNotEqual(a.batches(epoch: 0), Batcher(lengths: lengths, batchSize: 32, lengthBuckets: buckets, seed: 12).batches(epoch: 0))
        }
    }

    func testEveryExampleOncePerEpochAndLastPartialBatchKept() {
        let lengths = randomLengths(1003, seed: 5)
        for buckets in [false, true] {
            let batcher = Batcher(lengths: lengths, batchSize: 10, lengthBuckets: buckets, seed: 1)
            for epoch in 0..<3 {
                let batches = batcher.batches(epoch: epoch)
                XCTAssertEqual(batches.flatMap { $0 }.sorted(), Array(0..<1003))
                XCTAssertEqual(batches.count, 101)
                XCTAssertEqual(batches.filter { $0.count == 3 }.count, 1)
                XCTAssertEqual(batches.filter { $0.count != 10 && $0.count != 3 }.count, 0)
            }
        }
        XCTAssertEqual(Batcher(lengths: [], batchSize: 4, lengthBuckets: true, seed: 1).batches(epoch: 0), [])
        let eval = Batcher(lengths: lengths, batchSize: 10, lengthBuckets: true, seed: 1).evaluationBatches()
        XCTAssertEqual(eval.flatMap { $0 }.sorted(), Array(0..<1003))
    }

    func testBucketsReducePadding() {
        let lengths = randomLengths(3200, seed: 9)
        func padding(_ batches: [[Int]]) -> Int {
            batches.reduce(0) { sum, batch in
                let longest = batch.map { lengths[$0] }.max()!
                return sum + batch.reduce(0) { $0 + longest - lengths[$1] }
            }
        }
        let plain = padding(Batcher(lengths: lengths, batchSize: 32, lengthBuckets: false, seed: 2).batches(epoch: 0))
        let bucketed = padding(Batcher(lengths: lengths, batchSize: 32, lengthBuckets: true, seed: 2).batches(epoch: 0))
        XCTAssertLessThan(bucketed * 4, plain, "bucketed \(bucketed) vs plain \(plain)")
    }

    func testEncodedDatasetBatchIsTimeMajorAndPadded() throws {
        let vocab = try Vocabulary(tokens: ["<pad>", "<unk>", "a", "b", "c"])
        let tokenizer = Tokenizer(config: TokenizerConfig(kind: .char, maxLength: 3))
        let examples = [Example(text: "abca", label: 1, line: 4), Example(text: "b", label: 0, line: 7), Example(text: "cx", label: 2, line: 9)]
        let data = EncodedDataset(examples: examples, tokenizer: tokenizer, vocabulary: vocab)
        XCTAssertEqual(data.sequences, [[2, 3, 4], [3], [4, 1]])
        XCTAssertEqual(data.lines, [4, 7, 9])
        let batch = data.batch([2, 0], padId: vocab.padId)
        XCTAssertEqual(batch.steps, 3)
        XCTAssertEqual(batch.ids, [4, 2, 1, 3, 0, 4])
        XCTAssertEqual(batch.lengths, [2, 3])
        XCTAssertEqual(batch.labels, [2, 1])
        let predict = EncodedDataset(texts: ["ab", ""], tokenizer: tokenizer, vocabulary: vocab)
        XCTAssertEqual(predict.labels, [], "unlabelled text carries no labels")
        XCTAssertEqual(predict.batch([0, 1], padId: vocab.padId).labels, [])
        XCTAssertEqual(predict.lines, [1, 2])
        XCTAssertEqual(predict.lengths, [2, 0])
    }
}
