import XCTest
@testable import RNNKit

final class RNNErrorFormatTests: XCTestCase {
    func testDescriptionNamesFileLineAndField() {
        let e = RNNError.input("expected a positive number, got \"fast\"", file: "c.json", field: "training.lr")
        XCTAssertEqual(e.description, "c.json: error: training.lr: expected a positive number, got \"fast\"")
        XCTAssertEqual(e.exitCode, 2)
        XCTAssertEqual(RNNError.runtime("x").exitCode, 1)
    }
}
