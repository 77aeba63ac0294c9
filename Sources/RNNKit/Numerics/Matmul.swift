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
/// Stages, one file each (BLIS "gemmlike" layout):
/// - here: argument checks, trivial cases, and the direct path for small products;
/// - `MatmulLoops.swift`: the split of C over tasks and the KC/MC/NC blocking loops;
/// - `MatmulPacking.swift`: packing of A into MR-row and B into NR-column panels;
/// - `MatmulKernel.swift`: the MR x NR register-blocked SIMD8 micro-kernel.
/// - `MatmulShortRows.swift`: the 1...5-row kernel for partial row panels (batch 1, m % 6);
/// - `MatmulPrepacked.swift`: a B operand packed once for many products (W_hh at every step).
///
/// Determinism: every element of C is computed by one task, with k in increasing
/// order, split into KC blocks that never depend on the thread count, and with
/// `Elementwise.fma` as the only rounding formula. The result for given shapes and
/// flags is therefore bitwise the same for any `Parallel.threadCount`.
public func matmul(
    _ transA: Transpose, _ transB: Transpose,
    m: Int, n: Int, k: Int,
    alpha: Float,
    a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float,
    c: UnsafeMutablePointer<Float>, ldc: Int
) {
    if MatmulCore.finishedTrivially(transA, m: m, n: n, k: k, alpha: alpha, lda: lda, beta: beta, c: c, ldc: ldc) {
        return
    }
    precondition(ldb >= Swift.max(1, transB == .none ? n : k), "matmul: ldb \(ldb) too small")

    let operands = MatmulOperands(
        transA: transA == .transpose, transB: transB == .transpose,
        m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    if m * n * k <= MatmulCore.directPathMaxMACs {
        MatmulCore.direct(operands)
    } else {
        MatmulCore.blocked(operands)
    }
}

/// The arguments of one `matmul` call, passed between the stages.
@usableFromInline
struct MatmulOperands: @unchecked Sendable {
    let transA: Bool, transB: Bool
    let m: Int, n: Int, k: Int
    let alpha: Float
    let a: UnsafePointer<Float>, lda: Int
    let b: UnsafePointer<Float>, ldb: Int
    let beta: Float
    let c: UnsafeMutablePointer<Float>, ldc: Int
}

/// Namespace for the matmul stages (internal).
enum MatmulCore {
    /// Products with at most this many multiply-adds skip packing and threads.
    static let directPathMaxMACs = 24 * 24 * 24

    /// The checks and trivial cases both `matmul` entry points share: checks the dimensions and
    /// C's and A's strides; returns true when nothing is left to multiply (m or n is 0, or k or
    /// alpha is 0 and C has been scaled by beta).
    static func finishedTrivially(_ transA: Transpose, m: Int, n: Int, k: Int, alpha: Float, lda: Int,
                                  beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) -> Bool {
        precondition(m >= 0 && n >= 0 && k >= 0, "matmul: negative dimension m=\(m) n=\(n) k=\(k)")
        precondition(ldc >= Swift.max(1, n), "matmul: ldc \(ldc) < n \(n)")
        if m == 0 || n == 0 { return true }
        if k == 0 || alpha == 0 {
            scale(m: m, n: n, beta: beta, c: c, ldc: ldc)
            return true
        }
        precondition(lda >= Swift.max(1, transA == .none ? k : m), "matmul: lda \(lda) too small")
        return false
    }

    /// C = beta * C (C = 0 when beta == 0, without reading C).
    static func scale(m: Int, n: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        for i in 0..<m {
            let row = c + i * ldc
            if beta == 0 {
                row.update(repeating: 0, count: n)
            } else if beta != 1 {
                for j in 0..<n { row[j] = beta * row[j] }
            }
        }
    }

    /// Small products: one element at a time, k in the same slices as the blocked path
    /// (`kSliceDepth`), each slice summed in order from 0 and merged with the kernel's
    /// formula, so an element rounds the same here as in a blocked product (a row of C
    /// does not depend on how many other rows the call computes).
    static func direct(_ o: MatmulOperands) {
        let (sak, sai) = o.transA ? (o.lda, 1) : (1, o.lda)   // strides of A(i, p) along p and i
        let (sbk, sbj) = o.transB ? (1, o.ldb) : (o.ldb, 1)   // strides of B(p, j) along p and j
        let kcSlice = kSliceDepth(o.k)
        for i in 0..<o.m {
            let arow = o.a + i * sai
            let crow = o.c + i * o.ldc
            for j in 0..<o.n {
                let bcol = o.b + j * sbj
                var pc = 0
                while pc < o.k {
                    let kc = Swift.min(kcSlice, o.k - pc)
                    var acc: Float = 0
                    for p in pc..<(pc + kc) {
                        acc = Elementwise.fma(arow[p * sak], bcol[p * sbk], acc)
                    }
                    if pc == 0 {
                        crow[j] = o.beta == 0
                            ? o.alpha * acc
                            : Elementwise.fma(o.alpha, acc, o.beta * crow[j])
                    } else {
                        crow[j] = Elementwise.fma(o.alpha, acc, crow[j])
                    }
                    pc += kc
                }
            }
        }
    }
}
