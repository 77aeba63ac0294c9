import XCTest
@testable import RNNKit

/// Adam's update and the gradient norm split large parameters over threads: the results must be
/// bitwise the same for 1, 2 and 3 threads (sizes chosen so the split really happens and the
/// ranges end off the 8-lane boundaries).
final class ParallelUpdateTests: XCTestCase {
    private func parameters(seed: UInt64) -> [Parameter] {
        var rng = RandomSource(seed: seed)
        return [[300_001], [77], [65_543, 3]].enumerated().map { index, shape in
            let p = Parameter(name: "p\(index)", shape: shape)
            for i in 0..<p.value.count {
                p.value[i] = rng.uniform(-1, 1)
                p.grad[i] = rng.uniform(-2, 2)
            }
            return p
        }
    }

    func testAdamAndClippingAreBitwiseTheSameForAnyThreadCount() {
        defer { Parallel.threadCount = 0 }
        var results: [[[UInt32]]] = []
        var norms: [Float] = []
        for threads in [1, 2, 3] {
            Parallel.threadCount = threads
            let ps = parameters(seed: 4)
            let adam = Adam(weightDecay: 0.01, decoupled: true)
            norms.append(clipGradientNorm(ps, maxNorm: 1))
            adam.step(ps, learningRate: 0.01)
            adam.step(ps, learningRate: 0.01)
            results.append(ps.map { $0.value.array.map(\.bitPattern) } + ps.map { $0.grad.array.map(\.bitPattern) })
        }
        XCTAssertEqual(results[1], results[0], "2 threads vs 1")
        XCTAssertEqual(results[2], results[0], "3 threads vs 1")
        XCTAssertEqual(norms.map(\.bitPattern), [norms[0], norms[0], norms[0]].map(\.bitPattern))
        // The norm is the plain one to float precision (the chunking changes only Double rounding).
        let ps = parameters(seed: 4)
        let exact = ps.reduce(0.0) { $0 + $1.grad.array.reduce(0.0) { $0 + Double($1) * Double($1) } }.squareRoot()
        XCTAssertEqual(Double(norms[0]), exact, accuracy: exact * 1e-6)
        XCTAssertGreaterThan(norms[0], 1, "clipping happened")
    }
}
