import Foundation

/// `rnn-eval` and `rnn-predict` on multi-label models, and the checks that keep single- and
/// multi-label models to the options that mean something for them.
extension EvalCommand {
    /// Scores a multi-label model on `dataPath` (read with `dataConfig`) at its thresholds, or at
    /// `--threshold`; writes the table or JSON.
    static func runMultiLabel(_ trained: TrainedModel, args: ParsedArguments, dataPath: String, dataConfig: DataConfig) throws -> Int32 {
        if args.value("report") != nil {
            throw RNNError.usage("--report draws a confusion matrix, which single-label models have; this model is multi-label "
                                 + "(its table and --json hold per-label scores)")
        }
        let thresholds = try MultiLabelOptions.thresholds(trained, args: args)
        var labels = try LabelSet(names: trained.labels, isFixed: true, acceptsIndices: dataConfig.classes != nil)
        let examples = try CorpusReader.read(path: dataPath, config: dataConfig, labels: &labels, allowNewLabels: false,
                                             settings: .commandLine, log: { Terminal.writeError($0 + "\n") })
        guard !examples.isEmpty else { throw RNNError.input("no examples to score", file: dataPath) }
        let dataset = EncodedDataset(examples: examples, tokenizer: trained.tokenizer, vocabulary: trained.vocabulary)
        let predictions = trained.model.makeInferencePlan().predictMultiLabel(dataset, padId: trained.vocabulary.padId)
        let report = MultiLabelReport(metrics: predictions.metrics(targets: dataset.labelSets, thresholds: thresholds),
                                      thresholds: thresholds)
        try Terminal.writeOutput(args.flag("json") ? report.json(labelNames: trained.labels) + "\n"
                                               : report.table(labelNames: trained.labels))
        return 0
    }
}

/// `--threshold` of rnn-eval and rnn-predict.
enum MultiLabelOptions {
    static let thresholdHelp = "Multi-label models: predict every label whose probability is at least T, for every label "
        + "(default: the model's thresholds, data.threshold or tuned per label on dev)."

    /// The thresholds to decide with: `--threshold T` for every label, else the checkpoint's.
    /// `--threshold` with a single-label model is a usage error (exit 2).
    static func thresholds(_ trained: TrainedModel, args: ParsedArguments) throws -> [Float] {
        guard let t = try args.double("threshold") else { return trained.thresholds }
        guard trained.isMultiLabel else {
            throw RNNError.usage("--threshold applies to multi-label models (trained with data.multi_label); "
                                 + "this one predicts one label per text")
        }
        guard t > 0 && t < 1 else { throw RNNError.usage("--threshold must be in (0, 1), got \(t)") }
        return [Float(t)]
    }
}
