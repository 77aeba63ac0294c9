import Foundation

/// A language model's next-token softmax whose output weights are the embedding table itself
/// (weight tying, Press & Wolf 2017; ULMFiT), plus a bias per vocabulary entry.
///
/// For N predicting states X `[N, E]` (E = the embedding width), targets y and the table
/// W `[V, E]`:
///
///     z = X W^T + b            one [N, E] x [E, V] matmul for all N rows (never per step)
///     loss_n = log sum_j exp(z_nj) - z_n,y_n       (summed; the caller divides)
///
/// The padding token is never a target: its logit is left out of the softmax (probability 0),
/// so its gradient is exactly zero and the padding row of the table stays zero.
///
/// Backward, for dLoss/dz = scale * (p - onehot(y)):
///
///     dX  = dz W           [N, V] x [V, E]
///     dW += dz^T X         the output side of the tied table (the embedding lookup adds the
///                          input side to the same gradient: a tied table receives both)
///     db += column sums of dz
///
/// The logits buffer becomes the probabilities and then dz in place: one `[N, V]` buffer per
/// workspace, the largest of a language-model step (N = 2,500 rows of a 20,000-token vocabulary
/// is 200 MB), reused by both directions.
public final class TiedSoftmax: ParameterOwner {
    public let vocabularySize: Int
    /// `[V]`, named `<name>`.
    public let bias: Parameter
    /// The column left out of the softmax (the padding id).
    public let excluded: Int?

    public var parameters: [Parameter] { [bias] }

    public init(vocabularySize: Int, name: String, excluded: Int?) {
        self.vocabularySize = vocabularySize
        self.excluded = excluded
        bias = Parameter(name: name, shape: [vocabularySize])
    }

    /// Buffers of one product, kept between batches.
    public final class Workspace {
        let logits = Tensor([0])        // [N, V]: logits, then probabilities, then dz
        let rowLoss = Tensor([0])       // [N]
        let dInput = Tensor([0])        // [N, E]
        let biasScratch = Tensor([0])   // [V]
        public init() {}
    }

    /// Rows per task of the softmax and column block of the bias sums: enough work to pay a thread.
    static let rowsPerTask = 16

    /// The summed loss of the N rows of `x` `[N, E]` against `targets` (token ids), with the
    /// probabilities kept in the workspace for `backward`. Each row is computed alone, in a fixed
    /// order, so the result does not depend on the thread count.
    public func forward(_ x: Tensor, targets: [Int32], table: Tensor, workspace ws: Workspace) -> Double {
        let n = targets.count, v = vocabularySize, e = table.shape[1]
        precondition(x.count == n * e && table.shape[0] == v, "tied softmax: input \(x.shape), table \(table.shape)")
        let z = ws.logits.resize([n, v])
        let rowLoss = ws.rowLoss.resize([n])
        guard n > 0 else { return 0 }
        for r in 0..<n { (z.data + r * v).update(from: bias.value.data, count: v) }
        matmul(.none, .transpose, m: n, n: v, k: e, alpha: 1, a: x.data, lda: e, b: table.data, ldb: e,
               beta: 1, c: z.data, ldc: v)
        let zp = UnsafeSendable(z.data), lp = UnsafeSendable(rowLoss.data)
        let pad = excluded ?? -1
        targets.withUnsafeBufferPointer { targets in
            let tp = UnsafeSendable(targets.baseAddress!)
            Parallel.forRanges(count: n, minimumPerTask: Self.rowsPerTask) { rows in
                for r in rows {
                    let row = zp.value + r * v
                    lp.value[r] = Float(Self.softmaxInPlace(row, count: v, target: Int(tp.value[r]), excluded: pad))
                }
            }
        }
        var total = 0.0
        for r in 0..<n { total += Double(rowLoss.data[r]) }
        return total
    }

    /// Replaces z by its softmax (0 at `excluded`) and returns -log p[target]: exp in SIMD
    /// (`Elementwise.exp`, the library's one exp), the sum and the log in Double.
    static func softmaxInPlace(_ z: UnsafeMutablePointer<Float>, count v: Int, target: Int, excluded: Int) -> Double {
        var top = -Float.infinity
        for j in 0..<v where j != excluded { top = max(top, z[j]) }
        let targetShifted = Double(z[target] - top)
        for j in 0..<v { z[j] -= top }
        Elementwise.exp(z, z, count: v)
        if excluded >= 0 { z[excluded] = 0 }
        var sum = 0.0
        for j in 0..<v { sum += Double(z[j]) }
        let inv = Float(1 / sum)
        for j in 0..<v { z[j] *= inv }
        return Foundation.log(sum) - targetShifted
    }

    /// Gradients for dLoss/dz = scale * (p - onehot(target)) of the last `forward` with this
    /// workspace: accumulates the bias's and (unless frozen) the table's, returns dX `[N, E]`.
    public func backward(_ x: Tensor, targets: [Int32], table: Parameter, scale: Float, workspace ws: Workspace) -> Tensor {
        let n = targets.count, v = vocabularySize, e = table.shape[1]
        let dx = ws.dInput.resize([n, e])
        guard n > 0 else { return dx }
        let z = ws.logits.data
        let zp = UnsafeSendable(z)
        targets.withUnsafeBufferPointer { targets in
            let tp = UnsafeSendable(targets.baseAddress!)
            Parallel.forRanges(count: n, minimumPerTask: Self.rowsPerTask) { rows in
                for r in rows {
                    let row = zp.value + r * v
                    row[Int(tp.value[r])] -= 1
                    for j in 0..<v { row[j] *= scale }
                }
            }
        }
        matmul(.none, .none, m: n, n: e, k: v, alpha: 1, a: z, lda: v, b: table.value.data, ldb: e, beta: 0, c: dx.data, ldc: e)
        if !table.frozen {
            matmul(.transpose, .none, m: v, n: e, k: n, alpha: 1, a: z, lda: v, b: x.data, ldb: e, beta: 1,
                   c: table.grad.data, ldc: e)
        }
        if !bias.frozen { addColumnSums(z, rows: n, columns: v, into: bias.grad.data, scratch: ws.biasScratch.resize([v]).data) }
        return dx
    }
}
