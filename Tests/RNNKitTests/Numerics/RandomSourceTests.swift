import XCTest
@testable import RNNKit

final class RandomSourceTests: XCTestCase {
    func testSameSeedSameStreamAndStateRoundTrip() {
        var a = RandomSource(seed: 42)
        var b = RandomSource(seed: 42)
        for _ in 0..<100 { XCTAssertEqual(a.next(), b.next()) }
        var c = RandomSource(state: a.state)!
        XCTAssertEqual(a.next(), c.next())
        var d = RandomSource(seed: 43)
        XCTAssertNotEqual(a.next(), d.next())
    }

    func testShuffleIsAPermutation() {
        var rng = RandomSource(seed: 7)
        var values = Array(0..<1000)
        rng.shuffle(&values)
        XCTAssertNotEqual(values, Array(0..<1000))
        XCTAssertEqual(values.sorted(), Array(0..<1000))
    }
}
