import Foundation
import XCTest
@testable import RNNKit

/// The CRF at ATIS-like size (K = 120 tags, T = 30, B = 64): prints the time of a loss + backward
/// on the matmul path and on the log-space path, and of a constrained Viterbi decode. The matmul
/// path must agree with the log-space one and be faster than it.
final class CRFTimingTests: XCTestCase {
    func testATISSizedStepTimes() {
        let k = 120, steps = 30, lengths = (0..<64).map { 8 + ($0 * 5) % 23 }
        let crf = CRFTestSupport.makeCRF(tags: k, seed: 1, scale: 0.5)
        let e = LayerTestSupport.randomTensor([steps, lengths.count, k], seed: 2, scale: 4)
        let tags = CRFTestSupport.tags(lengths: lengths, steps: steps, k: k, seed: 3)
        let ws = CRFWorkspace()
        func time(repeats: Int = 3, _ body: () -> Void) -> Double {
            body()   // warm-up: the workspaces grow here
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<repeats { body() }
            return Double(DispatchTime.now().uptimeNanoseconds - start) / (Double(repeats) * 1e6)
        }
        var fast: (loss: Float, grads: [[Float]]) = (0, [])
        let fastMs = time { fast = CRFTestSupport.run(crf, e, tags, lengths, ws) }
        crf.allowsMatmulPath = false
        var slow: (loss: Float, grads: [[Float]]) = (0, [])
        let slowMs = time(repeats: 1) { slow = CRFTestSupport.run(crf, e, tags, lengths, ws) }
        crf.allowsMatmulPath = true
        let names = (0..<k).map { $0 == 0 ? "O" : ($0 % 2 == 1 ? "B-t\($0 / 2)" : "I-t\($0 / 2 - 1)") }
        let constraints = try! TransitionConstraints(tags: names, scheme: .iob2)
        let viterbi = ViterbiWorkspace()
        let decodeMs = time { crf.decode(emissions: e, lengths: lengths, constraints: constraints, workspace: viterbi) }
        print(String(format: "CRF K=120 T=30 B=64: loss+backward %.2f ms (matmul path), %.2f ms (log space); Viterbi %.2f ms",
                     fastMs, slowMs, decodeMs))
        XCTAssertEqual(fast.loss, slow.loss, accuracy: 1e-4 * abs(slow.loss))
        XCTAssertLessThan(fastMs, slowMs)
    }
}
