/// The register-blocked micro-kernel: an MR x NR = 6 x 16 tile of C held in twelve
/// SIMD8<Float> accumulators (two ymm registers per row), fed by a packed A
/// micropanel (kc x 6, row index fastest) and a packed B micropanel (kc x 16).
/// Per k step: two vector loads of B, six broadcasts of A, twelve FMAs.
extension MatmulCore {
    static let mr = 6
    static let nr = 16

    /// Accumulates the kc-long product of one A and one B micropanel and merges it into
    /// a full 6 x 16 tile at `c` (row stride `ldc`):
    /// first block: C = alpha*acc (beta == 0, C not read) or fma(alpha, acc, beta*C);
    /// later blocks: C = fma(alpha, acc, C).
    @inline(__always)
    static func kernel6x16(
        kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        alpha: Float, beta: Float, first: Bool
    ) {
        typealias V = SIMD8<Float>
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V()
        var c30 = V(), c31 = V(), c40 = V(), c41 = V(), c50 = V(), c51 = V()
        var ap = a
        var bp = UnsafeRawPointer(b)
        for _ in 0..<kc {
            let b0 = bp.loadUnaligned(as: V.self)
            let b1 = bp.loadUnaligned(fromByteOffset: 32, as: V.self)
            var av = V(repeating: ap[0])
            c00 = Elementwise.fma(av, b0, c00); c01 = Elementwise.fma(av, b1, c01)
            av = V(repeating: ap[1])
            c10 = Elementwise.fma(av, b0, c10); c11 = Elementwise.fma(av, b1, c11)
            av = V(repeating: ap[2])
            c20 = Elementwise.fma(av, b0, c20); c21 = Elementwise.fma(av, b1, c21)
            av = V(repeating: ap[3])
            c30 = Elementwise.fma(av, b0, c30); c31 = Elementwise.fma(av, b1, c31)
            av = V(repeating: ap[4])
            c40 = Elementwise.fma(av, b0, c40); c41 = Elementwise.fma(av, b1, c41)
            av = V(repeating: ap[5])
            c50 = Elementwise.fma(av, b0, c50); c51 = Elementwise.fma(av, b1, c51)
            ap += 6
            bp += 64
        }
        @inline(__always) func merge(_ row: UnsafeMutablePointer<Float>, _ lo: V, _ hi: V) {
            mergeRow(row, lo, hi, alpha: alpha, beta: beta, first: first)
        }
        merge(c, c00, c01)
        merge(c + ldc, c10, c11)
        merge(c + 2 * ldc, c20, c21)
        merge(c + 3 * ldc, c30, c31)
        merge(c + 4 * ldc, c40, c41)
        merge(c + 5 * ldc, c50, c51)
    }

    /// Merges one row's 16 accumulated products (`lo`, `hi`) into C, the formula every kernel
    /// shares: first block: C = alpha*acc (beta == 0, C not read) or fma(alpha, acc, beta*C);
    /// later blocks: C = fma(alpha, acc, C).
    @inline(__always)
    static func mergeRow(_ row: UnsafeMutablePointer<Float>, _ lo: SIMD8<Float>, _ hi: SIMD8<Float>,
                         alpha: Float, beta: Float, first: Bool) {
        typealias V = SIMD8<Float>
        let va = V(repeating: alpha)
        let raw = UnsafeMutableRawPointer(row)
        if first && beta == 0 {
            raw.storeBytes(of: va * lo, as: V.self)
            raw.storeBytes(of: va * hi, toByteOffset: 32, as: V.self)
        } else {
            var old0 = raw.loadUnaligned(as: V.self)
            var old1 = raw.loadUnaligned(fromByteOffset: 32, as: V.self)
            if first {
                let vb = V(repeating: beta)
                old0 = vb * old0; old1 = vb * old1
            }
            raw.storeBytes(of: Elementwise.fma(va, lo, old0), as: V.self)
            raw.storeBytes(of: Elementwise.fma(va, hi, old1), toByteOffset: 32, as: V.self)
        }
    }

    /// An edge tile (rows < 6 or cols < 16): runs the same kernel on a 6 x 16 scratch
    /// tile, so every element rounds exactly as it would inside a full tile, and
    /// copies back only the valid part. C outside rows x cols is never touched.
    @inline(never)
    static func edgeKernel(
        kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int,
        alpha: Float, beta: Float, first: Bool, scratch: UnsafeMutablePointer<Float>
    ) {
        let readsC = !(first && beta == 0)
        if readsC {
            for r in 0..<rows { (scratch + r * nr).update(from: c + r * ldc, count: cols) }
        }
        kernel6x16(kc: kc, a: a, b: b, c: scratch, ldc: nr, alpha: alpha, beta: beta, first: first)
        for r in 0..<rows { (c + r * ldc).update(from: scratch + r * nr, count: cols) }
    }
}
