import Foundation
import XCTest
@testable import RNNKit

/// A PyTorch reference file from Tests/RNNKitTests/Golden (copied from shared/golden).
struct GoldenFile {
    struct Entry: Decodable {
        let dtype: String
        let shape: [Int]
        let data: [Double]
    }
    private struct Root: Decodable {
        let description: String
        let tensors: [String: Entry]
    }

    let name: String
    let description: String
    let tensors: [String: Entry]

    init(_ name: String) throws {
        guard let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Golden") else {
            throw RNNError.input("golden file \(name).json is not in the test bundle")
        }
        let root = try JSONDecoder().decode(Root.self, from: Data(contentsOf: url))
        self.name = name
        self.description = root.description
        self.tensors = root.tensors
    }

    func entry(_ key: String) -> Entry {
        guard let e = tensors[key] else { fatalError("\(name): no tensor \(key); have \(tensors.keys.sorted())") }
        return e
    }

    func shape(_ key: String) -> [Int] { entry(key).shape }
    func doubles(_ key: String) -> [Double] { entry(key).data }
    func floats(_ key: String) -> [Float] { entry(key).data.map { Float($0) } }
    func ints(_ key: String) -> [Int] { entry(key).data.map { Int($0) } }
    func has(_ key: String) -> Bool { tensors[key] != nil }

    /// Batch-first `[B, T, F]` data reordered to the library's time-major `[T, B, F]`.
    func timeMajor(_ key: String) -> [Float] {
        let s = shape(key)
        precondition(s.count >= 2)
        let b = s[0], t = s[1], f = s.dropFirst(2).reduce(1, *)
        let src = floats(key)
        var out = [Float](repeating: 0, count: src.count)
        for i in 0..<b { for j in 0..<t { for k in 0..<f { out[(j * b + i) * f + k] = src[(i * t + j) * f + k] } } }
        return out
    }
}

/// The float32 tolerance of shared/golden/README.md: |got - want| <= 1e-5 + 1e-4 |want|,
/// and values that are exactly zero in the file must be exactly zero here.
func assertGoldenClose(_ got: [Float], _ want: [Double], _ what: String,
                       absolute: Double = 1e-5, relative: Double = 1e-4, exactZeros: Bool = true,
                       file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(got.count, want.count, "\(what): count", file: file, line: line)
    guard got.count == want.count else { return }
    var failures = 0
    for i in 0..<got.count {
        let g = Double(got[i]), w = want[i]
        let ok = (w == 0 && exactZeros) ? g == 0 : abs(g - w) <= absolute + relative * abs(w)
        if !ok || !g.isFinite {
            failures += 1
            if failures <= 5 { XCTFail("\(what)[\(i)]: got \(g), want \(w)", file: file, line: line) }
        }
    }
    if failures > 5 { XCTFail("\(what): \(failures) elements out of tolerance", file: file, line: line) }
}

/// Asserts that the given positions are exactly zero (padding rows, padded steps).
func assertExactlyZero(_ got: [Float], at indices: [Int], _ what: String,
                       file: StaticString = #filePath, line: UInt = #line) {
    for i in indices where got[i] != 0 {
        XCTFail("\(what)[\(i)] = \(got[i]), expected exactly 0", file: file, line: line)
        return
    }
}
