import Foundation

extension Trainer {
    /// The end of an epoch: dev evaluation, schedule, best/early-stopping bookkeeping, log row,
    /// checkpoints (best and last from one encoding), the epoch's line.
    func finishEpoch(_ epoch: Int, seconds: Double) throws {
        let training = config.training
        let trainLoss = progress.epochLossSum / Double(max(progress.epochExamples, 1))
        let gradNorm = progress.epochGradNormSum / Double(max(progress.epochBatches, 1))
        // The rate of the epoch's last step (also right when a resumed epoch had no batch left).
        let learningRate = Double(schedule.learningRate(step: max(progress.step - 1, 0), epoch: epoch - 1))
        var record = EpochRecord(epoch: epoch, trainLoss: trainLoss, devLoss: nil, devAccuracy: nil, devMacroF1: nil,
                                 learningRate: learningRate, gradientNorm: gradNorm, seconds: seconds)
        // Scores are higher-is-better; without dev data the training loss decides (BestTracker).
        var score = -trainLoss
        if let dev = data.dev {
            let predictions = evaluate(dev)
            let matrix = predictions.confusion(labels: dev.labels)
            record.devLoss = predictions.loss
            record.devAccuracy = matrix.accuracy
            record.devMacroF1 = matrix.macroF1
            switch training.earlyStopping.metric {
            case .accuracy: score = matrix.accuracy
            case .macroF1: score = matrix.macroF1
            case .loss: score = -(predictions.loss ?? 0)
            }
        }
        schedule.observe(metric: score, higherIsBetter: true)
        progress.finishEpoch(epoch)
        let improved = progress.best.observe(score, epoch: epoch, patience: training.earlyStopping.patience)
        try EpochLog(path: setup.directory.file(RunDirectory.logFile)).append(record)
        try save(asBest: improved)
        // On a terminal the epoch's summary replaces its live line.
        progressSink.finish(ProgressText.epochLine(record, epochs: training.epochs, improved: improved))
        if progress.stoppedEarly {
            log("early stopping: no better dev \(training.earlyStopping.metric.rawValue) for \(progress.epochsWithoutImprovement) epochs")
        }
    }

    /// Predictions over the dev set, on an inference plan of the current weights (the same
    /// logits bitwise as the training forward without dropout). When the dev set has more tokens
    /// than the vocabulary has entries, the plan builds the per-token tables: on THUCNews (10,000
    /// dev titles, ~4,200 characters) evaluation then skips most of the first layer's work.
    func evaluate(_ dev: EncodedDataset) -> DatasetPredictions {
        let model = trained.model
        let plan = model.makeInferencePlan(tables: dev.lengths.reduce(0, +) > model.spec.vocabularySize)
        return plan.predict(dev, padId: data.vocabulary.padId)
    }

    /// Writes last.ckpt, and best.ckpt first when `asBest`: one encoding of the state serves both
    /// files, so they are byte for byte the same (the checkpoint records no role).
    func save(asBest: Bool) throws {
        progress.dropoutState = dropoutRandom.state.map { String($0) }
        progress.scheduleState = schedule.state
        var checkpoint = trained.checkpoint(role: "last", progress: progress, optimizer: step.optimizer)
        checkpoint.metadata.values[TrainedModel.Key.role] = nil
        checkpoint.metadata.values[RunIdentity.metadataKey] = setup.identity.json
        let bytes = try checkpoint.encoded()
        if asBest { try Checkpoint.write(bytes, to: setup.directory.file(RunDirectory.bestCheckpoint)) }
        try Checkpoint.write(bytes, to: setup.directory.file(RunDirectory.lastCheckpoint))
    }

    /// Where the last good state is, for the message of a run stopped by NaN.
    func keptCheckpointNote() -> String {
        let last = setup.directory.file(RunDirectory.lastCheckpoint)
        return FileManager.default.fileExists(atPath: last)
            ? "The last good checkpoint, \(last), is kept as it was."
            : "No checkpoint had been written yet."
    }

    static func loadPretrained(_ path: String, into model: TextClassifier, vocabulary: Vocabulary, dim: Int,
                               log: (String) -> Void) throws {
        let vectors = try PretrainedVectors.load(path: path, vocabulary: vocabulary, dim: dim, log: log)
        try model.embedding.load(matrix: vectors.matrix, hasVector: vectors.hasVector)
    }
}
