import Foundation
import XCTest
@testable import RNNKit

/// The safetensors writer against the format's reference bytes, and the reader on good and bad files.
/// Mutation tried: the reader without its sort by offsets fails testReaderSortsByOffsetsLikeTheReference.
final class SafeTensorsTests: XCTestCase {
    private func le(_ n: UInt64) -> [UInt8] { withUnsafeBytes(of: n.littleEndian) { Array($0) } }
    private func floats(_ xs: [Float]) -> [UInt8] { xs.flatMap { x in withUnsafeBytes(of: x.bitPattern.littleEndian) { Array($0) } } }

    /// A file from a header text and data bytes, for hand-made (bad) files.
    private func file(_ header: String, _ data: [UInt8]) -> [UInt8] {
        le(UInt64(header.utf8.count)) + Array(header.utf8) + data
    }

    private func assertBad(_ bytes: [UInt8], _ fragment: String, field: String? = nil,
                           file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try SafeTensors.decode(bytes, path: "m.safetensors"), file: file, line: line) { error in
            guard let e = error as? RNNError else { return XCTFail("not an RNNError: \(error)", file: file, line: line) }
            XCTAssertEqual(e.kind, .input, file: file, line: line)
            XCTAssertEqual(e.file, "m.safetensors", file: file, line: line)
            XCTAssertEqual(e.field, field, "\(e)", file: file, line: line)
            XCTAssertTrue(e.message.contains(fragment), "\(e.message) lacks \(fragment)", file: file, line: line)
        }
    }

    /// The byte layouts of the reference implementation's own serialization tests (safetensors
    /// `tensor.rs`: test_serialization, test_serialization_forced_alignement, test_empty).
    func testWriterMatchesTheReferenceLayouts() throws {
        let values: [Float] = [0, 1, 2, 3, 4, 5]
        let plain = try SafeTensors.encode([(name: "attn.0", shape: [1, 2, 3], values: values)], metadata: [:])
        let header = #"{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}"#
        XCTAssertEqual(header.utf8.count, 64, "a multiple of 8 already: no padding")
        XCTAssertEqual(plain, file(header, floats(values)))

        let padded = try SafeTensors.encode([(name: "attn0", shape: [1, 1, 2, 3], values: values)], metadata: [:])
        let short = #"{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}"#
        XCTAssertEqual(short.utf8.count, 65)
        XCTAssertEqual(padded, file(short + String(repeating: " ", count: 7), floats(values)))

        XCTAssertEqual(try SafeTensors.encode([], metadata: [:]), file("{}      ", []))
        XCTAssertEqual(try SafeTensors.encode([], metadata: ["framework": "pt"]),
                       file(#"{"__metadata__":{"framework":"pt"}}"# + "     ", []))
    }

    func testTensorsAreSortedByNameBytewiseAndRoundTripBitwise() throws {
        let special: [Float] = [0, -0.0, .infinity, -.infinity, .nan, .leastNonzeroMagnitude, .greatestFiniteMagnitude]
        let tensors: [SafeTensors.NamedTensor] = [
            (name: "lstm.weight_ih_l0", shape: [2, 3], values: [1, 2, 3, 4, 5, 6]),
            (name: "fc.bias", shape: [7], values: special),
            (name: "Z\"q\\\n中", shape: [], values: [42]),      // scalar; quote, backslash, newline, CJK in a name
            (name: "empty", shape: [0, 4], values: []),
        ]
        let bytes = try SafeTensors.encode(tensors, metadata: ["format": "pt"])
        let n = Int(bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        XCTAssertEqual(n % 8, 0)
        XCTAssertEqual(bytes.count, 8 + n + 4 * (6 + 7 + 1))
        let header = String(decoding: bytes[8..<(8 + n)], as: UTF8.self)
        XCTAssertTrue(header.hasPrefix(#"{"__metadata__":{"format":"pt"},"Z\"q\\\n中":{"dtype":"F32","shape":[],"data_offsets":[0,4]}"#), header)
        let (back, metadata) = try SafeTensors.decode(bytes, path: "x")
        XCTAssertEqual(metadata, ["format": "pt"])
        XCTAssertEqual(back.map(\.name), ["Z\"q\\\n中", "empty", "fc.bias", "lstm.weight_ih_l0"])
        for t in tensors {
            let b = try XCTUnwrap(back.first { $0.name == t.name })
            XCTAssertEqual(b.shape, t.shape)
            XCTAssertEqual(b.values.map(\.bitPattern), t.values.map(\.bitPattern), t.name)
        }
    }

    func testWriterRefusesInconsistentTensors() {
        XCTAssertThrowsError(try SafeTensors.encode([(name: "a", shape: [2, 2], values: [1, 2, 3])], metadata: [:]))
        XCTAssertThrowsError(try SafeTensors.encode([(name: "a", shape: [1], values: [1]), (name: "a", shape: [1], values: [2])], metadata: [:]))
    }

    func testReaderSortsByOffsetsLikeTheReference() throws {
        // Keys out of offset order are fine: the reference sorts by data_offsets first.
        let header = #"{"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"__metadata__":{"k":"v"}}"#
        let (tensors, metadata) = try SafeTensors.decode(file(header, floats([1, 2])), path: "x")
        XCTAssertEqual(tensors.map(\.name), ["a", "b"])
        XCTAssertEqual(tensors.map(\.values), [[1], [2]])
        XCTAssertEqual(metadata, ["k": "v"])
    }

    func testCorruptFilesGiveLocatedErrors() throws {
        let good = try SafeTensors.encode([(name: "a", shape: [2], values: [1, 2]), (name: "b", shape: [3], values: [3, 4, 5])],
                                          metadata: ["format": "pt"])
        XCTAssertNoThrow(try SafeTensors.decode(good, path: "m.safetensors"))
        // Truncated anywhere: in the length, in the header, in the data.
        assertBad(Array(good[0..<5]), "too short")
        assertBad(Array(good[0..<20]), "runs past the end")
        assertBad(Array(good.dropLast(1)), "outside the data", field: "b")
        // Trailing bytes after the last tensor.
        assertBad(good + [0, 0, 0, 0], "no tensor claims")
        // A huge header length: refused before any allocation.
        assertBad(le(UInt64.max) + Array(good[8...]), "over the format's limit")
        assertBad(le(100_000_001) + Array(good[8...]), "over the format's limit")

        func t(_ name: String, _ shape: String, _ begin: Int, _ end: Int, dtype: String = "F32") -> String {
            "\"\(name)\":{\"dtype\":\"\(dtype)\",\"shape\":\(shape),\"data_offsets\":[\(begin),\(end)]}"
        }
        let data = floats([1, 2, 3, 4, 5])
        assertBad(file("{" + t("a", "[2]", 0, 8) + "," + t("b", "[3]", 4, 16) + "}", data), "overlap tensor a", field: "b")
        assertBad(file("{" + t("a", "[2]", 0, 8) + "," + t("b", "[2]", 12, 20) + "}", data), "gap of 4 bytes after the end of tensor a", field: "b")
        assertBad(file("{" + t("a", "[2]", 4, 12) + "}", data), "gap of 4 bytes after the start of the data", field: "a")
        assertBad(file("{" + t("a", "[2]", 0, 8) + "," + t("b", "[3]", 8, 24) + "}", data), "outside the data", field: "b")
        assertBad(file("{" + t("a", "[2]", 0, 8) + "," + t("b", "[2]", 8, 20) + "}", data), "shape [2] of F32 needs 8", field: "b")
        assertBad(file("{" + t("a", "[2]", 8, 0) + "}", data), "end before they begin", field: "a")
        assertBad(file("{" + t("a", "[4503599627370496,4503599627370496]", 0, 20) + "}", data), "too large", field: "a")
        assertBad(file("{" + t("a", "[-1]", 0, 20) + "}", data), "non-negative", field: "a")
        assertBad(file("{" + t("a", "[2.5]", 0, 20) + "}", data), "non-negative", field: "a")
        // Duplicate keys: the reference keeps the last silently; we name the tensor.
        assertBad(file("{" + t("a", "[2]", 0, 8) + "," + t("a", "[3]", 8, 20) + "}", data), "duplicate key", field: "a")
        // Dtypes: a known one we do not read, and an unknown one.
        assertBad(file("{" + t("a", "[10]", 0, 20, dtype: "F16") + "}", data), "dtype F16 (16-bit) is not supported", field: "a")
        assertBad(file("{" + t("a", "[5]", 0, 20, dtype: "F33") + "}", data), "unknown dtype \"F33\"", field: "a")
        // Bad JSON, bad structure, not UTF-8, not an object.
        assertBad(file("{\"a\":{\"dtype\":\"F32\",}}", data), "not valid JSON")
        assertBad(file("[1, 2]  ", data), "does not start with '{'")
        assertBad(file("\u{FEFF}{}", []), "does not start with '{'")
        assertBad(le(4) + [0x7B, 0xFF, 0xFE, 0x7D], "not valid UTF-8")
        assertBad(file("{\"a\":[1]}", []), "expected an object", field: "a")
        assertBad(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", []), "data_offsets", field: "a")
        assertBad(file("{\"__metadata__\":{\"format\":1}}", []), "must be strings", field: "__metadata__")
    }
}
