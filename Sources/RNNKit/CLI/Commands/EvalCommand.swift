import Foundation

/// `rnn-eval`: scores a checkpoint on labelled data.
public enum EvalCommand {
    public static let spec = CommandSpec(
        name: "rnn-eval",
        overview: "Score a trained model on labelled data: accuracy, macro/micro F1, per-class precision/recall/F1, confusion matrix; for a multi-label model micro/macro F1, per-label precision/recall/F1, subset accuracy and Hamming loss; for a tagger, span precision/recall/F1 overall and per type, token, intent and sentence accuracy.",
        arguments: [
            .init(name: "checkpoint", help: "A checkpoint written by rnn-train (best.ckpt or last.ckpt)."),
            .init(name: "data", help: "Labelled data, in the training data's format unless --format says otherwise."),
        ],
        options: [
            .init(name: "format", valueName: "tsv|fasttext|jsonl|conll", help: "Data format (default: the one the model was trained with; conll for taggers)."),
            .init(name: "classes", valueName: "file", help: "Classes file mapping integer labels to names (default: the training one, if any)."),
            .init(flag: "skip-unknown-labels", help: "Count and skip examples whose label the model does not know, instead of failing."),
            .init(flag: "json", help: "Write one JSON document instead of tables."),
            .init(name: "threshold", valueName: "T", help: MultiLabelOptions.thresholdHelp),
            .init(name: "max-line-bytes", valueName: "n", help: "Longest data line accepted; a longer one is an error naming it (default: the model's data.max_line_bytes)."),
            .init(name: "threads", valueName: "n", help: "Worker threads, 0 = all cores (default: all cores)."),
            .init(name: "report", valueName: "file.html", help: "Also write a self-contained HTML page: confusion matrix heatmap, per-class bars."),
        ],
        discussion: """
            With more than \(ClassificationReport.fullMatrixMaxClasses) classes the table shows the \
            \(ClassificationReport.topConfusionCount) most frequent confusions instead of the full confusion matrix, \
            and --json writes the matrix's non-zero cells instead of its rows. \
            Exit codes: 0 success, 1 runtime failure (e.g. stdout cannot be written), 2 bad usage or input \
            (e.g. a label the model does not know).
            """)

    public static func run(_ arguments: [String]) throws -> Int32 {
        let args = try spec.parseOrExit(arguments)
        try args.applyThreads()
        let maxLineBytes = try args.maxLineBytes()
        let checkpointPath = args.argument("checkpoint")!
        let checkpoint = try TrainedModel.readFile(checkpointPath)
        if TrainedTagger.isTagger(checkpoint) { return try TaggerCommands.eval(args, checkpoint: checkpoint, path: checkpointPath) }
        let dataPath = args.argument("data")!
        if args.value("format") == DataConfig.Format.conll.rawValue || (args.value("format") == nil && dataPath.hasSuffix(".conll")) {
            throw RNNError.input("this checkpoint is a text classifier; CoNLL files (token<TAB>tag lines) are scored by a tagger "
                                 + "(model.kind \"tagger\")" + (args.value("format") == nil ? " (give --format for a file that is not CoNLL)" : ""),
                                 file: dataPath)
        }
        let trained = try TrainedModel.load(checkpoint, path: checkpointPath)
        var dataConfig = trained.config.data
        dataConfig.train = dataPath
        if let f = args.value("format") {
            guard let format = DataConfig.Format(rawValue: f) else {
                throw RNNError.usage("--format must be tsv, fasttext, jsonl or conll, got \"\(f)\"")
            }
            dataConfig.format = format
        }
        if let classes = args.value("classes") { dataConfig.classes = classes }
        if let maxLineBytes { dataConfig.maxLineBytes = maxLineBytes }
        dataConfig.unknownLabels = args.flag("skip-unknown-labels") ? .skip : .error
        if trained.isMultiLabel { return try runMultiLabel(trained, args: args, dataPath: dataPath, dataConfig: dataConfig) }
        _ = try MultiLabelOptions.thresholds(trained, args: args)   // refuses --threshold
        // Integer labels are class indices only when the model's classes came from a classes file.
        var labels = try LabelSet(names: trained.labels, isFixed: true, acceptsIndices: dataConfig.classes != nil)
        let examples = try CorpusReader.read(path: dataPath, config: dataConfig, labels: &labels, allowNewLabels: false,
                                             settings: .commandLine, singleLabelOnly: true, log: { Terminal.writeError($0 + "\n") })
        guard !examples.isEmpty else { throw RNNError.input("no examples to score", file: dataPath) }
        let dataset = EncodedDataset(examples: examples, tokenizer: trained.tokenizer, vocabulary: trained.vocabulary)
        // Scoring only reads the model: an inference plan with the per-token tables.
        let predictions = trained.model.makeInferencePlan().predict(dataset, padId: trained.vocabulary.padId)
        let matrix = predictions.confusion(labels: dataset.labels)
        let report = ClassificationReport(confusion: matrix)
        if let page = args.value("report") {
            let html = EvaluationReport.render(confusion: matrix, labels: trained.labels, source: "\(args.argument("checkpoint")!) on \(dataPath)")
            do { try html.write(toFile: page, atomically: true, encoding: .utf8) } catch {
                throw RNNError.runtime("cannot write the report: \(FileErrorDescription.describe(error))", file: page)
            }
        }
        try Terminal.writeOutput(args.flag("json") ? report.json(labelNames: trained.labels) + "\n"
                                               : report.table(labelNames: trained.labels))
        return 0
    }
}
