import Foundation

/// `rnn-train`: the command line over `RunSetup` and `Trainer`. Flags live here only: the
/// library's errors say what the user can do (`RNNError.remedy`) and this file words it.
public enum TrainCommand {
    public static let spec = CommandSpec(
        name: "rnn-train",
        overview: "Train a recurrent text classifier from a JSON config.",
        usage: "rnn-train CONFIG [--set FIELD=VALUE ...] [--threads N] [--overwrite]\n       rnn-train --resume RUN_DIR [CONFIG] [--set FIELD=VALUE ...] [--allow-changed-data]\n       rnn-train --print-config CONFIG [--set FIELD=VALUE ...]",
        arguments: [.init(name: "config", help: "Run config (JSON); see docs/CONFIG.md. Relative paths in it resolve against its folder.", isOptional: true)],
        options: [
            .init(name: "set", valueName: "field=value", help: "Override a config field, e.g. --set training.lr=0.01.", isRepeating: true),
            .init(name: "resume", valueName: "run_dir", help: "Continue the run in RUN_DIR from its last checkpoint."),
            .init(name: "threads", valueName: "n", help: "Worker threads (default: training.threads, 0 = all cores). Changes speed, never results."),
            .init(flag: "print-config", help: "Print the fully resolved config and exit."),
            .init(flag: "overwrite", help: "Start again in an output folder that already holds a run (only a run of rnn-train)."),
            .init(flag: "allow-changed-data", help: "With --resume: continue although a data file changed since the run started."),
        ],
        discussion: """
            Writes RUN_DIR/last.ckpt every epoch, RUN_DIR/best.ckpt on the best dev score (without a dev set: \
            the lowest training loss), and one row per epoch to RUN_DIR/log.csv. One run at a time per \
            folder (RUN_DIR/run.lock), and never into a folder holding files it did not write. Ctrl-C (SIGINT) \
            or SIGTERM finishes the current step, writes last.ckpt and exits (130 or 143); continue with \
            --resume RUN_DIR. Exit codes: 0 done, 1 runtime failure (e.g. NaN loss), 2 bad usage or input.
            """)

    public static func run(_ arguments: [String]) throws -> Int32 {
        let args = try spec.parseOrExit(arguments)
        var request = RunRequest()
        request.configPath = args.argument("config")
        request.resumeDirectory = args.value("resume")
        request.overrides = args.values("set")
        request.threads = try args.int("threads")
        request.restart = args.flag("overwrite")
        request.acceptChangedData = args.flag("allow-changed-data")
        if let threads = request.threads, threads < 1 {
            throw RNNError.usage("--threads must be at least 1, got \(threads) (0 = all cores is training.threads 0)")
        }
        if args.flag("print-config") {
            guard let path = request.configPath else { throw RNNError.usage("--print-config needs a CONFIG file") }
            try Terminal.writeOutput(try RunConfig.load(path: path, overrides: request.overrides).resolvedJSON() + "\n")
            return 0
        }
        guard request.configPath != nil || request.resumeDirectory != nil else {
            throw ArgumentError("missing CONFIG (or --resume RUN_DIR)", spec: spec)
        }
        if request.resumeDirectory != nil && request.restart {
            throw RNNError.usage("--overwrite starts a run again from scratch; it cannot be combined with --resume")
        }
        if request.acceptChangedData && request.resumeDirectory == nil {
            throw RNNError.usage("--allow-changed-data applies to --resume only")
        }
        do {
            return try train(request)
        } catch var error as RNNError {
            switch error.remedy {
            case .resumeOrRestart(let dir)?: error.message += "; continue it with --resume \(dir), or start again with --overwrite"
            case .acceptChangedData?: error.message += " (--allow-changed-data continues anyway)"
            case nil: break
            }
            throw error
        }
    }

    private static func train(_ request: RunRequest) throws -> Int32 {
        let log = { (text: String) in Terminal.writeError(text + "\n") }
        let stop = StopRequest()
        stop.install()
        defer { stop.uninstall() }
        let setup = try RunSetup(request, log: log)
        defer { setup.release() }
        let summary: TrainingSummary
        if let finished = setup.finishedSummary(log: log) {
            summary = finished
        } else {
            summary = try Trainer(setup: setup, stop: stop, progress: ProgressLine(minimumInterval: 0), log: log).run()
        }
        if case .interrupted(let signal) = summary.outcome {
            log("Continue with: rnn-train --resume \(summary.runDirectory)")
            return signal == "SIGTERM" ? 143 : 130
        }
        let best = (summary.runDirectory as NSString).appendingPathComponent(RunDirectory.bestCheckpoint)
        let value = summary.bestMetric.map { String(format: "%.4f", $0) } ?? "n/a"
        if summary.metricName == "train_loss" {
            try Terminal.writeOutput("lowest train loss \(value) at epoch \(summary.bestEpoch) (no dev set): \(best)\n")
        } else {
            try Terminal.writeOutput("best \(summary.metricName) \(value) at epoch \(summary.bestEpoch): \(best)\n")
        }
        return 0
    }
}

/// The terminal line shows the trainer's progress.
extension ProgressLine: ProgressSink {
    public var isLive: Bool { isTTY }
}
