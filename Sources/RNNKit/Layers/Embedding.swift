import Foundation

/// Token embedding: a `[vocabularySize, dimension]` table read row by row.
///
/// The model reads the rows of a batch's distinct tokens (`TokenRows`): `forward` gathers them
/// into `[U, dimension]` and `backward` adds each distinct row's gradient once. The padding row
/// is zero at initialisation and never receives a gradient (PyTorch's `padding_idx`). A frozen
/// embedding gets no gradient at all.
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
    /// `draw: false` leaves them zero, for a table whose values are loaded next (a checkpoint):
    /// the Box-Muller draws were a tenth of rnn-predict's start-up.
    public init(vocabularySize: Int, dimension: Int, padIndex: Int?, name: String = "embedding",
                frozen: Bool = false, draw: Bool = true, rng: inout RandomSource) {
        precondition(vocabularySize > 0 && dimension > 0, "embedding needs a positive size")
        precondition(padIndex.map { $0 >= 0 && $0 < vocabularySize } ?? true, "padding row out of range")
        self.vocabularySize = vocabularySize
        self.dimension = dimension
        self.padIndex = padIndex
        self.weight = Parameter(name: "\(name).weight", shape: [vocabularySize, dimension], frozen: frozen)
        let w = weight.value.data
        var i = 0
        let count = draw ? vocabularySize * dimension : 0
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

    /// Overwrites rows with pretrained vectors: `matrix` `[vocabularySize, dimension]`, row r
    /// copied where `hasVector[r]`. The padding row stays zero.
    public func load(matrix: [Float], hasVector: [Bool]) throws {
        guard matrix.count == vocabularySize * dimension, hasVector.count == vocabularySize else {
            throw RNNError.input("pretrained vectors are \(hasVector.count) rows of \(matrix.count / max(hasVector.count, 1)) values, "
                                 + "the embedding is \(vocabularySize) x \(dimension)")
        }
        let w = weight.value.data
        matrix.withUnsafeBufferPointer { m in
            for row in 0..<vocabularySize where hasVector[row] && row != padIndex {
                (w + row * dimension).update(from: m.baseAddress! + row * dimension, count: dimension)
            }
        }
    }

    /// The table rows of the batch's distinct tokens, `[U, dimension]` in `tokens.ids` order,
    /// written into `rows` (a workspace buffer, resized here).
    @discardableResult
    public func forward(_ tokens: TokenRows, into rows: Tensor) -> Tensor {
        Embedding.gatherRows(of: tokens, from: weight.value, dimension: dimension, into: rows)
    }

    /// `[U, dimension]` rows of `table` for `tokens.ids`: the same gather for the live table
    /// (training) and an inference plan's snapshot.
    @discardableResult
    static func gatherRows(of tokens: TokenRows, from table: Tensor, dimension e: Int, into rows: Tensor) -> Tensor {
        rows.resize([tokens.count, e])
        let w = UnsafePointer(table.data)
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
