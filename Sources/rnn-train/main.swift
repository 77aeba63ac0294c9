import RNNKit

ToolMain.run("rnn-train") { try TrainCommand.run(Array(CommandLine.arguments.dropFirst())) }
