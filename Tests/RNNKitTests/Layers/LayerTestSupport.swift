import XCTest
@testable import RNNKit

/// Small helpers shared by the layer and model tests.
enum LayerTestSupport {
    /// Values uniform in [-scale, scale) from a seeded generator.
    static func randomValues(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
        var rng = RandomSource(seed: seed)
        return (0..<count).map { _ in rng.uniform(-scale, scale) }
    }

    static func randomTensor(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
        Tensor(shape, values: randomValues(shape.reduce(1, *), seed: seed, scale: scale))
    }

    /// A golden `[B, T]` id tensor as a time-major batch.
    static func batch(golden: GoldenFile, padId: Int32, labels: [Int]? = nil) -> Batch {
        let shape = golden.shape("ids"), b = shape[0], t = shape[1]
        let ids = golden.ints("ids")
        var timeMajor = [Int32](repeating: padId, count: t * b)
        for i in 0..<b { for s in 0..<t { timeMajor[s * b + i] = Int32(ids[i * t + s]) } }
        return Batch(ids: timeMajor, lengths: golden.ints("lengths"), steps: t, labels: labels ?? [])
    }

    /// Indices of every feature of every padded (t, b) position of a `[T, B, F]` tensor.
    static func paddedIndices(lengths: [Int], steps: Int, features: Int) -> [Int] {
        var out: [Int] = []
        let b = lengths.count
        for s in 0..<steps { for j in 0..<b where s >= lengths[j] { for k in 0..<features { out.append((s * b + j) * features + k) } } }
        return out
    }
}
