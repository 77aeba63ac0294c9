import Foundation

/// What `rnn-train` was asked to do.
public struct TrainOptions {
    public var configPath: String?
    /// Run folder to continue (`--resume RUN_DIR`).
    public var resumeDirectory: String?
    public var overrides: [String] = []
    /// `--threads N`: changes speed, never results, and is not stored.
    public var threads: Int?
    /// Start again in a run folder that already holds checkpoints.
    public var overwrite = false
    public init() {}
}

/// How a run ended.
public enum TrainingOutcome: Equatable {
    case completed
    case stoppedEarly(epoch: Int)
    /// A signal asked to stop; a checkpoint was written to resume from.
    case interrupted(signal: String)
}

public struct TrainingSummary {
    public var outcome: TrainingOutcome
    public var runDirectory: String
    public var bestEpoch: Int
    public var bestMetric: Double?
    public var metricName: String
    public var epochsDone: Int
}

/// The training loop: epochs of shuffled, length-bucketed batches; forward,
/// loss, BPTT, clipping, optimizer step; dev evaluation, checkpoints (`last`
/// every epoch, `best` on the dev metric), CSV log, early stopping, resume.
///
/// Everything that decides a result is saved in the checkpoint (weights,
/// optimizer moments, dropout RNG, schedule, position in the epoch), and the
/// batch order depends only on (seed, epoch), so a resumed run ends bitwise
/// equal to an uninterrupted one. Wall-clock time is kept out of checkpoints so
/// runs with different thread counts write identical files.
public final class Trainer {
    public let config: RunConfig
    public let runDirectory: String
    let data: RunData
    let trained: TrainedModel
    let optimizer: Optimizer
    var schedule: LearningRateSchedule
    let loss: SoftmaxCrossEntropy
    var progress: TrainingProgress
    var dropoutRandom: RandomSource
    let stop: StopRequest
    let log: (String) -> Void
    /// Live progress: a rewritten line on a terminal, plain lines every log_every steps otherwise.
    let progressLine: ProgressLine

    public static let lastCheckpoint = "last.ckpt"
    public static let bestCheckpoint = "best.ckpt"
    public static let logFile = "log.csv"

