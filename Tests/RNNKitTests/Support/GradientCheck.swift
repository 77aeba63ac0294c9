import XCTest
@testable import RNNKit

/// Central finite differences on Float32 parameters, with the loss accumulated in Double.
///
/// Float32 forward passes limit the accuracy to about 1e-3 relative with eps = 1e-2
/// on unit-scale inputs, so checks compare with `tolerance` relative to
/// max(|analytic|, |numeric|, floor). Each layer's test states the tolerance it uses;
/// a deliberately broken backward (e.g. a dropped term or a wrong sign) gives errors of
/// order 1, far above it.
struct GradientCheck {
    var eps: Float = 1e-2
    var tolerance: Double = 2e-2
    var floor: Double = 1e-2

    /// Numerical gradient of `loss()` with respect to `values[0..<count]`, perturbing in place.
    func numericalGradient(values: UnsafeMutablePointer<Float>, count: Int, loss: () -> Double) -> [Double] {
        var result = [Double](repeating: 0, count: count)
        for i in 0..<count {
            let saved = values[i]
            values[i] = saved + eps
            let plus = loss()
            values[i] = saved - eps
            let minus = loss()
            values[i] = saved
            result[i] = (plus - minus) / Double(2 * eps)
        }
        return result
    }

    /// Compares an analytic gradient with the numerical one; returns the worst relative error.
    @discardableResult
    func check(analytic: [Float], values: UnsafeMutablePointer<Float>, count: Int, _ what: String,
               file: StaticString = #filePath, line: UInt = #line, loss: () -> Double) -> Double {
        let numeric = numericalGradient(values: values, count: count, loss: loss)
        var worst = 0.0
        for i in 0..<count {
            let a = Double(analytic[i]), n = numeric[i]
            let err = abs(a - n) / max(abs(a), abs(n), floor)
            worst = max(worst, err)
            if err > tolerance {
                XCTFail("\(what)[\(i)]: analytic \(a), numeric \(n) (rel err \(err))", file: file, line: line)
                return err
            }
        }
        return worst
    }
}

/// Sum of `x * weights` in Double: a loss whose gradient with respect to x is `weights`.
func weightedSum(_ x: Tensor, _ weights: [Float]) -> Double {
    precondition(x.count == weights.count)
    var s = 0.0
    for i in 0..<x.count { s += Double(x[i]) * Double(weights[i]) }
    return s
}
