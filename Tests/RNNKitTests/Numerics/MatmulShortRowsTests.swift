import XCTest
@testable import RNNKit

/// Short row counts (m % 6 != 0, batch 1): every element of C must be bitwise the scalar
/// reference with the kernels' rounding (k slices, fma in increasing p, the kernel merge),
/// and a row computed alone must be bitwise the same row computed inside a 128-row product.
/// That is what makes a sequence's logits independent of the batch it is in.
///
/// Mutation checks (each tried by hand, then reverted):
/// - `av * b0 + c00` instead of `Elementwise.fma(av, b0, c00)` for row 0 in
///   `MatmulCore.shortRows`: `testShortRowsBitwiseNoneNone` fails from n 16, k 7 on
///   (row 126 of the 128-row product, in its 2-row edge panel, differs from the reference);
/// - no k slicing in `MatmulCore.direct` (one accumulator over all k): they fail at
///   n 16, k 321, m 1 and 2 (direct path) against the same rows of the 128-row product.
extension MatmulTests {
    /// Scalar reference: per element, per k slice (`kSlices = ceil(k / 320)` equal slices
    /// as `MatmulCore.run` takes them), acc = fma(a_p, b_pj, acc) from 0, then
    /// first slice: alpha*acc (beta == 0) or fma(alpha, acc, beta*C); later: fma(alpha, acc, C).
    static func shortRowsReference(
        transA: Transpose, transB: Transpose, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let slices = Swift.max(1, (k + 319) / 320)
        let depth = (k + slices - 1) / slices
        for i in 0..<m {
            for j in 0..<n {
                var p0 = 0
                while p0 < k {
                    let p1 = Swift.min(k, p0 + depth)
                    var acc: Float = 0
                    for p in p0..<p1 {
                        let av = transA == .none ? a[i * lda + p] : a[p * lda + i]
                        let bv = transB == .none ? b[p * ldb + j] : b[j * ldb + p]
                        acc = Elementwise.fma(av, bv, acc)
                    }
                    let cij = c + i * ldc + j
                    if p0 == 0 {
                        cij.pointee = beta == 0 ? alpha * acc : Elementwise.fma(alpha, acc, beta * cij.pointee)
                    } else {
                        cij.pointee = Elementwise.fma(alpha, acc, cij.pointee)
                    }
                    p0 = p1
                }
            }
        }
    }

