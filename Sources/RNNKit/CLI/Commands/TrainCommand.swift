import Foundation

/// `rnn-train`: the command line over `Trainer`.
public enum TrainCommand {
    public static let spec = CommandSpec(
        name: "rnn-train",
        overview: "Train a recurrent text classifier from a JSON config.",
        usage: "rnn-train CONFIG [--set FIELD=VALUE ...] [--threads N] [--overwrite]\n       rnn-train --resume RUN_DIR [CONFIG] [--set FIELD=VALUE ...]\n       rnn-train --print-config CONFIG [--set FIELD=VALUE ...]",
        arguments: [.init(name: "config", help: "Run config (JSON); see docs/CONFIG.md. Relative paths in it resolve against its folder.", isOptional: true)],
        options: [
            .init(name: "set", valueName: "field=value", help: "Override a config field, e.g. --set training.lr=0.01.", isRepeating: true),
            .init(name: "resume", valueName: "run_dir", help: "Continue the run in RUN_DIR from its last checkpoint."),
            .init(name: "threads", valueName: "n", help: "Worker threads (default: training.threads, 0 = all cores). Changes speed, never results."),
            .init(flag: "print-config", help: "Print the fully resolved config and exit."),
            .init(flag: "overwrite", help: "Start again in an output folder that already holds a run."),
        ],
        discussion: """
            Writes RUN_DIR/last.ckpt every epoch, RUN_DIR/best.ckpt on the best dev score, and one row per \
            epoch to RUN_DIR/log.csv. Ctrl-C (SIGINT) or SIGTERM finishes the current step, writes last.ckpt \
            and exits (130 or 143); continue with --resume RUN_DIR. Exit codes: 0 done, 1 runtime failure \
            (e.g. NaN loss), 2 bad usage or input.
            """)

    public static func run(_ arguments: [String]) throws -> Int32 {
        let args = try spec.parseOrExit(arguments)
        var options = TrainOptions()
        options.configPath = args.argument("config")
        options.resumeDirectory = args.value("resume")
        options.overrides = args.values("set")
        options.threads = try args.int("threads")
        options.overwrite = args.flag("overwrite")

        if args.flag("print-config") {
            guard let path = options.configPath else { throw RNNError.usage("--print-config needs a CONFIG file") }
            try Terminal.writeOutput(try RunConfig.load(path: path, overrides: options.overrides).resolvedJSON() + "\n")
            return 0
        }
        guard options.configPath != nil || options.resumeDirectory != nil else {
            throw ArgumentError("missing CONFIG (or --resume RUN_DIR)", spec: spec)
        }
        let stop = StopRequest()
        stop.install()
        defer { stop.uninstall() }
        let trainer = try Trainer(options: options, stop: stop, log: { Terminal.writeError($0 + "\n") })
        let summary = try trainer.run()
        let best = (summary.runDirectory as NSString).appendingPathComponent(Trainer.bestCheckpoint)
        let metric = summary.bestMetric.map { String(format: "%.4f", summary.metricName == "loss" ? -$0 : $0) } ?? "n/a"
        switch summary.outcome {
        case .interrupted(let signal):
            return signal == "SIGTERM" ? 143 : 130
        case .completed, .stoppedEarly:
            try Terminal.writeOutput("best \(summary.metricName) \(metric) at epoch \(summary.bestEpoch): \(best)\n")
            return 0
        }
    }
}
