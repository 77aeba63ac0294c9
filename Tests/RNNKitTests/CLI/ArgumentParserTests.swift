import XCTest
@testable import RNNKit

final class ArgumentParserTests: XCTestCase {
    let spec = CommandSpec(
        name: "rnn-predict", overview: "Classify texts with a trained model.",
        arguments: [.init(name: "checkpoint", help: "Model file written by rnn-train."),
                    .init(name: "input", help: "Text file, one text per line.", isOptional: true)],
        options: [.init(name: "top-k", short: "k", valueName: "n", help: "Labels to print per text.", defaultValue: "1"),
                  .init(name: "set", valueName: "key=value", help: "Override a config value.", isRepeating: true),
                  .init(name: "threads", valueName: "n", help: "Worker threads."),
                  .init(flag: "json", help: "Print one JSON object per line.")])

    private func parsed(_ words: [String], file: StaticString = #filePath, line: UInt = #line) throws -> ParsedArguments {
        guard case .arguments(let a) = try spec.parse(words) else {
            XCTFail("expected arguments", file: file, line: line)
            throw RNNError.usage("no arguments")
        }
        return a
    }

    private func usageError(_ words: [String], file: StaticString = #filePath, line: UInt = #line) -> ArgumentError? {
        do {
            _ = try spec.parse(words)
            XCTFail("\(words) parsed", file: file, line: line)
        } catch let e as ArgumentError {
            return e
        } catch {
            XCTFail("unexpected \(error)", file: file, line: line)
        }
        return nil
    }

    func testOptionForms() throws {
        let a = try parsed(["model.ckpt", "--top-k", "3", "--json", "in.txt", "--set=a=b", "--set", "c=d", "--threads=4"])
        XCTAssertEqual(a.argument("checkpoint"), "model.ckpt")
        XCTAssertEqual(a.argument("input"), "in.txt")
        XCTAssertEqual(try a.int("top-k"), 3)
        XCTAssertEqual(try a.int("threads"), 4)
        XCTAssertTrue(a.flag("json"))
        XCTAssertEqual(a.values("set"), ["a=b", "c=d"])

        let b = try parsed(["-k", "5", "m", "-k=7"])
        XCTAssertEqual(b.value("top-k"), "7", "last one wins")
        XCTAssertNil(b.argument("input"))
        XCTAssertFalse(b.flag("json"))

        let defaults = try parsed(["m"])
        XCTAssertEqual(try defaults.int("top-k"), 1, "default value")
        XCTAssertFalse(defaults.isPresent("top-k"))
        XCTAssertNil(try defaults.int("threads"))
        XCTAssertEqual(defaults.values("set"), [])

        let dashed = try parsed(["--", "--json", "-3"])
        XCTAssertEqual(dashed.argument("checkpoint"), "--json")
        XCTAssertEqual(dashed.argument("input"), "-3")
        XCTAssertEqual(try parsed(["m", "--threads", "-2"]).value("threads"), "-2", "a value may start with a dash")
        XCTAssertEqual(try parsed(["m", "--set="]).values("set"), [""])
    }

    func testHelpAndVersion() throws {
        guard case .help(let text) = try spec.parse(["m", "-h"]) else {
            return XCTFail("-h is help")
        }
        guard case .help = try spec.parse(["--help"]) else { return XCTFail("--help is help") }
        guard case .version(let v) = try spec.parse(["--version"]) else { return XCTFail("--version") }
        XCTAssertEqual(v, Version.string)
        XCTAssertEqual(Version.string, "0.1.0")

        let sections = ["OVERVIEW: Classify texts with a trained model.", "USAGE: rnn-predict [<options>] <checkpoint> [<input>]",
                        "ARGUMENTS:", "OPTIONS:"]
        var last = text.startIndex
        for s in sections {
            guard let r = text.range(of: s, range: last..<text.endIndex) else { return XCTFail("help lacks \(s) in order:\n\(text)") }
            last = r.upperBound
        }
        XCTAssertTrue(text.contains("  -k, --top-k <n>"), text)
        XCTAssertTrue(text.contains("(default: 1)"), text)
        XCTAssertTrue(text.contains("--set <key=value>"), text)
        XCTAssertTrue(text.contains("(repeatable)"), text)
        XCTAssertTrue(text.contains("-h, --help"), text)
        XCTAssertTrue(text.contains("--version"), text)
        // Help texts of options start in one column.
        let helpColumns = Set(text.split(separator: "\n").filter { $0.hasPrefix("  -") && $0.contains("  ") }.compactMap { line -> Int? in
            let body = line.dropFirst(2)
            guard let gap = body.range(of: "  ") else { return nil }
            let start = body[gap.upperBound...].firstIndex { $0 != " " }!
            return line.distance(from: line.startIndex, to: start)
        })
        XCTAssertEqual(helpColumns.count, 1, text)
    }

