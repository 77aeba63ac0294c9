import Foundation
import XCTest
@testable import RNNKit

/// Our safetensors files against the reference implementation (the `safetensors` Python package):
/// `safetensors.numpy.load_file` reads every tensor, shape and value of an export bitwise, and
/// `save_file` of what it read writes our file byte for byte; and we read what it writes.
///
/// Needs `pip install safetensors numpy` into a virtual environment, made once and reused:
/// `$RNN_TEST_VENV`, else `.build/interop-venv` beside the build products, else
/// `$TMPDIR/rnn-interop-venv`. Skipped (with the reason) only when the package registry cannot
/// be reached; any other failure fails.
final class SafeTensorsPythonTests: XCTestCase {
    static func venvPath() -> String {
        if let path = ProcessInfo.processInfo.environment["RNN_TEST_VENV"], !path.isEmpty { return path }
        var url = Tools.productsDirectory.standardizedFileURL
        while url.path != "/" {
            if url.lastPathComponent.hasPrefix(".build") { return url.appendingPathComponent("interop-venv").path }
            url.deleteLastPathComponent()
        }
        return NSTemporaryDirectory() + "rnn-interop-venv"
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Messages pip prints when it cannot reach the index (DNS, connection, proxy, timeout, offline).
    static let unreachable = ["NewConnectionError", "Max retries exceeded", "Temporary failure in name resolution",
                              "Name or service not known", "Network is unreachable", "Connection refused", "ConnectTimeout",
                              "ReadTimeout", "timed out", "ProxyError", "No matching distribution found",
                              "Could not find a version that satisfies"]

    /// The first test's answer (a python path or a skip), so an unreachable registry is tried once.
    nonisolated(unsafe) static var prepared: Result<String, Error>?

    /// The venv's python with safetensors and numpy, installing them on first use.
    static func python() throws -> String {
        if let prepared { return try prepared.get() }
        let result = Result { try installedPython() }
        prepared = result
        return try result.get()
    }

    static func installedPython() throws -> String {
        let venv = venvPath(), python = venv + "/bin/python"
        let probe = ["-c", "import safetensors.numpy, numpy"]
        if FileManager.default.isExecutableFile(atPath: python), (try? run(python, probe))?.status == 0 { return python }
        let made = try run("/usr/bin/env", ["python3", "-m", "venv", venv])
        guard made.status == 0 else { throw RNNError.runtime("python3 -m venv \(venv) failed: \(made.output)") }
        let pip = try run(python, ["-m", "pip", "install", "-q", "--timeout", "30", "--retries", "2", "safetensors", "numpy"])
        if pip.status != 0 {
            if unreachable.contains(where: pip.output.contains) {
                throw XCTSkip("the Python package registry cannot be reached, so safetensors cannot be installed into \(venv): "
                              + pip.output.split(separator: "\n").suffix(2).joined(separator: " | "))
            }
            throw RNNError.runtime("pip install safetensors numpy failed: \(pip.output)")
        }
        return python
    }

    static let readAndResave = """
        import json, sys
        from safetensors import safe_open
        from safetensors.numpy import load_file, save_file
        src, resaved = sys.argv[1], sys.argv[2]
        tensors = load_file(src)
        with safe_open(src, framework="numpy") as f:
            metadata = f.metadata()
        save_file(tensors, resaved, metadata=metadata)
        print(json.dumps({"metadata": metadata, "tensors": {k: {"dtype": str(v.dtype), "shape": list(v.shape),
                          "hex": v.tobytes().hex()} for k, v in tensors.items()}}))
        """

    private func hex(_ values: [Float]) -> String {
        values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }.map { String(format: "%02x", $0) }.joined()
    }

