import XCTest
@testable import RNNKit

/// An `InferencePlan` replaces the first layer's input matmul by a lookup in a per-token table and
/// packs the encoder's weights once. The logits must be bitwise those of the plain plan and of the
/// training forward without dropout, for every cell, head and batch shape; a sentence's logits
/// must stay the same alone or in a batch; and a plan must not see later weight changes.
final class InferenceTableTests: XCTestCase {
    private func specs(vocabulary: Int, embedding: Int, hidden: Int) -> [ModelSpec] {
        let base = ModelSpec(kind: .textrnn, cell: .lstm, vocabularySize: vocabulary, embeddingDim: embedding,
                             hiddenSize: hidden, layers: 2, bidirectional: true, dropout: 0.5, pooling: .last,
                             rcnnVariant: .paper, rcnnProjectionSize: 6, classCount: 4, padId: 0)
        var gru = base; gru.cell = .gru; gru.pooling = .attention
        var elman = base; elman.cell = .rnnTanh; elman.bidirectional = false; elman.layers = 1; elman.pooling = .mean
        var jordan = base; jordan.cell = .jordan; jordan.layers = 1; jordan.pooling = .max
        var paper = base; paper.kind = .textrcnn; paper.layers = 1
        var reference = paper; reference.rcnnVariant = .reference
        var memory = base; memory.pooling = .memory; memory.memoryHops = 2
        return [base, gru, elman, jordan, paper, reference, memory]
    }

    private func randomSequences(_ count: Int, vocabulary: Int, maxLength: Int, seed: UInt64) -> [[Int32]] {
        var rng = RandomSource(seed: seed)
        return (0..<count).map { _ in
            (0..<rng.nextIndex(below: maxLength + 1)).map { _ in Int32(1 + rng.nextIndex(below: vocabulary - 1)) }
        }
    }

    private func model(_ spec: ModelSpec, seed: UInt64) -> TextClassifier {
        var rng = RandomSource(seed: seed)
        let model = TextClassifier(spec: spec, rng: &rng)
        if let attention = model.attention {
            attention.weight.value.copy(from: LayerTestSupport.randomTensor([attention.featureSize], seed: seed + 1))
        }
        return model
    }

    func testTableLogitsEqualPlainAndTrainingLogitsBitwise() {
        let sequences = randomSequences(11, vocabulary: 13, maxLength: 9, seed: 5)
        // Padded positions hold ids other than the pad id too: the table path must ignore them.
        var batch = Batch(sequences: sequences, padId: 0)
        var ids = batch.ids
        for k in ids.indices where ids[k] == 0 { ids[k] = 7 }
        batch = Batch(ids: ids, lengths: batch.lengths, steps: batch.steps)
        for var spec in specs(vocabulary: 13, embedding: 5, hidden: 4) {
            spec.dropout = 0   // the training forward without dropout is what a plan computes
            let what = "\(spec.kind) \(spec.cell) \(spec.pooling) \(spec.rcnnVariant)"
            let m = model(spec, seed: 9)
            let plainPlan = m.makeInferencePlan(tables: false)
            XCTAssertFalse(plainPlan.hasInputTables, what)
            let plain = plainPlan.logits(batch, workspace: plainPlan.makeWorkspace()).array
            let tablePlan = m.makeInferencePlan()
            XCTAssertTrue(tablePlan.hasInputTables, what)
            let table = tablePlan.logits(batch, workspace: tablePlan.makeWorkspace()).array
            XCTAssertEqual(table.map(\.bitPattern), plain.map(\.bitPattern), "\(what): table vs plain")
            var rng = RandomSource(seed: 1)
            let training = m.trainingForward(batch, rng: &rng).logits.array
            XCTAssertEqual(training.map(\.bitPattern), plain.map(\.bitPattern), "\(what): training forward vs plan")
        }
    }

    /// A plan is a snapshot: weights that change afterwards (a training step) do not reach it,
    /// through its tables, its packed panels or the small products that read weights directly.
    /// (Checked: a plan that kept references to the live weights instead of copies fails this.)
    func testPlanDoesNotSeeLaterWeightChanges() {
        let batch = Batch(sequences: randomSequences(5, vocabulary: 13, maxLength: 6, seed: 8), padId: 0)
        for spec in specs(vocabulary: 13, embedding: 5, hidden: 4) {
            let what = "\(spec.kind) \(spec.cell) \(spec.pooling) \(spec.rcnnVariant)"
            let m = model(spec, seed: 12)
            for tables in [true, false] {
                let plan = m.makeInferencePlan(tables: tables)
                let workspace = plan.makeWorkspace()
                let before = plan.logits(batch, workspace: workspace).array
                for p in m.parameters { for i in 0..<p.value.count { p.value[i] += 0.25 } }
                XCTAssertEqual(plan.logits(batch, workspace: workspace).array, before, "\(what) tables \(tables)")
                XCTAssertNotEqual(m.planLogits(batch, tables: tables).array, before, "\(what): a new plan sees the change")
            }
        }
    }

    /// Shapes where matmul's blocked (packed, threaded) path builds the table and the plain
    /// path runs the direct one for a single sentence, and the reverse for the batch.
    func testTableBitwiseAcrossMatmulPathsAloneAndInBatch() {
        defer { Parallel.threadCount = 0 }
        Parallel.threadCount = 2
        let sequences = randomSequences(16, vocabulary: 60, maxLength: 30, seed: 31)
        let sentence: [Int32] = [3, 17, 42, 8, 59]
        let alone = Batch(sequences: [sentence], labels: [0], padId: 0)
        let mixed = Batch(sequences: Array(sequences[0..<7]) + [sentence] + Array(sequences[7...]),
                          labels: [Int](repeating: 0, count: 17), padId: 0)
        for spec in specs(vocabulary: 60, embedding: 32, hidden: 32) where spec.cell == .lstm {
            let what = "\(spec.kind) \(spec.pooling) \(spec.rcnnVariant)"
            let m = model(spec, seed: 33)
            let k = spec.classCount
            let plainAlone = m.planLogits(alone, tables: false).array
            let plainMixed = m.planLogits(mixed, tables: false).array
            let tableAlone = m.planLogits(alone).array
            let tableMixed = m.planLogits(mixed).array
            XCTAssertEqual(tableAlone, plainAlone, "\(what): alone")
            XCTAssertEqual(tableMixed, plainMixed, "\(what): batch of 17")
            XCTAssertEqual(Array(tableMixed[(7 * k)..<(8 * k)]), tableAlone, "\(what): alone vs in the batch")
        }
    }
}
