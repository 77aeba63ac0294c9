import RNNKit

ToolMain.run("rnn-eval") { try EvalCommand.run(Array(CommandLine.arguments.dropFirst())) }
