import Foundation
import XCTest
@testable import RNNKit

/// The SIMD kernels against Foundation's functions, computed in Double and rounded.
final class ElementwiseTests: XCTestCase {
    /// Inputs over a wide range: dense near 0, the ±100 and ±1e4 regions, exp's overflow
    /// and underflow edges, signed zeros and the largest finite values.
    static let inputs: [Float] = {
        var values: [Float] = [0, -0.0, 1e-30, -1e-30, 1e-7, -1e-7, 0.625, -0.625, 0.6249999, 88.72, 88.73,
                               -87.3, -87.4, -103.9, -104.5, 100, -100, 1e4, -1e4, 3e38, -3e38,
                               .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .leastNonzeroMagnitude]
        var rng = RandomSource(seed: 11)
        for _ in 0..<4000 { values.append(rng.uniform(-12, 12)) }
        for _ in 0..<2000 { values.append(rng.uniform(-110, 110)) }
        for _ in 0..<500 { values.append(rng.uniform(-1, 1) * 1e-3) }
        for _ in 0..<500 { values.append(rng.uniform(-1e4, 1e4)) }
        return values
    }()

    /// |got - expected| <= rel * |expected|, or <= 1e-37 where the expected value is subnormal-sized.
    func assertClose(_ name: String, _ x: Float, _ got: Float, _ expected: Double, rel: Double,
                     file: StaticString = #filePath, line: UInt = #line) -> Bool {
        if Float(expected).isInfinite {
            if got != Float(expected) { XCTFail("\(name)(\(x)) = \(got), expected \(expected)", file: file, line: line); return false }
            return true
        }
        let err = abs(Double(got) - expected)
        if !(err <= rel * abs(expected) || err <= 1e-37) || !got.isFinite {
            XCTFail("\(name)(\(x)) = \(got), expected \(expected) (rel err \(err / abs(expected)))", file: file, line: line)
            return false
        }
        return true
    }

    func checkAll(_ name: String, rel: Double, finite: Bool,
                  simd: (SIMD8<Float>) -> SIMD8<Float>, scalar: (Float) -> Float,
                  buffer: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void,
                  reference: (Double) -> Double) {
        let xs = Self.inputs
        var fromBuffer = [Float](repeating: .nan, count: xs.count)
        xs.withUnsafeBufferPointer { x in fromBuffer.withUnsafeMutableBufferPointer { y in buffer(x.baseAddress!, y.baseAddress!, xs.count) } }
        var failures = 0
        for i in 0..<xs.count where failures < 5 {
            let x = xs[i]
            // The same value in every lane position and in the scalar path rounds identically.
            var v = SIMD8<Float>(repeating: 0.5)
            v[i % 8] = x
            let lane = simd(v)[i % 8]
            let s = scalar(x)
            if lane.bitPattern != s.bitPattern || fromBuffer[i].bitPattern != s.bitPattern {
                XCTFail("\(name)(\(x)): scalar \(s), lane \(lane), buffer \(fromBuffer[i]) differ"); failures += 1
            }
            if finite && !s.isFinite { XCTFail("\(name)(\(x)) = \(s) not finite"); failures += 1 }
            if !assertClose(name, x, s, reference(Double(x)), rel: rel) { failures += 1 }
        }
    }

    func testExpAgainstFoundation() {
        checkAll("exp", rel: 3e-7, finite: false, simd: Elementwise.exp, scalar: Elementwise.exp,
                 buffer: { Elementwise.exp($0, $1, count: $2) }, reference: { Foundation.exp($0) })
        XCTAssertEqual(Elementwise.exp(-Float.infinity), 0)
        XCTAssertEqual(Elementwise.exp(Float.infinity), .infinity)
        XCTAssertTrue(Elementwise.exp(Float.nan).isNaN)
        XCTAssertEqual(Elementwise.exp(Float(0)), 1)
    }

    func testTanhAgainstFoundation() {
        checkAll("tanh", rel: 5e-7, finite: true, simd: Elementwise.tanh, scalar: Elementwise.tanh,
                 buffer: { Elementwise.tanh($0, $1, count: $2) }, reference: { Foundation.tanh($0) })
        XCTAssertEqual(Elementwise.tanh(Float(1e4)), 1)
        XCTAssertEqual(Elementwise.tanh(Float(-1e4)), -1)
        XCTAssertEqual(Elementwise.tanh(Float(-0.0)).sign, .minus)
    }

    func testSigmoidAgainstFoundation() {
        checkAll("sigmoid", rel: 5e-7, finite: true, simd: Elementwise.sigmoid, scalar: Elementwise.sigmoid,
                 buffer: { Elementwise.sigmoid($0, $1, count: $2) }, reference: { 1 / (1 + Foundation.exp(-$0)) })
        XCTAssertEqual(Elementwise.sigmoid(Float(1e4)), 1)
        XCTAssertEqual(Elementwise.sigmoid(Float(-1e4)), 0)
        XCTAssertEqual(Elementwise.sigmoid(Float(0)), 0.5)
    }

    func testDerivativesFromOutputs() {
        let ys: [Float] = (0..<37).map { Float($0) / 36 * 2 - 1 }
        let dys: [Float] = ys.indices.map { Float($0 % 5) - 2.5 }
        var dx = [Float](repeating: .nan, count: ys.count)
        Elementwise.tanhBackward(output: ys, outputGradient: dys, inputGradient: &dx, count: ys.count)
        for i in ys.indices {
            XCTAssertEqual(Double(dx[i]), Double(dys[i]) * (1 - Double(ys[i]) * Double(ys[i])), accuracy: 1e-6)
        }
        XCTAssertEqual(Elementwise.tanhDerivative(output: Float(0.5)), 0.75)
        XCTAssertEqual(Elementwise.sigmoidDerivative(output: Float(0.5)), 0.25)
    }

    func testSoftmaxRowsStableAndNormalised() {
        for cols in [1, 3, 8, 13, 64] {
            let rows = 4
            var rng = RandomSource(seed: UInt64(cols))
            var x = (0..<(rows * cols)).map { _ in rng.uniform(-5, 5) }
            x[0] = 1e4                            // huge logit: must not overflow
            if cols > 2 { x[cols + 1] = -1e4; x[cols + 2] = 100 }
            for j in 0..<cols { x[3 * cols + j] = -3e38 }   // equal huge negative row
            var y = [Float](repeating: .nan, count: x.count)
            Elementwise.softmaxRows(x, &y, rows: rows, cols: cols)
            for r in 0..<rows {
                let row = x[(r * cols)..<((r + 1) * cols)].map(Double.init)
                let m = row.max()!
                let e = row.map { Foundation.exp($0 - m) }
                let s = e.reduce(0, +)
                var total = 0.0
                for j in 0..<cols {
                    let got = y[r * cols + j]
                    XCTAssertTrue(got.isFinite, "softmax row \(r) col \(j) = \(got)")
                    XCTAssertEqual(Double(got), e[j] / s, accuracy: 1e-6 * max(1, e[j] / s))
                    total += Double(got)
                }
                XCTAssertEqual(total, 1, accuracy: 1e-5)
            }
            // In place gives the same result.
            Elementwise.softmaxRows(x, &x, rows: rows, cols: cols)
            XCTAssertEqual(x.map(\.bitPattern), y.map(\.bitPattern))
        }
    }
}