    /// Sets up a new run or resumes one, validating everything before any training.
    public init(options: TrainOptions, stop: StopRequest = StopRequest(),
                progressLine: ProgressLine = ProgressLine(minimumInterval: 0), log: @escaping (String) -> Void) throws {
        self.stop = stop
        self.log = log
        self.progressLine = progressLine
        if let threads = options.threads {
            guard threads >= 1 else { throw RNNError.usage("--threads must be at least 1, got \(threads)") }
        }
        var resumeFrom: Checkpoint?
        var resumePath = ""
        var config: RunConfig
        if let dir = options.resumeDirectory {
            resumePath = (dir as NSString).appendingPathComponent(Trainer.lastCheckpoint)
            guard FileManager.default.fileExists(atPath: resumePath) else {
                throw RNNError.input("nothing to resume: \(resumePath) does not exist", file: dir)
            }
            let checkpoint = try Checkpoint.read(from: resumePath)
            guard let stored = checkpoint.metadata.values[TrainedModel.Key.config],
                  checkpoint.metadata.values[TrainedModel.Key.progress] != nil else {
                throw RNNError.input("this checkpoint has no training state to resume from", file: resumePath)
            }
            do {
                config = try RunConfig.parse(json: stored, path: resumePath, overrides: options.overrides, checkFiles: true)
            } catch var error as RNNError where error.file == resumePath {
                // A line of the JSON inside a binary file helps nobody: say where the config came from.
                error.line = nil
                error.message += " (in the config stored in this checkpoint)"
                throw error
            }
            let original = try RunConfig.parse(json: stored, path: resumePath, checkFiles: false)
            if let path = options.configPath {
                let given = try RunConfig.load(path: path, overrides: options.overrides)
                try Trainer.refuseChanges(given.differences(from: original), checkpoint: resumePath, other: path)
                config = given
            } else {
                try Trainer.refuseChanges(config.differences(from: original), checkpoint: resumePath, other: "--set")
            }
            config.output.dir = dir
            resumeFrom = checkpoint
        } else {
            guard let path = options.configPath else { throw RNNError.usage("give a CONFIG file, or --resume RUN_DIR") }
            config = try RunConfig.load(path: path, overrides: options.overrides)
        }
        self.config = config
        self.runDirectory = config.output.dir
        Parallel.threadCount = options.threads ?? config.training.threads

        try Trainer.prepareRunDirectory(runDirectory, resuming: resumeFrom != nil, overwrite: options.overwrite)

        // Data: a resumed run keeps the checkpoint's vocabulary and label order.
        let savedVocabulary = try resumeFrom.map { try Vocabulary(tokens: $0.metadata.vocabulary) }
        data = try RunData.load(config: config, vocabulary: savedVocabulary, labelNames: resumeFrom?.metadata.labels, log: log)

        var initRandom = RandomSource(seed: config.training.seed)
        let spec = ModelSpec(config: config, vocabularySize: data.vocabulary.count, classCount: data.labels.count,
                             padId: Int(data.vocabulary.padId))
        do { try spec.validate() } catch var error as RNNError {
            error.file = error.file ?? config.sourcePath
            throw error
        }
        let model = TextClassifier(spec: spec, rng: &initRandom)
        trained = TrainedModel(config: config, tokenizer: data.tokenizer, vocabulary: data.vocabulary,
                               labels: data.labels.names, model: model)
        optimizer = Trainer.makeOptimizer(config.training)
        loss = SoftmaxCrossEntropy(classWeights: try Trainer.classWeights(config.training, labels: data.train.labels,
                                                                          classCount: data.labels.count, file: config.sourcePath),
                                   labelSmoothing: Float(config.training.labelSmoothing))
        let stepsPerEpoch = (data.train.count + config.training.batchSize - 1) / config.training.batchSize
        schedule = Trainer.makeSchedule(config.training, totalSteps: stepsPerEpoch * config.training.epochs)

        if let checkpoint = resumeFrom {
            try checkpoint.load(into: model.parameters)
            guard let saved = try TrainingProgress.saved(in: checkpoint, path: resumePath),
                  let random = RandomSource(state: saved.dropoutState.compactMap { UInt64($0) }) else {
                throw RNNError.input("the training state stored in this checkpoint is incomplete", file: resumePath)
            }
            // Adam's bias correction needs the step count before its moments are restored.
            optimizer.stepCount = saved.step
            try optimizer.loadState(checkpoint.optimizerState, parameters: model.parameters)
            progress = saved
            dropoutRandom = random
            schedule = Trainer.makeSchedule(config.training, totalSteps: stepsPerEpoch * config.training.epochs,
                                            state: saved.scheduleState)
            try EpochLog(path: (runDirectory as NSString).appendingPathComponent(Trainer.logFile))
                .truncate(afterEpoch: saved.epochsDone)
            log("resuming \(resumePath): \(saved.epochsDone) epochs done"
                + (saved.batchesDoneInEpoch > 0 ? ", \(saved.batchesDoneInEpoch) batches into epoch \(saved.epochsDone + 1)" : ""))
        } else {
            progress = TrainingProgress()
            // Dropout draws from its own stream so initialisation and dropout never shift each other.
            dropoutRandom = initRandom.split()
            if let vectorsPath = config.embedding.pretrained {
                let vectors = try PretrainedVectors.load(path: vectorsPath, vocabulary: data.vocabulary,
                                                         dim: config.embedding.dim, log: log)
                var rows: [Int: [Float]] = [:]
                for row in vectors.hasVector.indices where vectors.hasVector[row] {
                    rows[row] = Array(vectors.matrix[row * vectors.dim..<(row + 1) * vectors.dim])
                }
                try model.embedding.load(rows: rows)
            }
            try? FileManager.default.removeItem(atPath: (runDirectory as NSString).appendingPathComponent(Trainer.logFile))
        }
        let config_ = config.resolvedJSON()
        try Trainer.writeText(config_, to: (runDirectory as NSString).appendingPathComponent("config.json"))
        let parameterCount = model.parameters.reduce(0) { $0 + $1.value.count }
        log("model: \(spec.effective.kind.rawValue), \(spec.effective.cell.rawValue) \(spec.effective.bidirectional ? "bidirectional" : "unidirectional"), \(parameterCount) parameters; \(Terminal.count(Parallel.threadCount, "thread"))")
    }

    // MARK: - The loop

