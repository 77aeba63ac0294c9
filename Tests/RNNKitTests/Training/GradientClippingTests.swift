import XCTest
@testable import RNNKit

final class GradientClippingTests: XCTestCase {
    private func parameters(_ golden: GoldenFile) -> [Parameter] {
        let a = Parameter(name: "a", shape: golden.shape("grad_a"))
        let b = Parameter(name: "b", shape: golden.shape("grad_b"))
        a.grad.copy(from: Tensor(a.shape, values: golden.floats("grad_a")))
        b.grad.copy(from: Tensor(b.shape, values: golden.floats("grad_b")))
        return [a, b]
    }

    func testClipMatchesPyTorch() throws {
        let golden = try GoldenFile("clip_grad_norm")
        let ps = parameters(golden)
        let frozen = Parameter(name: "f", shape: [2], frozen: true)
        frozen.grad.fill(100)
        let norm = clipGradientNorm(ps + [frozen], maxNorm: 1.0)
        assertGoldenClose([norm], golden.doubles("total_norm"), "total_norm")
        assertGoldenClose(ps[0].grad.array, golden.doubles("clipped_a"), "clipped_a")
        assertGoldenClose(ps[1].grad.array, golden.doubles("clipped_b"), "clipped_b")
        XCTAssertEqual(frozen.grad.array, [100, 100])
        XCTAssertLessThanOrEqual(globalGradientNorm(ps), 1.0 + 1e-5)
    }

    func testNoClipLeavesGradientsBitwise() throws {
        let golden = try GoldenFile("clip_grad_norm")
        let ps = parameters(golden)
        let before = ps.map { $0.grad.array }
        let norm = clipGradientNorm(ps, maxNorm: 100)
        assertGoldenClose([norm], golden.doubles("total_norm_noclip"), "total_norm_noclip")
        XCTAssertEqual(ps.map { $0.grad.array }, before)
        assertGoldenClose(ps[0].grad.array, golden.doubles("clipped_a_noclip"), "clipped_a_noclip")
    }

    func testClipValue() {
        let p = Parameter(name: "p", shape: [4])
        p.grad.copy(from: Tensor([4], values: [-3, -0.5, 0.25, 7]))
        clipGradientValue([p], limit: 1)
        XCTAssertEqual(p.grad.array, [-1, -0.5, 0.25, 1])
        XCTAssertEqual(globalGradientNorm([p]), Float((1 + 0.25 + 0.0625 + 1.0).squareRoot()), accuracy: 1e-6)
    }
}
