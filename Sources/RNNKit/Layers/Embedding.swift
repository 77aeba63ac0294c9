import Foundation

/// Token embedding: a `[vocabularySize, dimension]` table read row by row.
///
/// Output is time-major `[T, B, dimension]`. Positions past a sequence's length
/// are written as zeros whatever id they hold, and the padding row is zero at
/// initialisation and never receives a gradient (PyTorch's `padding_idx`).
/// A frozen embedding gets no gradient at all.
public final class Embedding: ParameterOwner {
    public let vocabularySize: Int
    public let dimension: Int
    /// Row that stays zero and gets no gradient; nil when there is none.
    public let padIndex: Int?
    /// `[vocabularySize, dimension]`, named `<name>.weight`.
    public let weight: Parameter

    public var parameters: [Parameter] { [weight] }

    /// No gradient at all when true (also marks the parameter frozen for the optimizer).
    public var frozen: Bool {
        get { weight.frozen }
        set { weight.frozen = newValue }
    }

    /// Rows drawn from N(0, 1) as `torch.nn.Embedding` does, then the padding row set to zero.
    public init(vocabularySize: Int, dimension: Int, padIndex: Int?, name: String = "embedding",
                frozen: Bool = false, rng: inout RandomSource) {
        precondition(vocabularySize > 0 && dimension > 0, "embedding needs a positive size")
        precondition(padIndex.map { $0 >= 0 && $0 < vocabularySize } ?? true, "padding row out of range")
        self.vocabularySize = vocabularySize
        self.dimension = dimension
        self.padIndex = padIndex
        self.weight = Parameter(name: "\(name).weight", shape: [vocabularySize, dimension], frozen: frozen)
        let w = weight.value.data
        var i = 0
        let count = vocabularySize * dimension
        while i < count {
            let (a, b) = Embedding.standardNormalPair(&rng)
            w[i] = a
            if i + 1 < count { w[i + 1] = b }
            i += 2
        }
        if let pad = padIndex { (w + pad * dimension).update(repeating: 0, count: dimension) }
    }

    /// Two independent N(0, 1) draws (Box-Muller, computed in Double).
    static func standardNormalPair(_ rng: inout RandomSource) -> (Float, Float) {
        let u1 = 1.0 - Double(rng.nextUnitFloat())   // in (0, 1]: log is finite
        let u2 = Double(rng.nextUnitFloat())
        let radius = (-2.0 * Foundation.log(u1)).squareRoot()
        let angle = 2.0 * Double.pi * u2
        return (Float(radius * Foundation.cos(angle)), Float(radius * Foundation.sin(angle)))
    }

    /// Overwrites rows with pretrained vectors (row index -> vector). The padding row stays zero.
    /// Throws `.input` when an index is outside the table or a vector has the wrong length.
    public func load(rows: [Int: [Float]]) throws {
        for (index, vector) in rows {
            guard index >= 0 && index < vocabularySize else {
                throw RNNError.input("pretrained vector for row \(index), but the vocabulary has \(vocabularySize) rows")
            }
            guard vector.count == dimension else {
                throw RNNError.input("pretrained vector for row \(index) has \(vector.count) values, expected \(dimension)")
            }
        }
        let w = weight.value.data
        for (index, vector) in rows where index != padIndex {
            vector.withUnsafeBufferPointer { (w + index * dimension).update(from: $0.baseAddress!, count: dimension) }
        }
    }

    /// What backward needs: the ids and which positions are real.
    public struct Cache {
        public let ids: [Int32]      // [T * B], time-major
        public let lengths: [Int]    // [B]
        public let steps: Int
    }

    /// ids `[T * B]` time-major -> `[T, B, dimension]`; zero at padded positions.
    public func forward(_ batch: Batch) -> (output: Tensor, cache: Cache) {
        let output = inference(batch)
        return (output, Cache(ids: batch.ids, lengths: batch.lengths, steps: batch.steps))
    }

    /// Forward without keeping anything for backward.
    public func inference(_ batch: Batch) -> Tensor {
        let t = batch.steps, b = batch.size, e = dimension
        let output = Tensor([t, b, e])   // zero-filled: padded positions stay zero
        let w = UnsafePointer(weight.value.data), out = output.data
        let lengths = batch.lengths
        batch.ids.withUnsafeBufferPointer { ids in
            for s in 0..<t {
                for j in 0..<b where s < lengths[j] {
                    let id = Int(ids[s * b + j])
                    precondition(id >= 0 && id < vocabularySize, "token id \(id) outside the vocabulary")
                    (out + (s * b + j) * e).update(from: w + id * e, count: e)
                }
            }
        }
        return output
    }

    /// Accumulates dOutput `[T, B, dimension]` into the rows that were read.
    ///
    /// grad[id] += dOutput[t, b] for every real position with that id, visited in
    /// time-major order on one thread, so repeated ids always sum in the same order.
    /// The padding row and padded positions are skipped; nothing happens when frozen.
    public func backward(_ dOutput: Tensor, cache: Cache) {
        guard !frozen else { return }
        let t = cache.steps, b = cache.lengths.count, e = dimension
        precondition(dOutput.count == t * b * e, "embedding gradient shape \(dOutput.shape)")
        let g = weight.grad.data, dy = UnsafePointer(dOutput.data)
        let pad = padIndex ?? -1
        cache.ids.withUnsafeBufferPointer { ids in
            for s in 0..<t {
                for j in 0..<b where s < cache.lengths[j] {
                    let id = Int(ids[s * b + j])
                    if id == pad { continue }
                    let row = g + id * e, src = dy + (s * b + j) * e
                    for k in 0..<e { row[k] += src[k] }
                }
            }
        }
    }

    // MARK: - Distinct rows (the classifier's path, see `TokenRows`)

    /// The table rows of the batch's distinct tokens, `[U, dimension]` in `tokens.ids` order.
    public func forward(_ tokens: TokenRows) -> Tensor {
        let e = dimension
        let rows = Tensor([tokens.count, e])
        let w = UnsafePointer(weight.value.data)
        for (u, id) in tokens.ids.enumerated() {
            (rows.data + u * e).update(from: w + Int(id) * e, count: e)
        }
        return rows
    }

    /// grad[ids[u]] += dRows[u] for the distinct tokens (each row written once); the padding
    /// row is skipped, nothing happens when frozen.
    public func backward(rowGradient dRows: Tensor, tokens: TokenRows) {
        guard !frozen else { return }
        let e = dimension
        precondition(dRows.count == tokens.count * e, "embedding row gradient shape \(dRows.shape)")
        let g = weight.grad.data, pad = padIndex ?? -1
        for (u, id) in tokens.ids.enumerated() where Int(id) != pad {
            Elementwise.add(dRows.data + u * e, into: g + Int(id) * e, count: e)
        }
    }
}