    public func run() throws -> TrainingSummary {
        let t = config.training
        let batcher = Batcher(lengths: data.train.lengths, batchSize: t.batchSize, lengthBuckets: t.lengthBuckets, seed: t.seed)
        let parameters = trained.model.parameters
        let padId = data.vocabulary.padId
        let csv = EpochLog(path: (runDirectory as NSString).appendingPathComponent(Trainer.logFile))
        let logEvery = t.logEvery
        var outcome = TrainingOutcome.completed

        epochs: while progress.epochsDone < t.epochs && !progress.stoppedEarly {
            let epoch = progress.epochsDone + 1
            let batches = batcher.batches(epoch: epoch - 1)
            let started = Date()
            var examplesThisSession = 0
            var lastLR = 0.0
            for index in progress.batchesDoneInEpoch..<batches.count {
                let batch = data.train.batch(batches[index], padId: padId)
                let lr = schedule.learningRate(step: progress.step, epoch: epoch - 1)
                lastLR = Double(lr)
                parameters.zeroGrads()
                let (logits, cache) = trained.model.forward(batch, training: true, rng: &dropoutRandom)
                let out = loss.forward(logits: logits, labels: batch.labels)
                guard out.loss.isFinite else {
                    throw RNNError.runtime("the loss became \(out.loss.isNaN ? "NaN" : "infinite") at epoch \(epoch), batch \(index + 1) "
                        + "(step \(progress.step + 1)); stopped without saving this state. \(keptCheckpointNote()) "
                        + "Try a lower training.lr or a training.clip_norm.")
                }
                trained.model.backward(out.dLogits, cache: cache)
                let norm = t.clipNorm > 0 ? clipGradientNorm(parameters, maxNorm: Float(t.clipNorm)) : globalGradientNorm(parameters)
                guard norm.isFinite else {
                    throw RNNError.runtime("the gradient norm became \(norm.isNaN ? "NaN" : "infinite") at epoch \(epoch), batch \(index + 1); "
                        + "stopped without saving this state. \(keptCheckpointNote())")
                }
                if t.clipValue > 0 { clipGradientValue(parameters, limit: Float(t.clipValue)) }
                optimizer.step(parameters, learningRate: lr)

                progress.step += 1
                progress.batchesDoneInEpoch = index + 1
                progress.epochLossSum += Double(out.loss) * Double(batch.size)
                progress.epochGradNormSum += Double(norm)
                progress.epochExamples += batch.size
                progress.epochBatches += 1
                examplesThisSession += batch.size

                if logEvery > 0 && (progressLine.isTTY || progress.step % logEvery == 0) {
                    let elapsed = Date().timeIntervalSince(started)
                    let rate = Double(examplesThisSession) / max(elapsed, 1e-9)
                    let remaining = Double(batches.count - index - 1) * Double(t.batchSize) / max(rate, 1e-9)
                    progressLine.update(String(format: "epoch %d/%d  batch %d/%d  loss %.4f  %.0f ex/s  ETA %@",
                                               epoch, t.epochs, index + 1, batches.count,
                                               progress.epochLossSum / Double(max(progress.epochExamples, 1)), rate,
                                               Trainer.duration(remaining)))
                }
                if t.evalEvery > 0 && progress.step % t.evalEvery == 0 && index + 1 < batches.count, let dev = data.dev {
                    let predictions = evaluate(dev)
                    let matrix = Evaluation.confusion(predictions, labels: dev.labels)
                    progressLine.finish()
                    log(String(format: "step %d  dev loss %.4f  accuracy %.4f  macro-F1 %.4f",
                               progress.step, predictions.loss ?? 0, matrix.accuracy, matrix.macroF1))
                }
                if let signal = stop.requestedBy {
                    progressLine.finish()
                    try save(role: "last", to: Trainer.lastCheckpoint)
                    log("\(signal): stopped after epoch \(epoch), batch \(index + 1)/\(batches.count); checkpoint written to "
                        + "\((runDirectory as NSString).appendingPathComponent(Trainer.lastCheckpoint)). "
                        + "Continue with: rnn-train --resume \(runDirectory)")
                    outcome = .interrupted(signal: signal)
                    break epochs
                }
            }
            try finishEpoch(epoch, learningRate: lastLR, seconds: Date().timeIntervalSince(started), csv: csv)
            if progress.stoppedEarly { outcome = .stoppedEarly(epoch: epoch) }
            if let signal = stop.requestedBy {
                log("\(signal): stopped after epoch \(epoch); continue with: rnn-train --resume \(runDirectory)")
                outcome = .interrupted(signal: signal)
                break
            }
        }
        return TrainingSummary(outcome: outcome, runDirectory: runDirectory, bestEpoch: progress.bestEpoch,
                               bestMetric: progress.bestMetric, metricName: config.training.earlyStopping.metric.rawValue,
                               epochsDone: progress.epochsDone)
    }

