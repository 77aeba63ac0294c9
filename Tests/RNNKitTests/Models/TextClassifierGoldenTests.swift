import XCTest
@testable import RNNKit

/// The three PyTorch model files: every intermediate, the loss and every parameter gradient.
final class TextClassifierGoldenTests: XCTestCase {
    private func spec(_ kind: ModelKind, layers: Int, pooling: PoolingKind = .last,
                      variant: RCNNVariant = .paper, projection: Int = 0) -> ModelSpec {
        ModelSpec(kind: kind, cell: .lstm, vocabularySize: 11, embeddingDim: 5, hiddenSize: 4, layers: layers,
                  bidirectional: true, dropout: 0, pooling: pooling, rcnnVariant: variant,
                  rcnnProjectionSize: projection, classCount: 3, padId: 10)
    }

    /// Builds the model, copies the file's weights by name (every parameter must be in the
    /// file and vice versa), runs forward, loss and backward.
    private func run(_ name: String, _ spec: ModelSpec) throws
        -> (GoldenFile, TextClassifier, TrainingWorkspace, Tensor, Float, Batch) {
        let golden = try GoldenFile(name)
        var rng = RandomSource(seed: 1)
        let model = TextClassifier(spec: spec, rng: &rng)
        let fileParameters = golden.tensors.keys.filter { !$0.hasPrefix("grad_") && $0.contains(".") }
        XCTAssertEqual(Set(model.parameters.map(\.name)), Set(fileParameters), "\(name): parameter names")
        for p in model.parameters {
            XCTAssertEqual(p.shape, golden.shape(p.name), p.name)
            p.value.copy(from: Tensor(p.shape, values: golden.floats(p.name)))
        }
        let batch = LayerTestSupport.batch(golden: golden, padId: 10, labels: golden.ints("labels"))
        model.parameters.zeroGrads()
        let (logits, cache) = model.trainingForward(batch, rng: &rng)
        let (loss, _, dLogits) = SoftmaxCrossEntropy().forward(logits: logits, labels: batch.labels)
        model.backward(dLogits, workspace: cache)
        return (golden, model, cache, logits, loss, batch)
    }

    private func assertCommon(_ golden: GoldenFile, _ model: TextClassifier, _ cache: TrainingWorkspace,
                              _ logits: Tensor, _ loss: Float, _ batch: Batch, features: String,
                              file: StaticString = #filePath, line: UInt = #line) {
        let padded = { (f: Int) in LayerTestSupport.paddedIndices(lengths: batch.lengths, steps: batch.steps, features: f) }
        let tokens = TokenRows(batch, vocabularySize: model.embedding!.vocabularySize)
        let embedded = Tensor([batch.steps * batch.size, 5])
        let rows = model.embedding!.forward(tokens, into: Tensor([0]))
        tokens.gather(rows.data, width: 5, into: embedded.data)
        assertGoldenClose(embedded.array, golden.timeMajor("embedded").map(Double.init), "embedded", file: file, line: line)
        let encoderOutput = cache.encoderOutput!
        assertGoldenClose(encoderOutput.array, golden.timeMajor("lstm_output").map(Double.init), "lstm_output", file: file, line: line)
        assertExactlyZero(encoderOutput.array, at: padded(8), "lstm_output padded", file: file, line: line)
        assertGoldenClose(cache.cache!.features.array, golden.doubles(features), features, file: file, line: line)
        assertGoldenClose(logits.array, golden.doubles("logits"), "logits", file: file, line: line)
        assertGoldenClose([loss], golden.doubles("loss"), "loss", file: file, line: line)
        for p in model.parameters {
            assertGoldenClose(p.grad.array, golden.doubles("grad_" + p.name), "grad_" + p.name, file: file, line: line)
        }
        // The padding row gets no gradient.
        assertExactlyZero(model.embedding!.weight.grad.array, at: Array(50..<55), "padding row", file: file, line: line)
        // Inference gives the training forward's logits when there is no dropout.
        XCTAssertEqual(model.planLogits(batch).array, logits.array, "inference logits", file: file, line: line)
    }

    func testTextRNNMatchesPyTorch() throws {
        let (golden, model, cache, logits, loss, batch) = try run("textrnn_model", spec(.textrnn, layers: 2))
        XCTAssertEqual(model.parameters.first?.name, "embedding.weight")
        XCTAssertEqual(model.parameters.suffix(2).map(\.name), ["fc.weight", "fc.bias"])
        assertCommon(golden, model, cache, logits, loss, batch, features: "features")
    }

    func testTextRCNNReferenceMatchesPyTorch() throws {
        let (golden, model, cache, logits, loss, batch) = try run("textrcnn_model",
                                                                  spec(.textrcnn, layers: 1, variant: .reference))
        let hidden = (cache.head as! RCNNReferenceHead.Workspace).hidden
        assertGoldenClose(hidden.array, golden.timeMajor("hidden").map(Double.init), "hidden")
        assertCommon(golden, model, cache, logits, loss, batch, features: "pooled")
    }

    func testTextRCNNPaperMatchesPyTorch() throws {
        let (golden, model, cache, logits, loss, batch) = try run("textrcnn_paper",
                                                                  spec(.textrcnn, layers: 1, variant: .paper, projection: 6))
        XCTAssertEqual(model.parameters.suffix(4).map(\.name), ["proj.weight", "proj.bias", "fc.weight", "fc.bias"])
        let hidden = (cache.head as! RCNNPaperHead.Workspace).hidden
        assertGoldenClose(hidden.array, golden.timeMajor("hidden").map(Double.init), "hidden")
        assertCommon(golden, model, cache, logits, loss, batch, features: "pooled")
    }
}
