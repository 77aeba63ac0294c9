/// fastText's hidden vector inside our models: the mean of the hashed n-gram rows of each text
/// (`NGramHasher`'s definitions), then its own dropout. The `fasttext` kind classifies it alone;
/// a recurrent model joins it to its head's features (wide and deep).
///
/// Features come from a batch's token ids, not from the raw text: every vocabulary token's hash
/// and character n-gram rows are computed once (`NGramFeatures`), so training, dev evaluation,
/// `rnn-predict` and `rnn-eval` need nothing beyond the batch (no second data pipeline), and a
/// text's bag reads only its real steps (padding invariance by construction). Where this differs
/// from fastText: a token outside the vocabulary is `<unk>` (no word row, as fastText; its hash in
/// the token n-grams is that of `<unk>`, where fastText hashes the word itself), and no `</s>` is
/// appended (the classifier's bias plays its role).
///
/// The table (`bag.weight`, vocabulary + buckets rows) is trained row-sparsely: see EmbeddingBag
/// and Training/RowSparseUpdate.swift; its memory is in docs/CONFIG.md.
public final class NGramBag {
    public let spec: NGramSpec
    public let table: EmbeddingBag
    let features: NGramFeatures
    let dropout: Dropout

    /// `tokens`: the vocabulary, id by id (`unknownId` is `<unk>`'s). `draw: false` leaves the
    /// table zero (a checkpoint is loaded next).
    init(spec: NGramSpec, tokens: [String], unknownId: Int32, draw: Bool, rng: inout RandomSource) {
        self.spec = spec
        features = NGramFeatures(spec: spec, tokens: tokens, unknownId: unknownId)
        table = EmbeddingBag(rowCount: tokens.count + spec.buckets, dimension: spec.dimension, name: "bag", draw: draw, rng: &rng)
        dropout = Dropout(probability: spec.dropout)
    }

    final class Workspace {
        var bags = RaggedRows()
        var hashes: [UInt32] = []
        let mean = Tensor([0])      // [B, D]
        let mask = Tensor([0])      // [B, D]
        let dropped = Tensor([0])   // [B, D]
        var cache: EmbeddingBag.Cache?
    }

    /// `[B, dimension]` (the workspace's): the bags' means after dropout (drawn from `rng`, one
    /// draw per element in order, after the model's other draws).
    func forward(_ batch: Batch, workspace ws: Workspace, rng: inout RandomSource) -> Tensor {
        features.bags(of: batch, into: &ws.bags, hashes: &ws.hashes)
        ws.cache = table.forward(ws.bags, into: ws.mean)
        guard dropout.probability > 0 else { return ws.mean }
        dropout.forward(ws.mean, mask: ws.mask, into: ws.dropped, rng: &rng)
        return ws.dropped
    }

    /// dLoss/dTable for dLoss/dOutput `[B, dimension]` into `table.gradient` (the touched rows
    /// only). `dOutput` is overwritten by the dropout's backward.
    func backward(_ dOutput: Tensor, workspace ws: Workspace) {
        guard let cache = ws.cache else { preconditionFailure("bag backward without a forward") }
        if dropout.probability > 0 { dropout.backward(dOutput, mask: ws.mask, into: dOutput) }
        table.backward(dOutput, cache: cache)
    }

    /// An immutable copy for inference.
    func makePlan() -> Plan { Plan(features: features, table: Tensor(copying: table.weight)) }

    struct Plan {
        let features: NGramFeatures
        let table: Tensor

        /// The training forward's means without dropout, bitwise (same rows, same arithmetic).
        func run(_ batch: Batch, workspace ws: Workspace) -> Tensor {
            features.bags(of: batch, into: &ws.bags, hashes: &ws.hashes)
            EmbeddingBag.mean(ws.bags, table: table, into: ws.mean)
            return ws.mean
        }
    }
}

/// Per vocabulary id: fastText's hash of the token and its character n-gram rows, so a batch's
/// bags are built from ids alone. Immutable; shared by a model and its plans.
struct NGramFeatures {
    let hasher: NGramHasher
    let unknownId: Int32
    let tokenHashes: [UInt32]
    /// Token i's character n-gram rows: `characterRows[characterOffsets[i]..<characterOffsets[i + 1]]`.
    let characterOffsets: [Int]
    let characterRows: [Int32]

    init(spec: NGramSpec, tokens: [String], unknownId: Int32) {
        let hasher = NGramHasher(vocabularySize: tokens.count, buckets: spec.buckets, tokenNgrams: spec.wordNgrams,
                                 characterNgrams: spec.characterNgrams)
        self.hasher = hasher
        self.unknownId = unknownId
        tokenHashes = tokens.map { NGramHasher.hash($0.utf8) }
        var offsets = [0], rows: [Int32] = []
        for (id, token) in tokens.enumerated() {
            // `<pad>` never sits at a real step, and `<unk>` stands for words whose letters we lost.
            if let range = spec.characterNgrams, id > Int(unknownId) {
                var text = token
                text.withUTF8 { hasher.appendCharacterNgrams($0, range, to: &rows) }
            }
            offsets.append(rows.count)
        }
        characterOffsets = offsets
        characterRows = rows
    }

    /// One bag per sequence, fastText's order: per token its word row (none for `<unk>`) and its
    /// character n-grams, then the token n-grams. Only real steps are read.
    func bags(of batch: Batch, into bags: inout RaggedRows, hashes: inout [UInt32]) {
        bags.removeAll()
        let size = batch.size, lengths = batch.lengths
        for b in 0..<size {
            bags.appendBag { rows in
                hashes.removeAll(keepingCapacity: true)
                for t in 0..<lengths[b] {
                    let id = batch.ids[t * size + b], i = Int(id)
                    if id != unknownId { rows.append(id) }
                    let from = characterOffsets[i], to = characterOffsets[i + 1]
                    if to > from { rows.append(contentsOf: characterRows[from..<to]) }
                    hashes.append(tokenHashes[i])
                }
                hasher.appendTokenNgrams(hashes, to: &rows)
            }
        }
    }
}