    /// Predictions over the dev set. The weights do not change while it runs, so when the dev set
    /// has more tokens than the vocabulary has entries, the per-token inference tables are built
    /// first (the same logits bitwise, see `TextClassifier.prepareForInference`) and dropped
    /// before training goes on: on THUCNews (10,000 dev titles, ~4,200 characters) evaluation
    /// then skips most of the first layer's work.
    private func evaluate(_ dev: EncodedDataset) -> DatasetPredictions {
        let model = trained.model
        if dev.lengths.reduce(0, +) > model.spec.vocabularySize { model.prepareForInference() }
        defer { model.discardInferenceTables() }
        return Evaluation.predict(model, dataset: dev, padId: data.vocabulary.padId, withLoss: true)
    }

    /// Dev evaluation, log row, schedule, best/last checkpoints, early stopping.
    private func finishEpoch(_ epoch: Int, learningRate: Double, seconds: Double, csv: EpochLog) throws {
        let t = config.training
        let trainLoss = progress.epochLossSum / Double(max(progress.epochExamples, 1))
        let gradNorm = progress.epochGradNormSum / Double(max(progress.epochBatches, 1))
        var record = EpochRecord(epoch: epoch, trainLoss: trainLoss, devLoss: nil, devAccuracy: nil, devMacroF1: nil,
                                 learningRate: learningRate, gradientNorm: gradNorm, seconds: seconds)
        // Without dev data the training loss decides what is "best".
        var metric = -trainLoss
        let metricIsLoss = t.earlyStopping.metric == .loss || data.dev == nil
        if let dev = data.dev {
            let predictions = evaluate(dev)
            let matrix = Evaluation.confusion(predictions, labels: dev.labels)
            record.devLoss = predictions.loss
            record.devAccuracy = matrix.accuracy
            record.devMacroF1 = matrix.macroF1
            switch t.earlyStopping.metric {
            case .accuracy: metric = matrix.accuracy
            case .macroF1: metric = matrix.macroF1
            case .loss: metric = -(predictions.loss ?? 0)
            }
        }
        schedule.observe(metric: metric, higherIsBetter: true)
        progress.epochsDone = epoch
        progress.batchesDoneInEpoch = 0
        progress.epochLossSum = 0
        progress.epochGradNormSum = 0
        progress.epochExamples = 0
        progress.epochBatches = 0
        let improved = progress.bestMetric.map { metric > $0 } ?? true
        if improved {
            progress.bestMetric = metric
            progress.bestEpoch = epoch
            progress.epochsWithoutImprovement = 0
        } else {
            progress.epochsWithoutImprovement += 1
        }
        if t.earlyStopping.patience > 0 && progress.epochsWithoutImprovement >= t.earlyStopping.patience {
            progress.stoppedEarly = true
        }
        try csv.append(record)
        if improved { try save(role: "best", to: Trainer.bestCheckpoint) }
        try save(role: "last", to: Trainer.lastCheckpoint)

        var line = String(format: "epoch %d/%d  train loss %.4f", epoch, t.epochs, trainLoss)
        if let a = record.devAccuracy, let l = record.devLoss, let f = record.devMacroF1 {
            line += String(format: "  dev loss %.4f  accuracy %.4f  macro-F1 %.4f", l, a, f)
        }
        line += String(format: "  lr %.3g  %.1fs", learningRate, seconds)
        if improved { line += "  (best)" }
        // On a terminal the epoch's summary replaces its live line.
        progressLine.finish(line)
        if progress.stoppedEarly {
            let name = metricIsLoss ? "loss" : t.earlyStopping.metric.rawValue
            log("early stopping: no better dev \(name) for \(progress.epochsWithoutImprovement) epochs")
        }
    }

    /// Where the last good state is, for the message of a run stopped by NaN.
    private func keptCheckpointNote() -> String {
        let last = (runDirectory as NSString).appendingPathComponent(Trainer.lastCheckpoint)
        return FileManager.default.fileExists(atPath: last)
            ? "The last good checkpoint, \(last), is kept as it was."
            : "No checkpoint had been written yet."
    }

