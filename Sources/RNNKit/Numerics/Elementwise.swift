import Foundation

/// Elementwise math for the layers' hot loops.
///
/// The SIMD8 functions are the definitions: the scalar versions run the SIMD8 code
/// on a vector filled with the argument and take lane 0, so an element rounds the
/// same whether it sits in a vector body or in a scalar leftover. Every function is
/// stable: no NaN and no Inf from finite input (except `exp`, which overflows to
/// +Inf above ~88.72 exactly as `Foundation.exp` does; softmax subtracts the row
/// maximum first, so it never overflows).
///
/// Accuracy against Foundation (measured by the tests over [-1e4, 1e4]): exp within
/// 2 ulp, tanh and sigmoid within ~3 ulp (relative 1e-6; absolute 1e-37 where the
/// result is subnormal).
public enum Elementwise {
    /// Fused multiply-add used by every kernel of one build, so all paths round alike.
    @inlinable @inline(__always)
    public static func fma(_ a: SIMD8<Float>, _ b: SIMD8<Float>, _ c: SIMD8<Float>) -> SIMD8<Float> {
        #if RNN_FMA
        return c.addingProduct(a, b)
        #else
        return a * b + c
        #endif
    }

    /// Scalar twin of `fma(_:_:_:)`: rounds exactly like one lane of it.
    @inlinable @inline(__always)
    public static func fma(_ a: Float, _ b: Float, _ c: Float) -> Float {
        #if RNN_FMA
        return c.addingProduct(a, b)
        #else
        return a * b + c
        #endif
    }

    // MARK: Scalar (lane 0 of the SIMD8 version)

    @inlinable public static func sigmoid(_ x: Float) -> Float { sigmoid(SIMD8(repeating: x))[0] }

    @inlinable public static func tanh(_ x: Float) -> Float { tanh(SIMD8(repeating: x))[0] }

    @inlinable public static func exp(_ x: Float) -> Float { exp(SIMD8(repeating: x))[0] }

    // MARK: SIMD8

