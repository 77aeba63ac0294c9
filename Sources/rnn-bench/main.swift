import Foundation
import RNNKit

// rnn-bench SUBCOMMAND [options]: benchmarks, never run by the tests.
// Each subcommand lives in its own file and is registered here.

let benchUsage = """
    USAGE: rnn-bench <subcommand> [options]

    SUBCOMMANDS:
      gemm      GFLOPS of matmul on square and model shapes (see 'rnn-bench gemm --help')
      model     training/inference speed and memory of the reference models (see 'rnn-bench model --help')
      lm        language-model pretraining tokens per second (see 'rnn-bench lm --help')
    """

let arguments = Array(CommandLine.arguments.dropFirst())
guard let subcommand = arguments.first else {
    FileHandle.standardError.write(Data((benchUsage + "\n").utf8))
    exit(2)
}
let rest = Array(arguments.dropFirst())
switch subcommand {
case "gemm":
    exit(GemmBenchmark.main(rest))
case "model":
    exit(ModelBenchmark.main(rest))
case "lm":
    exit(LMBenchmark.main(rest))
case "-h", "--help", "help":
    print(benchUsage)
    exit(0)
default:
    FileHandle.standardError.write(Data("Error: unknown subcommand '\(subcommand)'\n\(benchUsage)\n".utf8))
    exit(2)
}
