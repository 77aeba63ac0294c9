import Foundation
import XCTest
@testable import RNNKit

/// The line reader's byte cap: where exactly it starts, what an error names, how a cut
/// line is cut, and that reading goes on correctly after it.
final class LineReaderCapTests: TemporaryFolderTestCase {
    func reader(_ text: [UInt8], cap: Int, _ longLines: LineReader.LongLines, bufferSize: Int = 16) throws -> LineReader {
        let path = try write("lines-\(UUID().uuidString).txt", bytes: text)
        return LineReader(fileDescriptor: open(path, O_RDONLY), name: path, closeWhenDone: true, bufferSize: bufferSize,
                          maxLineBytes: cap, longLines: longLines)
    }

    func lines(_ r: LineReader) throws -> [LineReader.Line] {
        var all: [LineReader.Line] = []
        while let line = try r.nextLine() { all.append(line) }
        return all
    }

    func testALineOfExactlyTheCapPassesAndOneByteMoreIsAnErrorNamingTheLine() throws {
        let ten = String(repeating: "a", count: 10)
        // CRLF and a missing final newline do not count against the cap.
        let fine = try lines(reader(Array("\(ten)\r\n\(ten)\n\(ten)".utf8), cap: 10, .error(limitName: "data.max_line_bytes")))
        XCTAssertEqual(fine.map(\.bytes.count), [10, 10, 10])
        XCTAssertEqual(fine.map(\.isTruncated), [false, false, false])
        for text in ["ok\n\(ten)b\nok\n", "ok\n\(ten)b\r\n", "ok\n\(ten)b", "ok\n\(ten)bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"] {
            let r = try reader(Array(text.utf8), cap: 10, .error(limitName: "data.max_line_bytes"))
            XCTAssertEqual(try r.nextLine()?.bytes, Array("ok".utf8))
            let e = expectError { _ = try r.nextLine() }
            XCTAssertEqual(e?.line, 2, text)
            XCTAssertEqual(e?.kind, .input)
            XCTAssertTrue(e?.message.contains("longer than the limit of 10 bytes (data.max_line_bytes)") == true, "\(String(describing: e))")
        }
    }

    func testTruncationKeepsWholeCharactersAndTheFollowingLinesIntact() throws {
        // "甲" is 3 bytes: a cap of 10 keeps 3 characters (9 bytes), never a partial one.
        let long = String(repeating: "甲", count: 40)
        let text = "first\n\(long)\r\nthird\n\(long)x"
        var cutLines: [Int] = []
        let r = try reader(Array(text.utf8), cap: 10, .truncate)
        r.onTruncation = { cutLines.append($0) }
        let all = try lines(r)
        XCTAssertEqual(all.map { String(decoding: $0.bytes, as: UTF8.self) }, ["first", "甲甲甲", "third", "甲甲甲"])
        XCTAssertEqual(all.map(\.isTruncated), [false, true, false, true])
        XCTAssertEqual(all.map(\.number), [1, 2, 3, 4])
        XCTAssertEqual(all.map(\.offset), [0, 6, 6 + 120 + 2, 6 + 120 + 2 + 6], "offsets count the dropped bytes")
        XCTAssertEqual(cutLines, [2, 4])
        // Cut in the middle of a 4-byte character: back to its first byte.
        let emoji = try lines(reader(Array(("ab" + String(repeating: "😀", count: 5)).utf8), cap: 7, .truncate))
        XCTAssertEqual(emoji.map { String(decoding: $0.bytes, as: UTF8.self) }, ["ab😀"])
    }

    func testANewlineFreeStreamCostsABoundedBuffer() throws {
        // 4 MB without a newline through a 1 KB cap: the line is cut, the rest read and dropped.
        let r = try reader([UInt8](repeating: 0x61, count: 4 << 20), cap: 1024, .truncate, bufferSize: 1 << 16)
        var reported = 0
        r.onTruncation = { reported = $0 }
        let all = try lines(r)
        XCTAssertEqual(all.count, 1)
        XCTAssertEqual(all.first?.bytes.count, 1024)
        XCTAssertEqual(reported, 1)
        let mirror = Mirror(reflecting: r).children.first { $0.label == "buffer" }?.value as? [UInt8]
        XCTAssertLessThanOrEqual(mirror?.count ?? .max, 4096, "the buffer never grew past the cap")
    }
}
