import Foundation

/// `rnn-predict`: a streaming Unix filter from text lines to predictions.
public enum PredictCommand {
    public static let spec = CommandSpec(
        name: "rnn-predict",
        overview: "Read text lines on stdin, write one prediction per line on stdout, in input order.",
        arguments: [.init(name: "checkpoint", help: "A checkpoint written by rnn-train (best.ckpt or last.ckpt).")],
        options: [
            .init(name: "top-k", short: "k", valueName: "k", help: "Write the K best labels with their probabilities.", defaultValue: "1"),
            .init(flag: "probs", help: "Also write every class's probability (class order)."),
            .init(flag: "logits", help: "Write LABEL then every class's raw logit (class order, %.9g) instead of probabilities; with --json {\"label\", \"logits\"}."),
            .init(flag: "json", help: "Write JSON lines: {\"label\", \"prob\", \"top\" (with --top-k > 1), \"probs\" (with --probs)}."),
            .init(name: "batch-size", valueName: "n", help: "Most lines predicted together when input arrives faster than it is answered.", defaultValue: "128"),
            .init(name: "threads", valueName: "n", help: "Worker threads (default: all cores)."),
        ],
        discussion: """
            Output: LABEL<TAB>PROB per line; with --top-k K, K label/probability pairs, best first; with --probs, \
            NAME=PROB for every class after them. An empty input line is predicted as an empty text (the model's \
            answer for no tokens), so output line N always answers input line N. Invalid UTF-8 is replaced by \
            U+FFFD (one warning on stderr). Lines are answered as soon as they arrive: it works interactively and \
            behind `tail -f`. A closed stdout ends the program quietly with status 0.
            """)

    public static func run(_ arguments: [String]) throws -> Int32 {
        let args = try spec.parseOrExit(arguments)
        if let threads = try args.int("threads") {
            guard threads >= 1 else { throw RNNError.usage("--threads must be at least 1, got \(threads)") }
            Parallel.threadCount = threads
        }
        var format = PredictionFormat()
        format.topK = try args.int("top-k") ?? 1
        format.json = args.flag("json")
        format.allProbabilities = args.flag("probs")
        format.logits = args.flag("logits")
        let batchSize = try args.int("batch-size") ?? 128
        guard batchSize >= 1 else { throw RNNError.usage("--batch-size must be at least 1, got \(batchSize)") }
        let (trained, _) = try TrainedModel.load(checkpoint: args.argument("checkpoint")!)
        let predictor = try LinePredictor(trained: trained, format: format)
        // A closed pipe must end us quietly, not kill us with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        _ = try PredictionStream.run(predictor: predictor, input: 0, batchSize: batchSize,
                                     write: StandardOutput.write, warn: { Terminal.writeError("rnn-predict: " + $0 + "\n") })
        return 0
    }
}

/// Unbuffered writes to stdout that report a closed pipe instead of dying.
public enum StandardOutput {
    public static func write(_ text: String) -> Bool {
        var bytes = Array(text.utf8)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Foundation.write(1, $0.baseAddress! + done, $0.count - done) }
            if n > 0 { done += n; continue }
            if n < 0 && errno == EINTR { continue }
            return false
        }
        return true
    }
}