    /// e^x. Range reduction x = n ln2 + r with |r| <= ln2/2 (ln2 split in a short
    /// exact high part and a low part), a degree-6 polynomial for e^r (Cephes expf
    /// coefficients), then scaling by 2^n in two exact steps so results in the
    /// subnormal range round once. Input is clamped to [-104, 89]: below, the result
    /// is 0; above, +Inf, as in libm. NaN propagates.
    @inlinable
    public static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        typealias V = SIMD8<Float>
        // Clamp with compares and blends (the generic `clamped` and `rounded` are not
        // specialised into vector code); NaN lanes compute on 0 and are restored at the end.
        let low = V(repeating: -104), high = V(repeating: 89)
        var xc = x.replacing(with: low, where: x .< low)
        xc = xc.replacing(with: high, where: xc .> high)
        xc = xc.replacing(with: 0, where: x .!= x)
        // n = round-to-nearest(x log2 e) by adding 1.5 * 2^23: the sum's low mantissa bits
        // then hold n as an integer, read by subtracting the magic number's bit pattern.
        let magic = V(repeating: 12582912)
        let shifted = xc * V(repeating: 1.44269504088896341) + magic
        let n = shifted - magic
        let ni = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- unsafeBitCast(magic, to: SIMD8<Int32>.self)
        var r = fma(n, V(repeating: -0.693359375), xc)
        r = fma(n, V(repeating: 2.12194440e-4), r)
        var p = V(repeating: 1.9875691500e-4)
        p = fma(p, r, V(repeating: 1.3981999507e-3))
        p = fma(p, r, V(repeating: 8.3334519073e-3))
        p = fma(p, r, V(repeating: 4.1665795894e-2))
        p = fma(p, r, V(repeating: 1.6666665459e-1))
        p = fma(p, r, V(repeating: 5.0000001201e-1))
        p = fma(p, r * r, r) + V(repeating: 1)
        // 2^n = 2^n1 * 2^n2 with n1 = n/2 (toward -inf), both exponents in range.
        let n1 = ni &>> 1
        let n2 = ni &- n1
        let s1 = unsafeBitCast((n1 &+ 127) &<< 23, to: V.self)
        let s2 = unsafeBitCast((n2 &+ 127) &<< 23, to: V.self)
        let result = (p * s1) * s2
        // NaN input: the clamp may have replaced it; give NaN back.
        return result.replacing(with: x, where: x .!= x)
    }

    /// tanh(x): odd polynomial (Cephes tanhf) for |x| < 0.625, else
    /// sign(x) (1 - 2 / (e^{2|x|} + 1)), which tends to ±1 without overflow trouble
    /// (e^{2|x|} = +Inf gives exactly ±1).
    @inlinable
    public static func tanh(_ x: SIMD8<Float>) -> SIMD8<Float> {
        typealias V = SIMD8<Float>
        let ax = magnitude(x)
        // Small |x|: x + x z P(z), z = x^2.
        let z = x * x
        var p = V(repeating: -5.70498872745e-3)
        p = fma(p, z, V(repeating: 2.06390887954e-2))
        p = fma(p, z, V(repeating: -5.37397155531e-2))
        p = fma(p, z, V(repeating: 1.33314422036e-1))
        p = fma(p, z, V(repeating: -3.33332819422e-1))
        let small = fma(x * z, p, x)
        // Large |x|.
        let e = exp(ax + ax)
        let magnitude = V(repeating: 1) - V(repeating: 2) / (e + V(repeating: 1))
        // The sign comes from x in both branches (so tanh(-0) = -0).
        return copySign(small.replacing(with: magnitude, where: ax .>= V(repeating: 0.625)), x)
    }

    /// 1 / (1 + e^{-x}) for x >= 0 and e^x / (1 + e^x) for x < 0, both from
    /// e = e^{-|x|} <= 1, so nothing overflows.
    @inlinable
    public static func sigmoid(_ x: SIMD8<Float>) -> SIMD8<Float> {
        typealias V = SIMD8<Float>
        let e = exp(-magnitude(x))
        let numerator = V(repeating: 1).replacing(with: e, where: x .< V(repeating: 0))
        return numerator / (V(repeating: 1) + e)
    }

    /// |x| lanewise (clears the sign bit).
    @inlinable @inline(__always) @usableFromInline
    static func magnitude(_ x: SIMD8<Float>) -> SIMD8<Float> {
        unsafeBitCast(unsafeBitCast(x, to: SIMD8<UInt32>.self) & SIMD8(repeating: 0x7FFF_FFFF), to: SIMD8<Float>.self)
    }

    /// `magnitude` with the sign of `sign`, lanewise.
    @inlinable @inline(__always)
    static func copySign(_ magnitude: SIMD8<Float>, _ sign: SIMD8<Float>) -> SIMD8<Float> {
        let m = unsafeBitCast(magnitude, to: SIMD8<UInt32>.self) & SIMD8(repeating: 0x7FFF_FFFF)
        let s = unsafeBitCast(sign, to: SIMD8<UInt32>.self) & SIMD8(repeating: 0x8000_0000)
        return unsafeBitCast(m | s, to: SIMD8<Float>.self)
    }

    /// Derivative of sigmoid from its output: y (1 - y).
    @inlinable
    public static func sigmoidDerivative(output y: SIMD8<Float>) -> SIMD8<Float> {
        y * (SIMD8(repeating: 1) - y)
    }

    /// Derivative of tanh from its output: 1 - y^2 (the one formula every layer uses: a multiply
    /// then a subtraction, not a fused multiply-add, on every build).
    @inlinable
    public static func tanhDerivative(output y: SIMD8<Float>) -> SIMD8<Float> {
        SIMD8(repeating: 1) - y * y
    }

    @inlinable public static func sigmoidDerivative(output y: Float) -> Float {
        sigmoidDerivative(output: SIMD8(repeating: y))[0]
    }

    @inlinable public static func tanhDerivative(output y: Float) -> Float {
        tanhDerivative(output: SIMD8(repeating: y))[0]
    }

    // MARK: Buffers

    @inlinable @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inlinable @inline(__always)
    static func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
    }

    /// Applies `f` to count elements, 8 at a time; the tail goes through a padded vector (`Lanes`).
    @inline(__always) @usableFromInline
    static func map(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int,
                    _ f: (SIMD8<Float>) -> SIMD8<Float>) {
        Lanes.forEachChunk(count) { i, n in Lanes.store(f(Lanes.load(x + i, n)), y + i, n) }
    }

    /// y[i] += x[i] (one rounding per element, the same in the SIMD body and the tail).
    public static func add(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 8 <= count {
            store(load(x + i) + load(UnsafePointer(y + i)), y + i)
            i += 8
        }
        while i < count {
            y[i] += x[i]
            i += 1
        }
    }

    /// y[i] = sigmoid(x[i]); x and y may alias.
    public static func sigmoid(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        map(x, y, count: count) { sigmoid($0) }
    }

    /// y[i] = tanh(x[i]); x and y may alias.
    public static func tanh(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        map(x, y, count: count) { tanh($0) }
    }

    /// y[i] = exp(x[i]); x and y may alias.
    public static func exp(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        map(x, y, count: count) { exp($0) }
    }

    /// Applies `f(y, dy)` elementwise into dx, 8 at a time, padded tail.
    @inline(__always) @usableFromInline
    static func map2(_ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
                     count: Int, _ f: (SIMD8<Float>, SIMD8<Float>) -> SIMD8<Float>) {
        Lanes.forEachChunk(count) { i, n in Lanes.store(f(Lanes.load(y + i, n), Lanes.load(dy + i, n)), dx + i, n) }
    }

    /// dx[i] = dy[i] * (1 - y[i]^2) where y = tanh(x).
    public static func tanhBackward(output y: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>,
                                    inputGradient dx: UnsafeMutablePointer<Float>, count: Int) {
        map2(y, dy, dx, count: count) { $1 * tanhDerivative(output: $0) }
    }

    /// Row-wise softmax of a [rows, cols] matrix, max-subtracted so it never overflows.
    /// x and y may alias. Sums use eight lanes combined in a fixed order.
    public static func softmaxRows(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        guard cols > 0 else { return }
        typealias V = SIMD8<Float>
        for r in 0..<rows {
            let xr = x + r * cols, yr = y + r * cols
            var vmax = V(repeating: -.infinity)
            var j = 0
            while j + 8 <= cols {
                let v = load(xr + j)
                vmax = vmax.replacing(with: v, where: v .> vmax)
                j += 8
            }
            var m = Swift.max(Swift.max(Swift.max(vmax[0], vmax[1]), Swift.max(vmax[2], vmax[3])),
                              Swift.max(Swift.max(vmax[4], vmax[5]), Swift.max(vmax[6], vmax[7])))
            while j < cols { m = Swift.max(m, xr[j]); j += 1 }
            let vm = V(repeating: m)
            var vsum = V()
            j = 0
            while j + 8 <= cols {
                let e = exp(load(xr + j) - vm)
                store(e, yr + j)
                vsum += e
                j += 8
            }
            if j < cols {
                var v = V(repeating: -.infinity)
                for l in 0..<(cols - j) { v[l] = xr[j + l] }
                let e = exp(v - vm)   // padding lanes give exp(-inf) = 0
                for l in 0..<(cols - j) { yr[j + l] = e[l] }
                vsum += e
            }
            let s = ((vsum[0] + vsum[1]) + (vsum[2] + vsum[3])) + ((vsum[4] + vsum[5]) + (vsum[6] + vsum[7]))
            let inv = V(repeating: 1 / s)
            j = 0
            while j + 8 <= cols { store(load(yr + j) * inv, yr + j); j += 8 }
            while j < cols { yr[j] *= inv[0]; j += 1 }
        }
    }
}