    /// Python reads `path` and writes it again; checks both against `expected`.
    private func checkWithPython(_ python: String, _ path: String, expected: [SafeTensors.NamedTensor], line: UInt = #line) throws {
        let resaved = path + ".resaved"
        let run = try Self.run(python, ["-c", Self.readAndResave, path, resaved])
        XCTAssertEqual(run.status, 0, run.output, line: line)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any], line: line)
        XCTAssertEqual(json["metadata"] as? [String: String], ["format": "pt"], line: line)
        let tensors = try XCTUnwrap(json["tensors"] as? [String: [String: Any]], line: line)
        XCTAssertEqual(Set(tensors.keys), Set(expected.map(\.name)), line: line)
        for t in expected {
            let seen = try XCTUnwrap(tensors[t.name], t.name, line: line)
            XCTAssertEqual(seen["dtype"] as? String, "float32", t.name, line: line)
            XCTAssertEqual(seen["shape"] as? [Int], t.shape, t.name, line: line)
            XCTAssertEqual(seen["hex"] as? String, hex(t.values), "values of \(t.name), bitwise", line: line)
        }
        XCTAssertEqual(FileManager.default.contents(atPath: resaved), FileManager.default.contents(atPath: path),
                       "the reference writer writes the same tensors byte for byte as we do", line: line)
    }

    func testReferenceReadsOurFilesBitwiseAndWritesTheSameBytes() throws {
        let python = try Self.python()
        let dir = try temporaryDirectory(self)
        // A real export of a trained model.
        let (_, checkpoint) = try ExportToolTests.trainedCheckpoint()
        let out = dir.appendingPathComponent("export").path
        XCTAssertEqual(try Tools.run("rnn-export", [checkpoint, out]).status, 0)
        let (trained, _) = try TrainedModel.load(checkpoint: checkpoint)
        try checkWithPython(python, out + "/model.safetensors", expected: Checkpoint.tensors(from: trained.model.parameters))
        // Values and shapes that break careless writers: NaN, infinities, -0, subnormals, a scalar,
        // an empty tensor, names with quotes, backslashes, control and CJK characters.
        let special: [SafeTensors.NamedTensor] = [
            (name: "w", shape: [2, 4], values: [.nan, .infinity, -.infinity, -0.0, .leastNonzeroMagnitude, 1e-40, .greatestFiniteMagnitude, 1]),
            (name: "scalar", shape: [], values: [3.5]),
            (name: "empty", shape: [0, 3], values: []),
            (name: "名字 \"q\" \\ \t\u{1}", shape: [1, 1, 2], values: [1, 2]),
        ]
        let path = dir.appendingPathComponent("special.safetensors").path
        try Data(try SafeTensors.encode(special, metadata: ["format": "pt"])).write(to: URL(fileURLWithPath: path))
        try checkWithPython(python, path, expected: special)
    }

    func testWeReadWhatTheReferenceWrites() throws {
        let python = try Self.python()
        let dir = try temporaryDirectory(self)
        let good = dir.appendingPathComponent("py.safetensors").path, half = dir.appendingPathComponent("half.safetensors").path
        let script = """
            import sys, numpy as np
            from safetensors.numpy import save_file
            save_file({"b": np.arange(6, dtype=np.float32).reshape(2, 3) / 7, "a.x": np.array(np.float32(-0.0)),
                       "中": np.zeros((0, 2), np.float32)}, sys.argv[1], metadata={"format": "pt"})
            save_file({"x": np.ones((2, 2), np.float16)}, sys.argv[2])
            """
        let run = try Self.run(python, ["-c", script, good, half])
        XCTAssertEqual(run.status, 0, run.output)
        let (tensors, metadata) = try SafeTensors.read(from: good)
        XCTAssertEqual(metadata, ["format": "pt"])
        XCTAssertEqual(tensors.map(\.name), ["a.x", "b", "中"], "data order: the reference sorts by name (byte-wise)")
        XCTAssertEqual(tensors[0].shape, [])
        XCTAssertEqual(tensors[0].values.map(\.bitPattern), [(-0.0 as Float).bitPattern])
        XCTAssertEqual(tensors[1].shape, [2, 3])
        XCTAssertEqual(tensors[1].values, (0..<6).map { Float($0) / 7 })
        XCTAssertEqual(tensors[2].shape, [0, 2])
        XCTAssertThrowsError(try SafeTensors.read(from: half)) { error in
            XCTAssertEqual((error as? RNNError)?.field, "x")
            XCTAssertTrue((error as? RNNError)?.message.contains("dtype F16") == true, "\(error)")
        }
    }
}
