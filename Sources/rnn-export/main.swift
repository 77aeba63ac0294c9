import RNNKit

ToolMain.run("rnn-export") { try ExportCommand.run(Array(CommandLine.arguments.dropFirst())) }
