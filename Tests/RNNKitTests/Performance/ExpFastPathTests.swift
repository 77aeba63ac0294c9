import XCTest
@testable import RNNKit

/// `Elementwise.exp` clamps, rounds and converts with selects and bit casts for speed;
/// it must give bitwise what the plain formulation (`clamped`, `rounded`, `SIMD8<Int32>`)
/// gives, including at rounding ties, the clamp bounds and for NaN/Inf.
final class ExpFastPathTests: XCTestCase {
    static func plainExp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        typealias V = SIMD8<Float>
        let xc = x.clamped(lowerBound: V(repeating: -104), upperBound: V(repeating: 89))
        let n = (xc * V(repeating: 1.44269504088896341)).rounded(.toNearestOrEven)
        var r = Elementwise.fma(n, V(repeating: -0.693359375), xc)
        r = Elementwise.fma(n, V(repeating: 2.12194440e-4), r)
        var p = V(repeating: 1.9875691500e-4)
        p = Elementwise.fma(p, r, V(repeating: 1.3981999507e-3))
        p = Elementwise.fma(p, r, V(repeating: 8.3334519073e-3))
        p = Elementwise.fma(p, r, V(repeating: 4.1665795894e-2))
        p = Elementwise.fma(p, r, V(repeating: 1.6666665459e-1))
        p = Elementwise.fma(p, r, V(repeating: 5.0000001201e-1))
        p = Elementwise.fma(p, r * r, r) + V(repeating: 1)
        let ni = SIMD8<Int32>(n)
        let n1 = ni &>> 1
        let n2 = ni &- n1
        let s1 = unsafeBitCast((n1 &+ 127) &<< 23, to: V.self)
        let s2 = unsafeBitCast((n2 &+ 127) &<< 23, to: V.self)
        return ((p * s1) * s2).replacing(with: x, where: x .!= x)
    }

    func testBitwiseEqualToPlainFormulation() {
        var values: [Float] = [0, -0, 1, -1, 89, -104, 88.72, 88.73, 89.5, -103.9, -104.5, 1e30, -1e30,
                               .infinity, -.infinity, .nan, .leastNonzeroMagnitude, .greatestFiniteMagnitude]
        // Points where x * log2(e) lies exactly on or next to a half-integer (rounding ties).
        for k in -300...260 {
            let x = (Float(k) + 0.5) / 1.44269504088896341
            values += [x, x.nextUp, x.nextDown]
        }
        var rng = RandomSource(seed: 7)
        for _ in 0..<20_000 { values.append(rng.uniform(-120, 100)) }
        while values.count % 8 != 0 { values.append(0.25) }
        for i in stride(from: 0, to: values.count, by: 8) {
            var v = SIMD8<Float>()
            for l in 0..<8 { v[l] = values[i + l] }
            let fast = Elementwise.exp(v), plain = Self.plainExp(v)
            for l in 0..<8 {
                XCTAssertEqual(fast[l].bitPattern, plain[l].bitPattern, "exp(\(v[l])): \(fast[l]) vs \(plain[l])")
            }
        }
    }
}