    private func save(role: String, to name: String) throws {
        progress.dropoutState = dropoutRandom.state.map { String($0) }
        progress.scheduleState = schedule.state
        let path = (runDirectory as NSString).appendingPathComponent(name)
        try trained.checkpoint(role: role, progress: progress, optimizer: optimizer).write(to: path)
    }

    // MARK: - Set-up helpers

    static func refuseChanges(_ fields: [String], checkpoint: String, other: String) throws {
        guard !fields.isEmpty else { return }
        throw RNNError.input("cannot resume with a different model or data setup; these fields differ from the checkpoint: "
                             + fields.joined(separator: ", "), file: other == "--set" ? checkpoint : other)
    }

    static func prepareRunDirectory(_ dir: String, resuming: Bool, overwrite: Bool) throws {
        let fm = FileManager.default
        do { try fm.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
            throw RNNError.runtime("cannot create the run folder: \(FileErrorDescription.describe(error))", file: dir)
        }
        guard fm.isWritableFile(atPath: dir) else { throw RNNError.runtime("the run folder is not writable", file: dir) }
        let last = (dir as NSString).appendingPathComponent(lastCheckpoint)
        if !resuming && !overwrite && fm.fileExists(atPath: last) {
            throw RNNError.input("this run folder already holds a run; continue it with --resume \(dir), "
                                 + "or start again with --overwrite", file: dir)
        }
        if !resuming && overwrite {
            for name in [lastCheckpoint, bestCheckpoint, logFile] {
                try? fm.removeItem(atPath: (dir as NSString).appendingPathComponent(name))
            }
        }
        // Temp files of a checkpoint write that a kill -9 or power loss cut short (Checkpoint.write(to:)):
        // the checkpoint they were to replace is intact, so they are only garbage.
        for name in (try? fm.contentsOfDirectory(atPath: dir)) ?? []
        where name.hasPrefix(".\(lastCheckpoint).tmp-") || name.hasPrefix(".\(bestCheckpoint).tmp-") {
            try? fm.removeItem(atPath: (dir as NSString).appendingPathComponent(name))
        }
    }

    static func writeText(_ text: String, to path: String) throws {
        do { try text.write(toFile: path, atomically: true, encoding: .utf8) } catch {
            throw RNNError.runtime("cannot write: \(FileErrorDescription.describe(error))", file: path)
        }
    }

    static func makeOptimizer(_ t: TrainingConfig) -> Optimizer {
        switch t.optimizer {
        case .adam: return Adam(beta1: Float(t.beta1), beta2: Float(t.beta2), eps: Float(t.eps), weightDecay: Float(t.weightDecay))
        case .adamw: return Adam(beta1: Float(t.beta1), beta2: Float(t.beta2), eps: Float(t.eps), weightDecay: Float(t.weightDecay), decoupled: true)
        case .sgd: return SGD(momentum: Float(t.momentum), nesterov: t.nesterov, weightDecay: Float(t.weightDecay))
        }
    }

    static func makeSchedule(_ t: TrainingConfig, totalSteps: Int, state: [String: Double]? = nil) -> LearningRateSchedule {
        let s = t.schedule
        return LearningRateSchedule(kind: LearningRateSchedule.Kind(rawValue: s.kind.rawValue)!, baseLR: Float(t.lr),
                                    stepSize: s.stepSize, gamma: Float(s.gamma), warmupSteps: s.warmupSteps,
                                    minLR: Float(s.minLR), totalSteps: totalSteps, patience: s.patience, factor: Float(s.factor),
                                    state: state)
    }

    /// Per-class loss weights: given, or "balanced" = N / (K * count of the class).
    static func classWeights(_ t: TrainingConfig, labels: [Int], classCount: Int, file: String? = nil) throws -> [Float]? {
        switch t.classWeights {
        case .none: return nil
        case .balanced:
            var counts = [Int](repeating: 0, count: classCount)
            for l in labels { counts[l] += 1 }
            return counts.map { $0 == 0 ? 0 : Float(Double(labels.count) / Double(classCount * $0)) }
        case .explicit(let w):
            guard w.count == classCount else {
                throw RNNError.input("\(w.count) class weights for \(classCount) classes", file: file, field: "training.class_weights")
            }
            return w.map { Float($0) }
        }
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%dh%02dm", s / 3600, s / 60 % 60) : String(format: "%dm%02ds", s / 60, s % 60)
    }
}
