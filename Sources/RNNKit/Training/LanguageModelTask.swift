import Foundation

/// `task: "language_model"`: pretrains the embedding and encoder on unlabelled text
/// (`LanguageModel`), scored by held-out perplexity. Labels in the data (a classifier's TSV)
/// are read and ignored; `data.format: "text"` reads one text per line.
///
/// The held-out text is every `data.holdout_every`-th usable line of `data.train` (then the run
/// needs no other file), else `data.dev`. The vocabulary is built from all of `data.train`,
/// held-out lines included, exactly as a classifier's would be from the same file, so the
/// fine-tuned classifier's vocabulary is this one. Lines with fewer than two tokens predict
/// nothing and are left out.
public final class LanguageModelTask: TrainingTask {
    public let config: RunConfig
    public let tokenizer: Tokenizer
    public let vocabulary: Vocabulary
    public let model: LanguageModel
    /// Sequences of at least two tokens.
    public let train: [[Int32]]
    public let heldOut: [[Int32]]?
    let workspace: LanguageModel.Workspace

    public static let formatName = "rnn-language-model"

    public var parameters: [Parameter] { model.parameters }
    public var metricNames: [String] { ["perplexity"] }
    public var trainLengths: [Int] { train.map(\.count) }
    public var hasDev: Bool { heldOut != nil }

    public init(config: RunConfig, resume: ResumeState?, initRandom: inout RandomSource, log: @escaping (String) -> Void) throws {
        self.config = config
        tokenizer = Tokenizer(config: config.tokenizer)
        let saved = try resume.map { try Vocabulary(tokens: $0.checkpoint.metadata.vocabulary) }
        var labels = LabelSet()   // read, never used: any label is accepted
        let data = config.data
        let all: EncodedDataset
        if let saved {
            vocabulary = saved
            all = try CorpusEncoder.encode(path: data.train, config: data, labels: &labels, allowNewLabels: true,
                                           tokenizer: tokenizer, vocabulary: saved, log: log)
        } else {
            (all, vocabulary) = try CorpusEncoder.encodeBuildingVocabulary(path: data.train, config: data, labels: &labels,
                                                                          allowNewLabels: true, tokenizer: tokenizer,
                                                                          vocab: config.vocab, log: log)
        }
        guard all.count > 0 else {
            throw RNNError.input("no texts: the training file has no usable lines (empty, or only blank lines)", file: data.train)
        }
        var trainSequences: [[Int32]] = [], held: [[Int32]] = []
        for (i, sequence) in all.sequences.enumerated() {
            if data.holdoutEvery > 0 && (i + 1) % data.holdoutEvery == 0 { held.append(sequence) } else { trainSequences.append(sequence) }
        }
        let short = trainSequences.count
        train = trainSequences.filter { $0.count >= 2 }
        guard !train.isEmpty else {
            throw RNNError.input("no text of at least two tokens to train on: a language model predicts each token from "
                                 + "its neighbours (check tokenizer.kind)", file: data.train)
        }
        if short > train.count { log("\(short - train.count) training lines of fewer than two tokens left out (nothing to predict)") }
        if data.holdoutEvery > 0 {
            guard held.contains(where: { $0.count >= 2 }) else {
                throw RNNError.input("holds out no line of at least two tokens (\(all.count) usable lines)", file: config.sourcePath,
                                     field: "data.holdout_every")
            }
            heldOut = held.filter { $0.count >= 2 }
        } else if let dev = data.dev {
            var devLabels = LabelSet()
            let set = try CorpusEncoder.encode(path: dev, config: data, labels: &devLabels, allowNewLabels: true,
                                               tokenizer: tokenizer, vocabulary: vocabulary, log: log)
            let usable = set.sequences.filter { $0.count >= 2 }
            guard !usable.isEmpty else { throw RNNError.input("no text of at least two tokens to score", file: dev) }
            heldOut = usable
        } else {
            heldOut = nil
        }
        let tokens = train.reduce(0) { $0 + $1.count }
        log("language model: \(train.count) training lines (\(tokens) tokens)"
            + (heldOut.map { ", \($0.count) held-out lines (\($0.reduce(0) { $0 + $1.count }) tokens)" } ?? "")
            + "; vocabulary \(vocabulary.count) tokens")
        let m = config.model
        model = LanguageModel(vocabularySize: vocabulary.count, embeddingDim: config.embedding.dim, cell: m.cell, layers: m.layers,
                              bidirectional: m.kind == .bilstm || m.bidirectional, dropout: Float(m.dropout),
                              regularisation: Regularisation(embeddingDropout: Float(m.embeddingDropout), tokenDropout: Float(m.tokenDropout),
                                                             lockedDropout: Float(m.lockedDropout), weightDrop: Float(m.weightDrop)),
                              padId: Int(vocabulary.padId), rng: &initRandom)
        model.embedding.frozen = config.embedding.freeze
        if resume == nil, let path = config.embedding.pretrained {
            let vectors = try PretrainedVectors.load(path: path, vocabulary: vocabulary, dim: config.embedding.dim, log: log)
            try model.embedding.load(matrix: vectors.matrix, hasVector: vectors.hasVector)
        }
        workspace = model.makeWorkspace()
    }

    public var modelDescription: String {
        "language model, \(config.model.cell.rawValue) \(model.decoders.count == 2 ? "bidirectional" : "forward"), "
            + "output tied to the embedding, \(model.parameters.reduce(0) { $0 + $1.value.count }) parameters"
    }

    public func trainingBatch(_ indices: [Int]) -> Batch {
        Batch(sequences: indices.map { train[$0] }, padId: vocabulary.padId)
    }

    public func lossAndGradients(_ batch: Batch, rng: inout RandomSource) -> Float {
        model.lossAndGradients(batch, workspace: workspace, rng: &rng)
    }

    /// Mean loss per predicted token over the held-out lines (both directions), and its
    /// perplexity exp(loss), batched by length in a fixed order.
    public func scoreDev() -> DevScores? {
        guard let heldOut else { return nil }
        let plan = model.encoder.makePlan()
        let order = heldOut.indices.sorted { (heldOut[$0].count, $0) < (heldOut[$1].count, $1) }
        var total = 0.0, count = 0
        let size = config.training.batchSize
        for start in stride(from: 0, to: order.count, by: size) {
            let batch = Batch(sequences: order[start..<min(start + size, order.count)].map { heldOut[$0] }, padId: vocabulary.padId)
            let r = model.evaluate(batch, plan: plan, workspace: workspace)
            total += r.loss
            count += r.count
        }
        let loss = total / Double(max(count, 1))
        return DevScores(loss: loss, metrics: ["perplexity": Foundation.exp(loss)])
    }

    public func checkpoint() -> Checkpoint {
        let values = [TrainedModel.Key.format: Self.formatName, TrainedModel.Key.config: config.resolvedJSON()]
        return Checkpoint(metadata: CheckpointMetadata(values: values, vocabulary: vocabulary.tokens, labels: []),
                          tensors: Checkpoint.tensors(from: model.parameters))
    }
}
