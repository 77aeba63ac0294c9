import Foundation
import XCTest

/// Runs one of the built executables, as a user would, and captures what it says.
struct ToolRun {
    var status: Int32
    var stdout: String
    var stderr: String
    /// `.exit` when the tool ended by itself, `.uncaughtSignal` when a signal killed it.
    var reason: Process.TerminationReason = .exit
}

enum Tools {
    /// The folder holding the built executables (the test bundle sits beside them).
    /// `RNN_TOOLS_DIR` points the tests at other builds (e.g. main's, to see a new test fail there).
    static var productsDirectory: URL {
        if let dir = ProcessInfo.processInfo.environment["RNN_TOOLS_DIR"] { return URL(fileURLWithPath: dir) }
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            return bundle.bundleURL.deletingLastPathComponent()
        }
        return Bundle.main.bundleURL
    }

    static func url(_ tool: String) -> URL {
        tool.hasPrefix("/") ? URL(fileURLWithPath: tool) : productsDirectory.appendingPathComponent(tool)
    }

    /// Starts a tool with pipes for all three streams.
    static func start(_ tool: String, _ arguments: [String], directory: URL? = nil,
                      environment: [String: String] = [:]) throws -> (Process, Pipe, Pipe, Pipe) {
        // A tool that exits before reading all its input must not kill the test process with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        let process = Process()
        process.executableURL = url(tool)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let input = Pipe(), output = Pipe(), error = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = error
        try process.run()
        return (process, input, output, error)
    }

    /// Reads a running tool's stream until `marker` appears (or it closes, or 60 s pass); returns what was read.
    static func read(_ pipe: Pipe, until marker: String) -> String {
        var said = ""
        let deadline = Date().addingTimeInterval(60)
        while !said.contains(marker) && Date() < deadline {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            said += String(decoding: chunk, as: UTF8.self)
        }
        return said
    }

    /// Runs a tool to completion with `stdin` as its input; after `timeout` seconds it is sent SIGTERM
    /// (the result then says `.uncaughtSignal`).
    static func run(_ tool: String, _ arguments: [String], stdin: String = "", directory: URL? = nil,
                    environment: [String: String] = [:], timeout: Double? = nil) throws -> ToolRun {
        let (process, input, output, error) = try start(tool, arguments, directory: directory, environment: environment)
        if let timeout {
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { if process.isRunning { process.terminate() } }
        }
        let group = DispatchGroup()
        var out = Data(), err = Data()
        group.enter()
        DispatchQueue.global().async { out = output.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter()
        DispatchQueue.global().async { err = error.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        if !stdin.isEmpty { try? input.fileHandleForWriting.write(contentsOf: Data(stdin.utf8)) }
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
        group.wait()
        return ToolRun(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
                       stderr: String(decoding: err, as: UTF8.self), reason: process.terminationReason)
    }
}

extension Tools {
    /// Runs `script` with /bin/sh, for what Process cannot set up: closed descriptors (`2>&-`),
    /// /dev/full, pipes between tools. `$BIN` is the folder of the built tools, `$T` the
    /// `directory`. Returns the shell's status and what the script left on the test's pipes.
    static func shell(_ script: String, directory: URL, environment: [String: String] = [:]) throws -> ToolRun {
        var env = environment
        env["BIN"] = productsDirectory.path
        env["T"] = directory.path
        return try run("/bin/sh", ["-c", script], directory: directory, environment: env)
    }
}

/// A run trained once for a test class (1 epoch of the bad-input matrix's small config):
/// `folder` holds config.json, train.tsv, dev.tsv and run/.
final class TrainedFixture {
    let folder: URL
    var checkpoint: String { folder.appendingPathComponent("run/best.ckpt").path }
    var dev: String { folder.appendingPathComponent("dev.tsv").path }
    var config: String { folder.appendingPathComponent("config.json").path }

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("rnn-fixture-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let config = try BadInputMatrixTests.config(in: folder)
        let run = try Tools.run("rnn-train", [config.path])
        guard run.status == 0 else { throw RNNErrorForTests("training the fixture failed: \(run.stderr)") }
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }
}

struct RNNErrorForTests: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A fresh temporary folder, removed when the test ends.
func temporaryDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("rnn-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// A small learnable corpus: the label is which of three keyword characters the text holds.
func writeSyntheticCorpus(to dir: URL, name: String, lines: Int, seed: UInt64) throws -> URL {
    var state = seed
    func next(_ n: Int) -> Int {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Int((state >> 33) % UInt64(n))
    }
    let keys: [Character] = ["甲", "乙", "丙"]
    let names = ["alpha", "beta", "gamma"]
    let filler = Array("天地玄黄宇宙洪荒日月盈昃辰宿列张寒来暑往秋收冬藏")
    var text = ""
    for _ in 0..<lines {
        let label = next(3)
        var chars = (0..<(4 + next(8))).map { _ in filler[next(filler.count)] }
        chars.insert(keys[label], at: next(chars.count + 1))
        text += String(chars) + "\t" + names[label] + "\n"
    }
    let url = dir.appendingPathComponent(name)
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url
}
