/// The mean of table rows per example: `torch.nn.EmbeddingBag(mode="mean")`, and fastText's
/// hidden vector (the mean of the input-matrix rows of a text's word and n-gram features).
///
/// The table is `[rows, dimension]`, rows = vocabulary + hash buckets, e.g. 2,000,000 x 100 floats
/// = 800 MB (Adam's two moments add 1.6 GB). So it is a plain tensor, not a `Parameter`: a
/// `Parameter` carries a dense gradient of the table's size, and a dense pass over 800 MB per step
/// would cost more than the rest of a fastText step. The gradient is row-sparse instead
/// (`RowSparseGradient`: the rows a batch touched and their summed gradients) and the optimizers in
/// `RowSparseUpdate.swift` update only those rows. The table is initialised uniform(-1/dim, 1/dim),
/// as fastText initialises its input matrix.
///
/// Forward: out[b] = (1/n_b) sum_{i in bag b} W[ids[i]] (rows summed in bag order, then scaled
/// once); an empty bag gives zeros (PyTorch's convention). Backward: dW[r] += (1/n_b) dOut[b] for
/// every occurrence of row r in bag b, so a row that occurs twice gets twice the share.
public final class EmbeddingBag {
    public let rowCount: Int
    public let dimension: Int
    /// The table's name in checkpoints: `<name>.weight`.
    public let name: String
    /// `[rowCount, dimension]`.
    public let weight: Tensor
    /// No gradient when true.
    public var frozen = false

    /// `draw: false` leaves the table zero, for one whose values are loaded next (a checkpoint).
    public init(rowCount: Int, dimension: Int, name: String = "bag", draw: Bool = true, rng: inout RandomSource) {
        precondition(rowCount > 0 && dimension > 0, "an embedding bag needs positive sizes")
        self.rowCount = rowCount
        self.dimension = dimension
        self.name = "\(name).weight"
        weight = Tensor(uninitialized: [rowCount, dimension])
        let bound = 1 / Float(dimension), w = weight.data
        if draw {
            for i in 0..<(rowCount * dimension) { w[i] = rng.uniform(-bound, bound) }
        } else {
            w.update(repeating: 0, count: rowCount * dimension)
        }
    }

    /// The gradient of the last `backward(_:cache:)`, allocated on first use (a model loaded
    /// only to predict never pays for its table-sized row index).
    public private(set) lazy var gradient = RowSparseGradient(tableRows: rowCount, dimension: dimension)

    /// What backward needs: the bags (ids and offsets).
    public struct Cache {
        public let bags: RaggedRows
    }

    /// Writes the mean row of every bag into `output` (reshaped to `[B, dimension]`). Bags are split
    /// over threads; each output row has one writer, so the bits do not depend on the thread count.
    public func forward(_ bags: RaggedRows, into output: Tensor) -> Cache {
        Self.mean(bags, table: weight, into: output)
        return Cache(bags: bags)
    }

    /// The forward's arithmetic on any table `[rows, dimension]` (an inference plan's copy too).
    static func mean(_ bags: RaggedRows, table weight: Tensor, into output: Tensor) {
        let e = weight.shape[1], count = bags.count, rowCount = weight.shape[0]
        output.resize([count, e])
        let out = UnsafeSendable(output.data), w = UnsafeSendable(UnsafePointer(weight.data))
        bags.ids.withUnsafeBufferPointer { idBuffer in
            let ids = UnsafeSendable(idBuffer)
            bags.offsets.withUnsafeBufferPointer { offsetBuffer in
                let offsets = UnsafeSendable(offsetBuffer)
                Parallel.forRanges(count: count, minimumPerTask: 64) { range in
                    for b in range {
                        let row = out.value + b * e, from = offsets.value[b], to = offsets.value[b + 1]
                        row.update(repeating: 0, count: e)
                        guard to > from else { continue }
                        for i in from..<to {
                            let id = Int(ids.value[i])
                            precondition(id >= 0 && id < rowCount, "bag row \(id) outside the table of \(rowCount) rows")
                            Elementwise.add(w.value + id * e, into: row, count: e)
                        }
                        let scale = 1 / Float(to - from)
                        for k in 0..<e { row[k] *= scale }
                    }
                }
            }
        }
    }

