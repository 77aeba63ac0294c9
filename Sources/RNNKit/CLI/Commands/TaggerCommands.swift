import Foundation

/// `rnn-eval` and `rnn-predict` on a tagger checkpoint: the commands read the checkpoint once
/// and hand a tagger here. Options that only mean something for one label per text are refused
/// by name (exit 2) instead of being ignored.
enum TaggerCommands {
    /// Scores a tagger on a CoNLL file: spans overall and per type, token, intent and sentence
    /// accuracy, unseen gold tags and intents counted as errors.
    static func eval(_ args: ParsedArguments, checkpoint: Checkpoint, path: String) throws -> Int32 {
        if let format = args.value("format"), format != DataConfig.Format.conll.rawValue {
            throw RNNError.usage("--format \(format): this checkpoint is a token tagger, which reads CoNLL files (--format conll)")
        }
        for option in ["classes", "report", "threshold"] where args.value(option) != nil {
            throw RNNError.usage("--\(option) applies to text classifiers; this checkpoint is a token tagger")
        }
        if args.flag("skip-unknown-labels") {
            throw RNNError.usage("--skip-unknown-labels applies to text classifiers; a tagger counts gold tags and intents it never saw as errors (and reports how many)")
        }
        let trained = try TrainedTagger.load(checkpoint, path: path)
        let dataPath = args.argument("data")!
        let sentences = try ConllReader.read(path: dataPath, invalidUTF8: trained.config.data.invalidUTF8,
                                             log: { Terminal.writeError($0 + "\n") }).sentences
        guard !sentences.isEmpty else { throw RNNError.input("no sentences to score", file: dataPath) }
        let data = TaggedDataset(sentences: sentences, vocabulary: trained.vocabulary)
        let plan = trained.model.makeInferencePlan(tags: trained.vocabulary.tags)
        let metrics = plan.predict(data, padId: trained.vocabulary.words.padId).metrics(against: data, vocabulary: trained.vocabulary)
        // Classification data read as CoNLL gives "tags" such as class names: none is known.
        guard metrics.unseenGoldTags < metrics.totalTokens else {
            throw RNNError.input("none of the file's \(metrics.totalTokens) tags is one this tagger knows (\(trained.vocabulary.tags.prefix(3).joined(separator: ", ")), ...): "
                                 + "is it a CoNLL file (token<TAB>tag lines) of the tag set the tagger was trained on?", file: dataPath)
        }
        let report = TaggingReport(metrics: metrics, scoresIntents: metrics.intentSentences > 0)
        try Terminal.writeOutput(args.flag("json") ? report.json() + "\n" : report.table())
        return 0
    }

    /// Tags stdin's lines (one whitespace-tokenised sentence per line).
    static func predict(_ args: ParsedArguments, checkpoint: Checkpoint, path: String, options: PredictionStream.Options) throws -> Int32 {
        for option in ["top-k", "threshold"] where !args.values(option).isEmpty {
            throw RNNError.usage("--\(option) applies to text classifiers; this checkpoint is a token tagger (it writes token/TAG pairs, or --json)")
        }
        for flag in ["probs", "logits"] where args.flag(flag) {
            throw RNNError.usage("--\(flag) applies to text classifiers; this checkpoint is a token tagger (it writes token/TAG pairs, or --json)")
        }
        let predictor = TaggerLinePredictor(trained: try TrainedTagger.load(checkpoint, path: path), json: args.flag("json"))
        predictor.batchSize = options.batchSize
        _ = try PredictionStream.run(answer: predictor.answers, input: 0, options: options, write: Terminal.writeOutput(bytes:),
                                     warn: { Terminal.writeError("rnn-predict: " + $0 + "\n") })
        return 0
    }
}
