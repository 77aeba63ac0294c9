/// Joining two feature matrices side by side, `[B, F1]` and `[B, F2]` into `[B, F1 + F2]`
/// (`torch.cat(dim=1)`), and its backward, the split. Used by `max_mean` pooling and by the wide
/// and deep model (the head's features beside the n-gram bag's vector). Copies only: no
/// arithmetic, so the joined values are bitwise the parts.
public enum FeatureJoin {
    /// out[b] = [left[b] | right[b]].
    public static func join(_ left: Tensor, _ right: Tensor, into out: Tensor) {
        let rows = left.shape[0], f1 = left.count / max(rows, 1), f2 = right.count / max(rows, 1)
        precondition(right.shape[0] == rows, "joining \(left.shape) and \(right.shape)")
        out.resize([rows, f1 + f2])
        for b in 0..<rows {
            (out.data + b * (f1 + f2)).update(from: left.data + b * f1, count: f1)
            (out.data + b * (f1 + f2) + f1).update(from: right.data + b * f2, count: f2)
        }
    }

    /// The backward of `join`: dLeft[b] = d[b][..<f1], dRight[b] = d[b][f1...].
    public static func split(_ d: Tensor, leftWidth f1: Int, intoLeft left: Tensor, right: Tensor) {
        let rows = d.shape[0], f = d.count / max(rows, 1), f2 = f - f1
        left.resize([rows, f1])
        right.resize([rows, f2])
        for b in 0..<rows {
            (left.data + b * f1).update(from: d.data + b * f, count: f1)
            (right.data + b * f2).update(from: d.data + b * f + f1, count: f2)
        }
    }
}