    /// `backward(_:cache:into:)` into the table's own `gradient`.
    public func backward(_ dOutput: Tensor, cache: Cache) { backward(dOutput, cache: cache, into: gradient) }

    /// Replaces `gradient`'s contents with dLoss/dW for `dOutput` `[B, dimension]`: the distinct
    /// rows in order of first occurrence (bag by bag, id by id) and their summed gradients.
    /// One pass over the batch's ids, in a fixed order: deterministic. Nothing when frozen.
    public func backward(_ dOutput: Tensor, cache: Cache, into gradient: RowSparseGradient) {
        precondition(gradient.dimension == dimension && gradient.tableRows == rowCount, "gradient for another table")
        gradient.reset(capacity: cache.bags.ids.count)
        guard !frozen else { return }
        let e = dimension, bags = cache.bags
        precondition(dOutput.count == bags.count * e, "bag gradient \(dOutput.shape) for \(bags.count) bags")
        let scaled = gradient.scratch, dy = UnsafePointer(dOutput.data)
        for b in 0..<bags.count {
            let from = bags.offsets[b], to = bags.offsets[b + 1]
            guard to > from else { continue }
            let share = 1 / Float(to - from)
            for k in 0..<e { scaled[k] = dy[b * e + k] * share }
            for i in from..<to { Elementwise.add(scaled, into: gradient.slot(forRow: bags.ids[i]), count: e) }
        }
    }
}

/// A gradient that is zero outside a few rows of a large table: the rows (distinct, in order of
/// first occurrence) and one gradient row each. Never a dense `[rows, dimension]` buffer.
///
/// `slotOfRow` is a table-sized index (4 bytes per table row, 8 MB for 2M rows, allocated once);
/// `reset` clears only the entries the last batch set, so no step passes over the whole table.
public final class RowSparseGradient {
    public let tableRows: Int
    public let dimension: Int
    /// The touched rows, in order of first occurrence.
    public private(set) var rows: [Int32] = []
    /// `[rows.count, dimension]` (capacity may be larger): gradient row i belongs to `rows[i]`.
    public let values = Tensor([0])
    private var slotOfRow: [Int32]
    /// One row of scratch for backward.
    let scratchTensor: Tensor

    public init(tableRows: Int, dimension: Int) {
        self.tableRows = tableRows
        self.dimension = dimension
        slotOfRow = [Int32](repeating: -1, count: tableRows)
        scratchTensor = Tensor([dimension])
    }

    var scratch: UnsafeMutablePointer<Float> { scratchTensor.data }

    /// The gradient row of table row `slot`.
    public func values(ofSlot slot: Int) -> UnsafeMutablePointer<Float> { values.data + slot * dimension }

    /// Forgets the touched rows; room for up to `capacity` rows without reallocating.
    public func reset(capacity: Int) {
        for r in rows { slotOfRow[Int(r)] = -1 }
        rows.removeAll(keepingCapacity: true)
        if values.capacity < max(capacity, 1) * dimension { values.resize([max(capacity, 1), dimension]) }
        values.resize([0, dimension])
    }

    /// The gradient row of table row `row`, appended (zeroed) on its first use.
    func slot(forRow row: Int32) -> UnsafeMutablePointer<Float> {
        precondition(row >= 0 && Int(row) < tableRows, "row \(row) outside the table of \(tableRows) rows")
        var slot = Int(slotOfRow[Int(row)])
        if slot < 0 {
            slot = rows.count
            slotOfRow[Int(row)] = Int32(slot)
            rows.append(row)
            precondition((slot + 1) * dimension <= values.capacity, "reset(capacity:) was too small")
            values.resize([slot + 1, dimension])
            (values.data + slot * dimension).update(repeating: 0, count: dimension)
        }
        return values.data + slot * dimension
    }
}
