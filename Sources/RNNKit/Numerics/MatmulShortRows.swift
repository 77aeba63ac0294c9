/// The short-rows micro-kernel: 1 to 5 rows of C (a partial A panel: the rows of a
/// batch-1 recurrent step, or the last `m % 6` rows of a batch) times one 16-column B
/// panel, written to C directly. Each row keeps two SIMD8<Float> accumulators and
/// every element rounds exactly as in `kernel6x16`: acc = 0, acc = fma(a_p, b_pj, acc)
/// for p in increasing order, then the same merge into C. So a row of C is bitwise the
/// same whether it is computed alone, in a short panel, or inside a full 6-row tile.
///
/// A and B are read through strides, so the same code runs on packed panels (A: kc x 6,
/// row index fastest; B: kc x 16) or on the operands as stored (A rows with stride lda,
/// B rows with stride ldb), which spares the packing when the rows are too few to pay
/// for it.
extension MatmulCore {
    /// Where the short-rows kernel reads its operands. A(r, p) = a[r * aRow + p * aStep];
    /// the 16 values B(p, 0 ..< 16) are contiguous at b + p * bStep (the panel is
    /// zero-padded, or lies inside B, past column `cols`).
    struct ShortRowsOperands {
        let a: UnsafePointer<Float>, aRow: Int, aStep: Int
        let b: UnsafePointer<Float>, bStep: Int
    }

    /// C[0 ..< rows, 0 ..< cols] (rows in 1...5, cols in 1...16) from `kc` k steps;
    /// same merge as `kernel6x16`. C outside rows x cols is never touched.
    @inline(never)
    static func shortRowsKernel(
        rows: Int, cols: Int, kc: Int, _ s: ShortRowsOperands,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        alpha: Float, beta: Float, first: Bool
    ) {
        // One specialised copy per row count (generic specialisation, which the
        // optimiser does for these concrete types; an @inline(__always) helper with a
        // constant argument was left generic for 3...5 rows): the row tests fold away
        // and only the accumulators of the rows in use are live in the loop.
        switch rows {
        case 1: shortRows(OneRow.self, cols, kc, s, c, ldc, alpha, beta, first)
        case 2: shortRows(TwoRows.self, cols, kc, s, c, ldc, alpha, beta, first)
        case 3: shortRows(ThreeRows.self, cols, kc, s, c, ldc, alpha, beta, first)
        case 4: shortRows(FourRows.self, cols, kc, s, c, ldc, alpha, beta, first)
        default: shortRows(FiveRows.self, cols, kc, s, c, ldc, alpha, beta, first)
        }
    }

    /// A row count known at compile time, as a type, so each count gets its own code.
    protocol ShortRowCount { static var rows: Int { get } }
    enum OneRow: ShortRowCount { static var rows: Int { 1 } }
    enum TwoRows: ShortRowCount { static var rows: Int { 2 } }
    enum ThreeRows: ShortRowCount { static var rows: Int { 3 } }
    enum FourRows: ShortRowCount { static var rows: Int { 4 } }
    enum FiveRows: ShortRowCount { static var rows: Int { 5 } }

    private static func shortRows<Count: ShortRowCount>(
        _ count: Count.Type, _ cols: Int, _ kc: Int, _ s: ShortRowsOperands,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int,
        _ alpha: Float, _ beta: Float, _ first: Bool
    ) {
        let rows = Count.rows
        typealias V = SIMD8<Float>
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V()
        var c30 = V(), c31 = V(), c40 = V(), c41 = V()
        let r1 = s.aRow, r2 = 2 * s.aRow, r3 = 3 * s.aRow, r4 = 4 * s.aRow
        var ap = s.a
        var bp = UnsafeRawPointer(s.b)
        let bStepBytes = s.bStep * MemoryLayout<Float>.stride
        for _ in 0..<kc {
            let b0 = bp.loadUnaligned(as: V.self)
            let b1 = bp.loadUnaligned(fromByteOffset: 32, as: V.self)
            var av = V(repeating: ap[0])
            c00 = Elementwise.fma(av, b0, c00); c01 = Elementwise.fma(av, b1, c01)
            if rows > 1 {
                av = V(repeating: ap[r1])
                c10 = Elementwise.fma(av, b0, c10); c11 = Elementwise.fma(av, b1, c11)
            }
            if rows > 2 {
                av = V(repeating: ap[r2])
                c20 = Elementwise.fma(av, b0, c20); c21 = Elementwise.fma(av, b1, c21)
            }
            if rows > 3 {
                av = V(repeating: ap[r3])
                c30 = Elementwise.fma(av, b0, c30); c31 = Elementwise.fma(av, b1, c31)
            }
            if rows > 4 {
                av = V(repeating: ap[r4])
                c40 = Elementwise.fma(av, b0, c40); c41 = Elementwise.fma(av, b1, c41)
            }
            ap += s.aStep
            bp += bStepBytes
        }
        @inline(__always) func merge(_ row: UnsafeMutablePointer<Float>, _ lo: V, _ hi: V) {
            if cols == nr {
                mergeRow(row, lo, hi, alpha: alpha, beta: beta, first: first)
            } else {
                // Column edge: the same formula one lane at a time (a scalar product and
                // `Elementwise.fma` round exactly like one lane of the vector ones).
                for j in 0..<cols {
                    let acc = j < 8 ? lo[j] : hi[j - 8]
                    if first && beta == 0 {
                        row[j] = alpha * acc
                    } else {
                        let old = first ? beta * row[j] : row[j]
                        row[j] = Elementwise.fma(alpha, acc, old)
                    }
                }
            }
        }
        merge(c, c00, c01)
        if rows > 1 { merge(c + ldc, c10, c11) }
        if rows > 2 { merge(c + 2 * ldc, c20, c21) }
        if rows > 3 { merge(c + 3 * ldc, c30, c31) }
        if rows > 4 { merge(c + 4 * ldc, c40, c41) }
    }
}
