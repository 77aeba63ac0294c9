/// Whether an operand is used as stored or transposed.
public enum Transpose: Sendable {
    case none
    case transpose
}

/// C = alpha * op(A) * op(B) + beta * C, row-major Float32.
///
/// op(A) is m x k, op(B) is k x n, C is m x n. `lda`, `ldb`, `ldc` are the row
/// strides of A, B, C as stored (so a transposed A of logical shape m x k is
/// stored k x m with lda >= m). When beta == 0, C is overwritten and never read,
/// so NaN already in C does not leak.
///
/// PLACEHOLDER: naive implementation; the packed, blocked, threaded version replaces it.
public func matmul(
    _ transA: Transpose, _ transB: Transpose,
    m: Int, n: Int, k: Int,
    alpha: Float,
    a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float,
    c: UnsafeMutablePointer<Float>, ldc: Int
) {
    for i in 0..<m {
        for j in 0..<n {
            var sum: Float = 0
            for p in 0..<k {
                let av = transA == .none ? a[i * lda + p] : a[p * lda + i]
                let bv = transB == .none ? b[p * ldb + j] : b[j * ldb + p]
                sum += av * bv
            }
            let out = alpha * sum
            c[i * ldc + j] = beta == 0 ? out : out + beta * c[i * ldc + j]
        }
    }
}
