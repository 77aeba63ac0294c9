import Foundation

/// Elementwise math for the layers' hot loops.
///
/// PLACEHOLDER API: scalar implementations; the numerics work replaces the
/// bodies with SIMD ones (same names), numerically stable for any input.
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

    @inlinable public static func sigmoid(_ x: Float) -> Float {
        x >= 0 ? 1 / (1 + Foundation.exp(-x)) : { let e = Foundation.exp(x); return e / (1 + e) }()
    }

    @inlinable public static func tanh(_ x: Float) -> Float { Foundation.tanh(x) }

    @inlinable public static func exp(_ x: Float) -> Float { Foundation.exp(x) }

    @inlinable public static func sigmoid(_ x: SIMD8<Float>) -> SIMD8<Float> {
        var r = SIMD8<Float>(); for i in 0..<8 { r[i] = sigmoid(x[i]) }; return r
    }

    @inlinable public static func tanh(_ x: SIMD8<Float>) -> SIMD8<Float> {
        var r = SIMD8<Float>(); for i in 0..<8 { r[i] = tanh(x[i]) }; return r
    }

    @inlinable public static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        var r = SIMD8<Float>(); for i in 0..<8 { r[i] = exp(x[i]) }; return r
    }

    /// y[i] = sigmoid(x[i]); x and y may alias.
    public static func sigmoid(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] = sigmoid(x[i]) }
    }

    /// y[i] = tanh(x[i]); x and y may alias.
    public static func tanh(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] = tanh(x[i]) }
    }

    /// y[i] = exp(x[i]); x and y may alias.
    public static func exp(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] = exp(x[i]) }
    }

    /// dx[i] = dy[i] * y[i] * (1 - y[i]) where y = sigmoid(x).
    public static func sigmoidBackward(output y: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>,
                                       inputGradient dx: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { dx[i] = dy[i] * y[i] * (1 - y[i]) }
    }

    /// dx[i] = dy[i] * (1 - y[i]^2) where y = tanh(x).
    public static func tanhBackward(output y: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>,
                                    inputGradient dx: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { dx[i] = dy[i] * (1 - y[i] * y[i]) }
    }

    /// Row-wise softmax of a [rows, cols] matrix, max-subtracted so it never overflows.
    public static func softmaxRows(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        for r in 0..<rows {
            let xr = x + r * cols, yr = y + r * cols
            var m = -Float.infinity
            for j in 0..<cols { m = Swift.max(m, xr[j]) }
            var s: Float = 0
            for j in 0..<cols { let e = exp(xr[j] - m); yr[j] = e; s += e }
            let inv = 1 / s
            for j in 0..<cols { yr[j] *= inv }
        }
    }
}
