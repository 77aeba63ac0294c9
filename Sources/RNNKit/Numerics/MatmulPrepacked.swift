/// A B operand packed once for several products with the same B: the recurrent weight
/// W_hh is multiplied at every time step of a batch, and packing it at every step costs
/// as much memory traffic as a small product. `matmul(_:m:alpha:a:lda:packedB:beta:c:ldc:)`
/// then reads the panels instead of packing.
///
/// The panels are exactly what `matmul` would pack (same k slices, same 16-column panels,
/// same zero padding), and the product runs the same kernels in the same order, so the
/// result is bitwise that of `matmul` with the unpacked B, for any thread count.
///
/// The packing is a snapshot: `repack()` after B changes. The source pointer must stay valid and
/// unchanged while the packing is used (small products take the direct path, which reads it):
/// an inference plan packs its own copy of the weights, so later training steps cannot reach it.
public final class PackedMatmulB: @unchecked Sendable {
    public let transB: Transpose
    public let k: Int
    public let n: Int
    let b: UnsafePointer<Float>
    let ldb: Int
    /// k-slice depth, as `MatmulCore.run` slices k (depends on k only).
    let kcSlice: Int
    /// One buffer per k slice: `kc x roundUp(n, nr)`, 16-column panels one after the other.
    private let slices: [UnsafeMutablePointer<Float>]

    /// Packs op(B) (`k x n`; stored `[n, k]` when `transB == .transpose`) with row stride `ldb`.
    public init(_ transB: Transpose, k: Int, n: Int, b: UnsafePointer<Float>, ldb: Int) {
        precondition(k >= 0 && n >= 0, "PackedMatmulB: negative dimension k=\(k) n=\(n)")
        precondition(ldb >= Swift.max(1, transB == .none ? n : k), "PackedMatmulB: ldb \(ldb) too small")
        self.transB = transB
        self.k = k
        self.n = n
        self.b = b
        self.ldb = ldb
        kcSlice = MatmulCore.kSliceDepth(k)
        let paddedN = (n + MatmulCore.nr - 1) / MatmulCore.nr * MatmulCore.nr
        var slices: [UnsafeMutablePointer<Float>] = []
        var pc = 0
        while pc < k {
            let kc = Swift.min(kcSlice, k - pc)
            let raw = UnsafeMutableRawPointer.allocate(byteCount: Swift.max(1, kc * paddedN) * MemoryLayout<Float>.stride,
                                                       alignment: 64)
            slices.append(raw.bindMemory(to: Float.self, capacity: Swift.max(1, kc * paddedN)))
            pc += kc
        }
        self.slices = slices
        repack()
    }

    /// Packs B again into the same storage, from the same source pointer: for a weight matrix
    /// that changed in place (a training step), without allocating.
    public func repack() {
        guard n > 0 else { return }
        let operands = MatmulOperands(transA: false, transB: transB == .transpose, m: 0, n: n, k: k, alpha: 1,
                                      a: b, lda: 1, b: b, ldb: ldb, beta: 0, c: UnsafeMutablePointer(mutating: b),
                                      ldc: Swift.max(1, n))
        var pc = 0
        for slice in slices {
            let kc = Swift.min(kcSlice, k - pc)
            MatmulCore.packB(operands, p0: pc, kc: kc, j0: 0, nc: n, into: slice)
            pc += kc
        }
    }

    deinit { for s in slices { s.deallocate() } }

    /// The packed panels of the k slice starting at `p0` (depth `kc`), from column `jc`
    /// (a multiple of 16): the layout `MatmulCore.packB` gives for `j0 = jc`.
    func panels(p0: Int, kc: Int, jc: Int) -> UnsafePointer<Float> {
        UnsafePointer(slices[p0 / kcSlice] + jc * kc)
    }
}

/// C = alpha * op(A) * B + beta * C with B packed beforehand (see `PackedMatmulB`): bitwise
/// the same as `matmul(transA, packedB.transB, m:, n: packedB.n, k: packedB.k, ...)`.
public func matmul(
    _ transA: Transpose, m: Int, alpha: Float,
    a: UnsafePointer<Float>, lda: Int,
    packedB: PackedMatmulB,
    beta: Float,
    c: UnsafeMutablePointer<Float>, ldc: Int
) {
    let n = packedB.n, k = packedB.k
    if MatmulCore.finishedTrivially(transA, m: m, n: n, k: k, alpha: alpha, lda: lda, beta: beta, c: c, ldc: ldc) {
        return
    }
    let operands = MatmulOperands(
        transA: transA == .transpose, transB: packedB.transB == .transpose,
        m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: packedB.b, ldb: packedB.ldb,
        beta: beta, c: c, ldc: ldc)
    if m * n * k <= MatmulCore.directPathMaxMACs {
        MatmulCore.direct(operands)
    } else {
        MatmulCore.blocked(operands, packedB: packedB)
    }
}
