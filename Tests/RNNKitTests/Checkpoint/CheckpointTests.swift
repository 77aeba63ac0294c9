import Foundation
import XCTest
@testable import RNNKit

final class CheckpointTests: XCTestCase {
    private var folder: String!

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "rnnkit-ckpt-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        Checkpoint.failAfterBytes = nil
        try? FileManager.default.removeItem(atPath: folder)
    }

    private func sample() -> Checkpoint {
        var meta = CheckpointMetadata(values: ["config": "{\"model\": {\"hidden\": 8}}", "epoch": "3",
                                               "rng": "123,18446744073709551615,0,7"],
                                      vocabulary: ["<pad>", "<unk>", "体", "育", "a\"b\\c\n"],
                                      labels: ["体育", "财经"])
        meta["step"] = "42"
        var rng = RandomSource(seed: 7)
        let w = (0..<24).map { _ in rng.uniform(-1, 1) }
        let special: [Float] = [0, -0.0, .infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 1e-30]
        return Checkpoint(metadata: meta, tensors: [
            (name: "embedding.weight", shape: [4, 6], values: w),
            (name: "fc.bias", shape: [7], values: special),
            (name: "empty", shape: [0, 3], values: []),
            (name: "adam.m.fc.bias", shape: [7], values: [Float](repeating: 0.5, count: 7)),
        ])
    }

    private func path(_ name: String) -> String { folder + "/" + name }

    private func assertInputError(_ body: @autoclosure () throws -> Checkpoint, _ fragment: String? = nil,
                                  file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            guard let e = error as? RNNError else { return XCTFail("not an RNNError: \(error)", file: file, line: line) }
            XCTAssertEqual(e.kind, .input, file: file, line: line)
            XCTAssertNotNil(e.file, file: file, line: line)
            if let fragment {
                XCTAssertTrue(e.message.contains(fragment), "\(e.message) lacks \(fragment)", file: file, line: line)
            }
        }
    }

    func testRoundTripIsBitwise() throws {
        let c = sample()
        try c.write(to: path("a.ckpt"))
        let r = try Checkpoint.read(from: path("a.ckpt"))
        XCTAssertEqual(r.metadata, c.metadata)
        XCTAssertEqual(r.tensors.map(\.name), c.tensors.map(\.name))
        XCTAssertEqual(r.tensors.map(\.shape), c.tensors.map(\.shape))
        for (a, b) in zip(r.tensors, c.tensors) {
            XCTAssertEqual(a.values.map(\.bitPattern), b.values.map(\.bitPattern), a.name)
        }
        XCTAssertEqual(r.tensor(named: "fc.bias")?.shape, [7])
        XCTAssertNil(r.tensor(named: "nope"))
        let names = try FileManager.default.contentsOfDirectory(atPath: folder)
        XCTAssertEqual(names, ["a.ckpt"], "no temp file left behind")
    }

    func testLayout() throws {
        try sample().write(to: path("a.ckpt"))
        let bytes = try Checkpoint.readFile(path("a.ckpt"))
        XCTAssertEqual(Array(bytes[0..<8]), Array("RNNCKPT".utf8) + [0])
        XCTAssertEqual(Array(bytes[8..<12]), [1, 0, 0, 0])
        let headerLength = bytes[12..<20].reversed().reduce(0) { $0 << 8 | Int($1) }
        let dataStart = (20 + headerLength + 63) / 64 * 64
        // 24 + 7 + 0 + 7 floats of data, then the 8-byte checksum.
        XCTAssertEqual(bytes.count, dataStart + 38 * 4 + 8)
        let json = try JSONSerialization.jsonObject(with: Data(bytes[20..<(20 + headerLength)])) as? [String: Any]
        XCTAssertNotNil(json?["metadata"])
        XCTAssertEqual((json?["tensors"] as? [Any])?.count, 4)
        // The first float of embedding.weight sits at the data start, little-endian.
        let first = UInt32(bytes[dataStart]) | UInt32(bytes[dataStart + 1]) << 8
            | UInt32(bytes[dataStart + 2]) << 16 | UInt32(bytes[dataStart + 3]) << 24
        XCTAssertEqual(first, sample().tensors[0].values[0].bitPattern)
    }

    func testTruncatedFilesAreRejected() throws {
        try sample().write(to: path("a.ckpt"))
        let bytes = try Checkpoint.readFile(path("a.ckpt"))
        var cuts = Set(0..<min(100, bytes.count))
        for k in 1..<20 { cuts.insert(bytes.count * k / 20) }
        cuts.insert(bytes.count - 1)
        for cut in cuts.sorted() {
            let p = path("t.ckpt")
            try Data(bytes[0..<cut]).write(to: URL(fileURLWithPath: p))
            assertInputError(try Checkpoint.read(from: p))
        }
    }

    func testEveryFlippedByteIsDetected() throws {
        let c = Checkpoint(metadata: CheckpointMetadata(values: ["k": "v"], labels: ["x"]),
                           tensors: [(name: "w", shape: [2, 3], values: [1, 2, 3, 4, 5, 6])])
        try c.write(to: path("a.ckpt"))
        let bytes = try Checkpoint.readFile(path("a.ckpt"))
        for i in 0..<bytes.count {
            var corrupt = bytes
            corrupt[i] ^= 0x10
            assertInputError(try Checkpoint.decode(corrupt, path: "x.ckpt"))
        }
    }

    func testForeignFiles() throws {
        var rng = RandomSource(seed: 1)
        let random = (0..<4096).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        try Data(random).write(to: URL(fileURLWithPath: path("random.bin")))
        assertInputError(try Checkpoint.read(from: path("random.bin")), "not an rnn checkpoint")
        try "text\tlabel\n".write(toFile: path("train.tsv"), atomically: true, encoding: .utf8)
        assertInputError(try Checkpoint.read(from: path("train.tsv")), "not an rnn checkpoint")
        try Data().write(to: URL(fileURLWithPath: path("empty")))
        assertInputError(try Checkpoint.read(from: path("empty")))
        assertInputError(try Checkpoint.read(from: path("missing.ckpt")), "cannot open")
        assertInputError(try Checkpoint.read(from: folder), "not a regular file")
        // Right magic, garbage after it.
        assertInputError(try Checkpoint.decode(Checkpoint.magic + [1, 0, 0, 0] + random, path: "g"))
    }

    /// A file with a valid checksum but a lying header is still rejected: the fuzzing case.
    func testConsistentChecksumWithBadHeader() throws {
        func build(header: String, floats: Int, version: UInt32 = 1, headerLength: UInt64? = nil) -> [UInt8] {
            var b = Checkpoint.magic
            Checkpoint.appendLittleEndian(version, to: &b)
            let h = Array(header.utf8)
            Checkpoint.appendLittleEndian(headerLength ?? UInt64(h.count), to: &b)
            b += h
            b += [UInt8](repeating: 0, count: Checkpoint.roundUp(b.count, 64) - b.count + floats * 4)
            Checkpoint.appendLittleEndian(Checkpoint.fnv1a64(b[...]), to: &b)
            return b
        }
        let meta = #"{"values":{},"vocabulary":[],"labels":[]}"#
        func header(_ tensors: String) -> String { #"{"metadata":\#(meta),"tensors":[\#(tensors)]}"# }
        XCTAssertNoThrow(try Checkpoint.decode(build(header: header(#"{"name":"w","shape":[2],"offset":0,"count":2}"#), floats: 2), path: "ok"))
        assertInputError(try Checkpoint.decode(build(header: header(#"{"name":"w","shape":[2],"offset":0,"count":2}"#), floats: 2, version: 2), path: "f"),
                         "format version 2 is newer than this tool (1)")
        assertInputError(try Checkpoint.decode(build(header: header(""), floats: 0, headerLength: UInt64.max), path: "f"), "header")
        assertInputError(try Checkpoint.decode(build(header: header(#"{"name":"w","shape":[4],"offset":0,"count":4}"#), floats: 2), path: "f"), "outside")
        assertInputError(try Checkpoint.decode(build(header: header(#"{"name":"w","shape":[2],"offset":0,"count":3}"#), floats: 3), path: "f"), "shape")
        assertInputError(try Checkpoint.decode(build(header: header(#"{"name":"w","shape":[-1,-2],"offset":0,"count":2}"#), floats: 2), path: "f"), "negative")
        assertInputError(try Checkpoint.decode(build(header: header(#"{"name":"w","shape":[4611686018427387904,4],"offset":0,"count":0}"#), floats: 0), path: "f"), "too large")
        assertInputError(try Checkpoint.decode(build(header: header(#"{"name":"w","shape":[1],"offset":9223372036854775807,"count":1}"#), floats: 1), path: "f"), "outside")
        assertInputError(try Checkpoint.decode(build(header: header(#"{"name":"w","shape":[1],"offset":0,"count":1}"#), floats: 3), path: "f"), "no tensor claims")
        assertInputError(try Checkpoint.decode(build(header: "{not json", floats: 0), path: "f"), "not valid JSON")
        assertInputError(try Checkpoint.decode(build(header: #"{"metadata":1,"tensors":[]}"#, floats: 0), path: "f"), "not valid JSON")
    }

    func testInjectedWriteErrorKeepsPreviousFile() throws {
        let target = path("model.ckpt")
        try sample().write(to: target)
        let before = try Data(contentsOf: URL(fileURLWithPath: target))
        var other = sample()
        other.metadata["epoch"] = "4"
        for limit in [0, 100, before.count - 1] {
            Checkpoint.failAfterBytes = limit
            XCTAssertThrowsError(try other.write(to: target)) { error in
                let e = error as? RNNError
                XCTAssertEqual(e?.kind, .runtime)
                XCTAssertEqual(e?.file, target)
                XCTAssertTrue(e?.message.contains("disk full") ?? false, "\(error)")
            }
        }
        Checkpoint.failAfterBytes = nil
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: target)), before)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["model.ckpt"])
        try other.write(to: target)
        XCTAssertEqual(try Checkpoint.read(from: target).metadata["epoch"], "4")
    }

    func testUnwritableFolder() {
        let target = folder + "/no/such/dir/model.ckpt"
        XCTAssertThrowsError(try sample().write(to: target)) { error in
            XCTAssertEqual((error as? RNNError)?.kind, .runtime)
            XCTAssertEqual((error as? RNNError)?.file, target)
        }
    }

    func testLoadIntoParameters() throws {
        let w = Parameter(name: "fc.weight", shape: [2, 3])
        let b = Parameter(name: "fc.bias", shape: [2])
        let source = [Parameter(name: "fc.weight", shape: [2, 3]), Parameter(name: "fc.bias", shape: [2])]
        source[0].value.copy(from: Tensor([2, 3], values: [1, 2, 3, 4, 5, 6]))
        source[1].value.copy(from: Tensor([2], values: [7, 8]))
        var c = Checkpoint(metadata: CheckpointMetadata(), tensors: Checkpoint.tensors(from: source))
        c.tensors += Checkpoint.tensors(fromOptimizerState: [(name: "adam.m.fc.bias", values: [0.5, 0])])
        XCTAssertEqual(c.optimizerState, ["adam.m.fc.bias": [0.5, 0]])
        try c.load(into: [w, b])
        XCTAssertEqual(w.value.array, [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(b.value.array, [7, 8])

        let wrong = Parameter(name: "fc.weight", shape: [3, 2])
        let extra = Checkpoint(metadata: CheckpointMetadata(),
                               tensors: c.tensors + [(name: "lstm.weight_ih_l0", shape: [1], values: [0])])
        XCTAssertThrowsError(try extra.load(into: [wrong, Parameter(name: "embedding.weight", shape: [1])])) { error in
            let text = "\(error)"
            XCTAssertEqual((error as? RNNError)?.kind, .input)
            for fragment in ["embedding.weight", "lstm.weight_ih_l0", "fc.bias", "[2, 3]", "[3, 2]"] {
                XCTAssertTrue(text.contains(fragment), "\(text) lacks \(fragment)")
            }
        }
        XCTAssertEqual(wrong.value.array, [0, 0, 0, 0, 0, 0], "nothing loaded on failure")
    }
}
