import XCTest
@testable import RNNKit

/// `matmul(_:m:alpha:a:lda:packedB:beta:c:ldc:)` must give bitwise what `matmul` gives with
/// the unpacked B: direct and blocked paths, several k slices, n not a multiple of 16, both
/// storage orders of B, beta 0 and 1, one and two threads, and one packing reused.
final class PackedMatmulTests: XCTestCase {
    func testPackedEqualsUnpackedBitwise() {
        defer { Parallel.threadCount = 0 }
        let shapes: [(m: Int, n: Int, k: Int)] = [(1, 7, 3), (3, 20, 5), (1, 512, 128), (13, 37, 650),
                                                  (128, 512, 128), (130, 128, 512), (7, 2100, 9)]
        for threads in [1, 2] {
            Parallel.threadCount = threads
            for (m, n, k) in shapes {
                for transA in [Transpose.none, .transpose] {
                    for transB in [Transpose.none, .transpose] {
                        let what = "m \(m) n \(n) k \(k) \(transA) \(transB) threads \(threads)"
                        let a = LayerTestSupport.randomTensor([m * k], seed: UInt64(m * 31 + k))
                        let b = LayerTestSupport.randomTensor([k * n], seed: UInt64(n * 17 + k))
                        let lda = transA == .none ? k : m, ldb = transB == .none ? n : k
                        let packed = PackedMatmulB(transB, k: k, n: n, b: b.data, ldb: ldb)
                        for beta: Float in [0, 1] {
                            let start = LayerTestSupport.randomTensor([m * n], seed: 5)
                            let want = Tensor(copying: start), got = Tensor(copying: start)
                            matmul(transA, transB, m: m, n: n, k: k, alpha: 0.5, a: a.data, lda: lda,
                                   b: b.data, ldb: ldb, beta: beta, c: want.data, ldc: n)
                            // The same packing twice: reuse must not change anything.
                            for round in 0..<2 {
                                got.copy(from: start)
                                matmul(transA, m: m, alpha: 0.5, a: a.data, lda: lda, packedB: packed,
                                       beta: beta, c: got.data, ldc: n)
                                XCTAssertEqual(got.array.map(\.bitPattern), want.array.map(\.bitPattern),
                                               "\(what) beta \(beta) round \(round)")
                            }
                        }
                        // B changed in place (a training step): `repack` gives the new product.
                        for i in 0..<b.count { b[i] = b[i] * 0.5 - 0.25 }
                        packed.repack()
                        let want = Tensor([m * n]), got = Tensor([m * n])
                        matmul(transA, transB, m: m, n: n, k: k, alpha: 1, a: a.data, lda: lda,
                               b: b.data, ldb: ldb, beta: 0, c: want.data, ldc: n)
                        matmul(transA, m: m, alpha: 1, a: a.data, lda: lda, packedB: packed, beta: 0, c: got.data, ldc: n)
                        XCTAssertEqual(got.array.map(\.bitPattern), want.array.map(\.bitPattern), "\(what) after repack")
                        do {
                        }
                    }
                }
            }
        }
    }
}