    func testUnknownOptionSuggestsNearName() {
        let e = usageError(["m", "--topk", "2"])
        XCTAssertEqual(e?.message, "Unknown option '--topk'. Did you mean '--top-k'?")
        XCTAssertEqual(e?.description, """
            Error: Unknown option '--topk'. Did you mean '--top-k'?
            Usage: rnn-predict [<options>] <checkpoint> [<input>]
              See 'rnn-predict --help'.
            """)
        XCTAssertEqual(e?.exitCode, 2)
        XCTAssertEqual(usageError(["m", "--jsno"])?.message, "Unknown option '--jsno'. Did you mean '--json'?")
        XCTAssertEqual(usageError(["m", "--thread=2"])?.message, "Unknown option '--thread'. Did you mean '--threads'?")
        XCTAssertEqual(usageError(["m", "--zzzzzzzz"])?.message, "Unknown option '--zzzzzzzz'.")
        XCTAssertEqual(usageError(["m", "-x"])?.message, "Unknown option '-x'.")
    }

    func testOtherUsageErrors() throws {
        XCTAssertEqual(usageError([])?.message, "Missing expected argument '<checkpoint>'.")
        XCTAssertEqual(usageError(["a", "b", "c"])?.message, "Unexpected argument 'c'.")
        XCTAssertEqual(usageError(["m", "--top-k"])?.message, "Missing value for '--top-k <n>'.")
        XCTAssertEqual(usageError(["m", "--json=yes"])?.message, "Option '--json' takes no value.")
        let a = try parsed(["m", "--top-k", "three", "--threads", "2.5"])
        XCTAssertThrowsError(try a.int("top-k")) { error in
            XCTAssertEqual((error as? ArgumentError)?.message, "Invalid value 'three' for '--top-k': expected an integer.")
        }
        XCTAssertThrowsError(try a.int("threads"))
        XCTAssertEqual(try a.double("threads"), 2.5)
    }

    func testRepeatingPositional() throws {
        let s = CommandSpec(name: "t", overview: "o", arguments: [.init(name: "files", help: "f", isRepeating: true)])
        guard case .arguments(let a) = try s.parse(["x", "y", "z"]) else { return XCTFail() }
        XCTAssertEqual(a.arguments("files"), ["x", "y", "z"])
        XCTAssertThrowsError(try s.parse([]))
        XCTAssertEqual(s.usageLine, "t <files> ...")
    }

    func testToolMainReport() {
        let input = ToolMain.report(RNNError.input("bad label", file: "train.tsv", line: 3), tool: "rnn-train")
        XCTAssertEqual(input.text, "rnn-train: train.tsv:3: error: bad label\n")
        XCTAssertEqual(input.exitCode, 2)
        XCTAssertEqual(ToolMain.report(RNNError.runtime("disk full", file: "m.ckpt"), tool: "rnn-train").exitCode, 1)
        struct Odd: Error {}
        let other = ToolMain.report(Odd(), tool: "rnn-eval")
        XCTAssertTrue(other.text.hasPrefix("rnn-eval: error: "), other.text)
        XCTAssertEqual(other.exitCode, 1)
        let usage = ToolMain.report(ArgumentError("Unknown option '--x'.", spec: spec), tool: "rnn-predict")
        XCTAssertEqual(usage.exitCode, 2)
        XCTAssertTrue(usage.text.hasSuffix("See 'rnn-predict --help'.\n"))
        let colored = ToolMain.report(RNNError.input("error: inside"), tool: "t", color: true)
        XCTAssertEqual(colored.text, "t: \u{1B}[31merror: \u{1B}[0merror: inside\n")
    }

    func testEditDistance() {
        XCTAssertEqual(editDistance("kitten", "sitting"), 3)
        XCTAssertEqual(editDistance("", "abc"), 3)
        XCTAssertEqual(editDistance("top-k", "top-k"), 0)
    }
}

final class ProgressLineTests: XCTestCase {
    func testTerminalRewritesOneLine() {
        var out: [String] = []
        var now = 0.0
        let p = ProgressLine(isTTY: true, minimumInterval: 10, output: { out.append($0) }, clock: { now })
        p.update("step 1")
        now = 0.05
        p.update("step 2")  // too soon for a terminal redraw
        now = 0.5
        p.update("step 3")
        p.finish("done")
        XCTAssertEqual(out, ["\rstep 1\u{1B}[K", "\rstep 3\u{1B}[K", "\rdone\u{1B}[K\n"])
    }

    func testPlainOutputIsRateLimitedLines() {
        var out: [String] = []
        var now = 100.0
        let p = ProgressLine(isTTY: false, minimumInterval: 10, output: { out.append($0) }, clock: { now })
        p.update("a")
        now = 105
        p.update("b")
        now = 110.5
        p.update("c")
        p.log("epoch 1 done")
        p.finish()
        XCTAssertEqual(out, ["a\n", "c\n", "epoch 1 done\n"])
        XCTAssertFalse(out.joined().contains("\r"))
    }

    func testColorOnlyWhenEnabled() {
        XCTAssertEqual(Terminal.colored("x", .red, enabled: false), "x")
        XCTAssertEqual(Terminal.colored("x", .red, enabled: true), "\u{1B}[31mx\u{1B}[0m")
    }
}

/// Compile-time check of the call forms the executables use (never run: it exits).
private func toolMainCallForms(_ spec: CommandSpec) -> Never {
    if CommandLine.arguments.isEmpty { ToolMain.run("rnn-eval") { _ = try spec.parseOrExit([]); return 0 } }
    ToolMain.run { 0 }
}
