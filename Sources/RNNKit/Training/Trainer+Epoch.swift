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
        var record = EpochRecord(epoch: epoch, trainLoss: trainLoss, learningRate: learningRate, gradientNorm: gradNorm,
                                 seconds: seconds)
        // Scores are higher-is-better; without dev data the training loss decides (BestTracker).
        var score = -trainLoss
        if let dev = scoreDev() {
            record.devLoss = dev.loss
            record.devMetrics = dev.metrics
            score = dev.score(training.earlyStopping.metric.rawValue) ?? 0
        }
        schedule.observe(metric: score, higherIsBetter: true)
        progress.finishEpoch(epoch)
        let improved = progress.best.observe(score, epoch: epoch, patience: training.earlyStopping.patience)
        try epochLog.append(record)
        try save(asBest: improved)
        try writeReport()
        // On a terminal the epoch's summary replaces its live line.
        progressSink.finish(ProgressText.epochLine(record, epochs: training.epochs, improved: improved, metrics: task.metricNames))
        if progress.stoppedEarly {
            log("early stopping: no better dev \(training.earlyStopping.metric.rawValue) for \(progress.epochsWithoutImprovement) epochs")
        }
    }

    /// The dev scores of the weights dev is judged on: the moving average with `training.ema`,
    /// else the live weights.
    func scoreDev() -> DevScores? {
        guard let average else { return task.scoreDev() }
        return average.withAveragedWeights { task.scoreDev() }
    }

    /// Writes last.ckpt, and best.ckpt first when `asBest`: one encoding of the state serves both
    /// files, so they are byte for byte the same (the checkpoint records no role). With
    /// `training.ema`, last.ckpt adds the average's state and best.ckpt holds the average as
    /// its weights (the model dev chose), encoded on its own.
    func save(asBest: Bool) throws {
        progress.dropoutState = dropoutRandom.state.map { String($0) }
        progress.scheduleState = schedule.state
        func state() -> Checkpoint {
            var checkpoint = task.checkpoint().withTrainingState(progress: progress, optimizer: step.optimizer,
                                                                 named: config.training.optimizer.rawValue, parameters: task.parameters,
                                                                 sparseOptimizer: step.sparseOptimizer)
            checkpoint.metadata.values[RunIdentity.metadataKey] = setup.identity.json
            if let anchor = step.anchor { checkpoint.tensors += Checkpoint.tensors(fromOptimizerState: anchor.stateTensors()) }
            return checkpoint
        }
        guard let average else {
            let bytes = try state().encoded()
            if asBest { try Checkpoint.write(bytes, to: setup.directory.file(RunDirectory.bestCheckpoint)) }
            return try Checkpoint.write(bytes, to: setup.directory.file(RunDirectory.lastCheckpoint))
        }
        if asBest {
            try Checkpoint.write(try average.withAveragedWeights(state).encoded(), to: setup.directory.file(RunDirectory.bestCheckpoint))
        }
        var last = state()
        last.tensors += Checkpoint.tensors(fromOptimizerState: average.stateTensors())
        try Checkpoint.write(try last.encoded(), to: setup.directory.file(RunDirectory.lastCheckpoint))
    }

    /// RUN_DIR/report.html from the whole log.csv and steps.csv (so it stays right across
    /// resumes), written atomically after every epoch.
    func writeReport() throws {
        func read(_ name: String) -> String { WholeFile.text(setup.directory.file(name)) ?? "" }
        let page = TrainingReport.render(records: EpochRecord.records(csv: read(RunDirectory.logFile)), metrics: task.metricNames,
                                         config: config, bestEpoch: progress.bestEpoch > 0 ? progress.bestEpoch : nil,
                                         stepEvaluations: StepEvaluation.records(csv: read(RunDirectory.stepsFile)))
        try setup.directory.writeText(page, to: RunDirectory.reportFile)
    }

    /// Where the last good state is, for the message of a run stopped by NaN.
    func keptCheckpointNote() -> String {
        let last = setup.directory.file(RunDirectory.lastCheckpoint)
        return FileManager.default.fileExists(atPath: last)
            ? "The last good checkpoint, \(last), is kept as it was."
            : "No checkpoint had been written yet."
    }
}
