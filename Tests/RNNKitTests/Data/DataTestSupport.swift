import Foundation
import XCTest
@testable import RNNKit

/// A fresh temporary folder per test, removed afterwards.
class TemporaryFolderTestCase: XCTestCase {
    var folder: String = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "rnnkit-data-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try write(name, bytes: Array(text.utf8))
    }

    @discardableResult
    func write(_ name: String, bytes: [UInt8]) throws -> String {
        let path = folder + "/" + name
        let dir = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            throw RNNError.runtime("cannot write test file", file: path)
        }
        return path
    }

    /// Runs `body` expecting an RNNError and returns it.
    func expectError(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) -> RNNError? {
        do {
            try body()
            XCTFail("expected an error", file: file, line: line)
            return nil
        } catch let e as RNNError {
            return e
        } catch {
            XCTFail("unexpected error type: \(error)", file: file, line: line)
            return nil
        }
    }
}
