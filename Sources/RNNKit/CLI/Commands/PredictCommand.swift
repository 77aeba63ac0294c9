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
            .init(name: "threshold", valueName: "T", help: MultiLabelOptions.thresholdHelp),
            .init(name: "input-format", valueName: "text|tsv", help: "text: each line is a text; tsv: text<TAB>label lines as rnn-train reads them (split at the last tab, label ignored; a line without a tab is all text).", defaultValue: "text"),
            .init(flag: "id-column", help: "Lines start with ID<TAB>: write the ID and a tab, unchanged, in front of each answer (a line without a tab is an error)."),
            .init(name: "max-line-bytes", valueName: "n", help: "Longer lines are answered from their first N bytes (one warning).", defaultValue: String(LineReader.defaultMaxLineBytes)),
            .init(name: "batch-size", valueName: "n", help: "Most lines in one batch; when input arrives faster than it is answered, up to 8 batches are read and grouped by length.", defaultValue: "128"),
            .init(name: "threads", valueName: "n", help: "Worker threads, 0 = all cores (default: all cores)."),
        ],
        discussion: """
            Output: LABEL<TAB>PROB per line; with --top-k K, K label/probability pairs, best first; with --probs, \
            NAME=PROB for every class after them. A multi-label model writes a LABEL<TAB>PROB pair for every label \
            whose probability reaches its threshold, most probable first (an empty line when none does); \
            --json {"labels": [{"label", "prob"}, ...]}. In this tab-separated output a label's backslash is written \\\\, \
            '=' as \\=, and control characters as \\t, \\n, \\r or \\uHHHH (rnn-train refuses such labels; older \
            models may hold them); --json escapes as JSON does. An empty input line is predicted as an empty text \
            (the model's answer for no tokens), so output line N always answers input line N. Invalid UTF-8 is \
            replaced by U+FFFD (one warning on stderr). Lines are answered as soon as they arrive: it works \
            interactively and behind `tail -f`. A closed stdout (`| head`) ends the program quietly with status 0; \
            any other failure to write stdout (a full disk) is exit 1; bad input or usage is exit 2, after the \
            lines before the bad one were answered.

            A tagger checkpoint (model.kind "tagger") reads one whitespace-tokenised sentence per line and \
            writes token/TAG pairs separated by spaces (the tag follows the last slash), preceded by INTENT<TAB> for \
            a joint model; --json writes {"intent", "intent_prob", "tokens", "tags", "slots": [{"type", "text", \
            "start", "end"}]} (token positions from 0, end exclusive). --top-k, --probs and --logits are for \
            classifiers.
            """)

    public static func run(_ arguments: [String]) throws -> Int32 {
        let args = try spec.parseOrExit(arguments)
        try args.applyThreads()
        var format = PredictionFormat()
        format.topK = try args.int("top-k") ?? 1
        format.json = args.flag("json")
        format.allProbabilities = args.flag("probs")
        var options = PredictionStream.Options()
        options.batchSize = try args.int("batch-size") ?? 128
        guard options.batchSize >= 1 else { throw RNNError.usage("--batch-size must be at least 1, got \(options.batchSize)") }
        let inputFormat = args.value("input-format") ?? "text"
        guard let parsedFormat = PredictionStream.Options.InputFormat(rawValue: inputFormat) else {
            throw RNNError.usage("--input-format must be text or tsv, got \"\(inputFormat)\"")
        }
        options.inputFormat = parsedFormat
        options.idColumn = args.flag("id-column")
        options.maxLineBytes = try args.maxLineBytes() ?? LineReader.defaultMaxLineBytes
        format.logits = args.flag("logits")
        format.threshold = try args.double("threshold").map { Float($0) }
        let checkpointPath = args.argument("checkpoint")!
        let checkpoint = try TrainedModel.readFile(checkpointPath)
        if TrainedTagger.isTagger(checkpoint) {
            return try TaggerCommands.predict(args, checkpoint: checkpoint, path: checkpointPath, options: options)
        }
        let trained = try TrainedModel.load(checkpoint, path: checkpointPath)
        let predictor = try LinePredictor(trained: trained, format: format)
        predictor.batchSize = options.batchSize
        _ = try PredictionStream.run(predictor: predictor, input: 0, options: options,
                                     write: Terminal.writeOutput(bytes:), warn: { Terminal.writeError("rnn-predict: " + $0 + "\n") })
        return 0
    }
}
