import RNNKit

ToolMain.run("rnn-predict") { try PredictCommand.run(Array(CommandLine.arguments.dropFirst())) }