    /// For every n, k, alpha, beta: one 128-row product (rows 126, 127 are a 2-row edge
    /// panel) checked bitwise against the reference, then m = 1...13 rows taken from it
    /// at several offsets, computed alone and compared bitwise (also through
    /// `PackedMatmulB` for m = 1, 2, 5). C's padding and the row after C stay untouched.
    func checkShortRows(_ transA: Transpose, _ transB: Transpose, file: StaticString = #filePath, line: UInt = #line) {
        let big = 128
        var rng = RandomSource(seed: 11)
        func random(_ count: Int) -> [Float] { (0..<count).map { _ in rng.uniform(-1, 1) } }
        let sentinel: Float = 12345.5
        for n in [16, 37, 512] {
            for k in [1, 7, 128, 321] {
                // Stored shapes with a row-stride padding of 3.
                let lda = (transA == .none ? k : big) + 3
                let ldb = (transB == .none ? n : k) + 3
                let ldc = n + 2
                let a = random((transA == .none ? big : k) * lda)
                let b = random((transB == .none ? k : n) * ldb)
                let c0 = random(big * ldc)
                let packed = PackedMatmulB(transB, k: k, n: n, b: b, ldb: ldb)
                for (alpha, beta) in [(Float(1), Float(0)), (1, 1), (1, 0.5), (-0.5, 0), (-0.5, 1), (-0.5, 0.5)] {
                    let tag = "transA \(transA) transB \(transB) n \(n) k \(k) alpha \(alpha) beta \(beta)"
                    var cBig = c0, cRef = c0
                    if beta == 0 { cBig = cBig.map { _ in .nan } }   // beta == 0 must not read C
                    matmul(transA, transB, m: big, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                           beta: beta, c: &cBig, ldc: ldc)
                    Self.shortRowsReference(transA: transA, transB: transB, m: big, n: n, k: k, alpha: alpha,
                                            a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: &cRef, ldc: ldc)
                    let bigBits = cBig.map(\.bitPattern)
                    guard Self.sameRows(bigBits, cRef.map(\.bitPattern), rows: 0..<big, n: n, ldc: ldc) else {
                        XCTFail("\(tag): 128-row product differs from the reference", file: file, line: line)
                        continue
                    }
                    for m in 1...13 {
                        // Offsets: the tail (its last rows are the 2-row edge panel), a full
                        // panel's start, and one that crosses a panel boundary.
                        for r0 in Set([big - m, 6 * (m % 5), 3 + m]) {
                            let aRows = transA == .none ? a.withUnsafeBufferPointer { $0.baseAddress! + r0 * lda }
                                                        : a.withUnsafeBufferPointer { $0.baseAddress! + r0 }
                            let expected = Array(bigBits[(r0 * ldc)..<((r0 + m) * ldc)])
                            for usePacked in m == 1 || m == 2 || m == 5 ? [false, true] : [false] {
                                // m rows of C, padding columns and one more row of sentinels.
                                var c = [Float](repeating: sentinel, count: (m + 1) * ldc)
                                for i in 0..<m {
                                    for j in 0..<n { c[i * ldc + j] = beta == 0 ? .nan : c0[(r0 + i) * ldc + j] }
                                }
                                if usePacked {
                                    matmul(transA, m: m, alpha: alpha, a: aRows, lda: lda, packedB: packed,
                                           beta: beta, c: &c, ldc: ldc)
                                } else {
                                    matmul(transA, transB, m: m, n: n, k: k, alpha: alpha, a: aRows, lda: lda,
                                           b: b, ldb: ldb, beta: beta, c: &c, ldc: ldc)
                                }
                                let bits = c.map(\.bitPattern)
                                if !Self.sameRows(bits, expected, rows: 0..<m, n: n, ldc: ldc) {
                                    XCTFail("\(tag) m \(m) rows \(r0)..<\(r0 + m) packed \(usePacked): differs from the same rows in the 128-row product",
                                            file: file, line: line)
                                }
                                let untouched = (0..<m).allSatisfy { i in (n..<ldc).allSatisfy { c[i * ldc + $0] == sentinel } }
                                    && c[(m * ldc)...].allSatisfy { $0 == sentinel }
                                XCTAssertTrue(untouched, "\(tag) m \(m) packed \(usePacked): wrote outside C", file: file, line: line)
                            }
                        }
                    }
                }
            }
        }
    }

    static func sameRows(_ x: [UInt32], _ y: [UInt32], rows: Range<Int>, n: Int, ldc: Int) -> Bool {
        rows.allSatisfy { i in (0..<n).allSatisfy { x[i * ldc + $0] == y[i * ldc + $0] } }
    }

    func testShortRowsBitwiseNoneNone() { checkShortRows(.none, .none) }
    func testShortRowsBitwiseNoneTranspose() { checkShortRows(.none, .transpose) }
    func testShortRowsBitwiseTransposeNone() { checkShortRows(.transpose, .none) }
    func testShortRowsBitwiseTransposeTranspose() { checkShortRows(.transpose, .transpose) }

    /// A 1-row product reads A and B unpacked and stays on one task whatever the thread
    /// count; its result is the same for 1, 2 and 3 threads, and equals that row of a
    /// larger product split over threads.
    func testShortRowsSameForAnyThreadCount() {
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        var rng = RandomSource(seed: 3)
        let (m, n, k) = (130, 1024, 700)   // 93 M multiply-adds: split over threads; k in 3 slices
        let a = (0..<(m * k)).map { _ in rng.uniform(-1, 1) }
        let b = (0..<(k * n)).map { _ in rng.uniform(-1, 1) }
        Parallel.threadCount = 3
        var cBig = [Float](repeating: 0, count: m * n)
        matmul(.none, .none, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: n, beta: 0, c: &cBig, ldc: n)
        for threads in [1, 2, 3] {
            Parallel.threadCount = threads
            for (r0, rows) in [(0, 1), (128, 2), (61, 5)] {
                var c = [Float](repeating: 0, count: rows * n)
                a.withUnsafeBufferPointer { ap in
                    matmul(.none, .none, m: rows, n: n, k: k, alpha: 1, a: ap.baseAddress! + r0 * k, lda: k,
                           b: b, ldb: n, beta: 0, c: &c, ldc: n)
                }
                XCTAssertEqual(c.map(\.bitPattern), cBig[(r0 * n)..<((r0 + rows) * n)].map(\.bitPattern),
                               "rows \(r0)..<\(r0 + rows) at \(threads) threads")
            }
        }
    }
}
