import Foundation

/// The training loop: epochs of shuffled, length-bucketed batches through `TrainingStep`; dev
/// evaluation, checkpoints (`last` every epoch, `best` on the dev metric), CSV log, early
/// stopping. `RunSetup` has resolved the config, the folder and the resume state before.
///
/// Everything that decides a result is saved in the checkpoint (weights, optimizer moments,
/// dropout RNG, schedule, position in the epoch and the epoch's batch size), and the batch
/// order depends only on (seed, epoch, batch size), so a resumed run ends bitwise equal to an
/// uninterrupted one. Wall-clock time is kept out of checkpoints at epoch ends, so runs with
/// different thread counts write identical files.
public final class Trainer {
    public let setup: RunSetup
    public var config: RunConfig { setup.config }
    public var runDirectory: String { setup.directory.path }
    let task: TrainingTask
    let step: TrainingStep
    var schedule: LearningRateSchedule
    var progress: TrainingProgress
    var dropoutRandom: RandomSource
    /// `training.ema`: the weights' moving average, for dev and best.ckpt.
    let average: WeightAverage?
    let stop: StopRequest
    let log: (String) -> Void
    let progressSink: ProgressSink
    /// Test seam (docs/RELIABILITY.md): `RNN_TEST_STOP_AFTER_STEP=N` acts as a SIGINT right after step N.
    let stopAfterStep = ProcessInfo.processInfo.environment["RNN_TEST_STOP_AFTER_STEP"].flatMap { Int($0) }

    /// Reads the data, builds the model (restoring the resumed state) and writes config.json.
    public init(setup: RunSetup, stop: StopRequest = StopRequest(), progress sink: ProgressSink = SilentProgress(),
                log: @escaping (String) -> Void) throws {
        self.setup = setup
        self.stop = stop
        self.log = log
        self.progressSink = sink
        let config = setup.config
        Parallel.threadCount = setup.threads
        let resume = setup.resume

        // The model's initial weights draw from the seed's generator; dropout then splits from it.
        var initRandom = RandomSource(seed: config.training.seed)
        task = try TrainingTasks.make(config: config, resume: resume, initRandom: &initRandom, log: log)
        step = TrainingStep(task: task, training: config.training)
        let parameters = task.parameters

        if let resume {
            try resume.checkpoint.load(into: parameters, tables: task.sparseTables)
            // The parameters trained in the epoch the state was saved in (gradual unfreezing).
            task.beginEpoch(resume.progress.batchesDoneInEpoch > 0 ? resume.progress.epochsDone + 1 : max(resume.progress.epochsDone, 1))
            // Adam's bias correction needs the step count before its moments are restored.
            step.optimizer.stepCount = resume.progress.step
            try step.optimizer.loadState(resume.checkpoint.optimizerState, parameters: parameters)
            step.sparseOptimizer.stepCount = resume.progress.step
            try step.sparseOptimizer.loadState(resume.checkpoint.optimizerState)
            progress = resume.progress
            dropoutRandom = resume.dropoutRandom
            try EpochLog(path: setup.directory.file(RunDirectory.logFile), metrics: task.metricNames)
                .truncate(afterEpoch: progress.epochsDone)
            try StepLog(path: setup.directory.file(RunDirectory.stepsFile), metrics: task.metricNames)
                .truncate(afterStep: progress.step)
            log("resuming \(resume.path): \(progress.epochsDone) epochs done"
                + (progress.batchesDoneInEpoch > 0 ? ", \(progress.batchesDoneInEpoch) batches into epoch \(progress.epochsDone + 1)" : ""))
            if resume.dataChanged && progress.batchesDoneInEpoch > 0 {
                // The interrupted epoch's batch plan indexes the old examples: it cannot go on.
                log("epoch \(progress.epochsDone + 1) starts again from its first batch: the training data changed")
                progress.finishEpoch(progress.epochsDone)
            }
        } else {
            progress = TrainingProgress()
            // Dropout draws from its own stream so initialisation and dropout never shift each other.
            dropoutRandom = initRandom.split()
        }
        if config.training.pretrainedAnchor > 0 {
            // A new run anchors at the weights init_from just loaded; a resumed one at the saved anchor.
            let anchor = PretrainedAnchor(strength: Float(config.training.pretrainedAnchor), decoupled: config.training.optimizer == .adamw,
                                          parameters: task.pretrainedParameters)
            if let resume { try anchor.loadState(resume.checkpoint.optimizerState) }
            step.anchor = anchor
        }
        average = config.training.ema.map { WeightAverage(decay: Float($0), parameters: parameters) }
        if let average, let resume, try !average.loadState(resume.checkpoint.optimizerState) {
            log("training.ema: the checkpoint has no weight average; it starts from the resumed weights")
        }
        schedule = LearningRateSchedule(config: config.training, totalSteps: 0, state: progress.scheduleState)
        schedule.totalSteps = plannedSteps()
        try setup.directory.writeText(config.resolvedJSON(), to: RunDirectory.configFile)
        if !task.hasDev {
            log("no dev set (data.dev is null): nothing is evaluated between epochs, and best.ckpt is the epoch with the lowest training loss")
        }
        log("model: \(task.modelDescription); \(Terminal.count(Parallel.threadCount, "thread"))")
    }

    /// The run's log.csv, with the task's dev columns.
    var epochLog: EpochLog { EpochLog(path: setup.directory.file(RunDirectory.logFile), metrics: task.metricNames) }
    /// Its steps.csv (`training.eval_every`), with the same columns.
    var stepLog: StepLog { StepLog(path: setup.directory.file(RunDirectory.stepsFile), metrics: task.metricNames) }

    // MARK: - The loop

    public func run() throws -> TrainingSummary {
        let training = config.training
        var outcome = TrainingOutcome.completed
        epochs: while progress.epochsDone < training.epochs && !progress.stoppedEarly {
            let epoch = progress.epochsDone + 1
            task.beginEpoch(epoch)
            let batchSize = epochBatchSize(epoch)
            let batches = Batcher(lengths: task.trainLengths, batchSize: batchSize, lengthBuckets: training.lengthBuckets, seed: training.seed)
                .batches(epoch: epoch - 1)
            guard progress.batchesDoneInEpoch <= batches.count else {
                throw RNNError.input("the checkpoint is \(progress.batchesDoneInEpoch) batches into epoch \(epoch), "
                                     + "which has only \(batches.count)", file: setup.resume?.path)
            }
            let started = Date()
            let secondsBefore = progress.epochSecondsBefore ?? 0
            var examplesThisSession = 0
            for index in progress.batchesDoneInEpoch..<batches.count {
                let batch = task.trainingBatch(batches[index])
                try train(batch, epoch: epoch, index: index)
                examplesThisSession += batch.size
                if training.logEvery > 0 && (progressSink.isLive || progress.step % training.logEvery == 0) {
                    progressSink.update(ProgressText.liveLine(
                        epoch: epoch, epochs: training.epochs, batch: index + 1, batches: batches.count,
                        meanLoss: progress.epochLossSum / Double(max(progress.epochExamples, 1)),
                        examplesPerSecond: Double(examplesThisSession) / max(Date().timeIntervalSince(started), 1e-9),
                        batchSize: batchSize))
                }
                if training.evalEvery > 0 && progress.step % training.evalEvery == 0 && index + 1 < batches.count,
                   let scores = scoreDev() {
                    progressSink.finish(nil)
                    log("step \(progress.step)" + (scores.loss.map { String(format: "  dev loss %.4f", $0) } ?? "")
                        + ProgressText.metricsText(scores.metrics, order: task.metricNames))
                    let position = Double(epoch - 1) + Double(index + 1) / Double(batches.count)
                    try stepLog.append(StepEvaluation(step: progress.step, epochPosition: position,
                                                      devLoss: scores.loss, devMetrics: scores.metrics))
                }
                if stopAfterStep == progress.step { stop.request("SIGINT") }
                // A stop at the epoch's last batch lets the epoch end (dev, log row, checkpoints) first.
                if let signal = stop.requestedBy, index + 1 < batches.count {
                    progressSink.finish(nil)
                    progress.epochBatchSize = batchSize
                    progress.epochSecondsBefore = secondsBefore + Date().timeIntervalSince(started)
                    try save(asBest: false)
                    log("\(signal): stopped after epoch \(epoch), batch \(index + 1)/\(batches.count); checkpoint written to "
                        + setup.directory.file(RunDirectory.lastCheckpoint))
                    outcome = .interrupted(signal: signal)
                    break epochs
                }
            }
            try finishEpoch(epoch, seconds: secondsBefore + Date().timeIntervalSince(started))
            if progress.stoppedEarly { outcome = .stoppedEarly(epoch: epoch) }
            if let signal = stop.requestedBy {
                log("\(signal): stopped after epoch \(epoch); checkpoint written to " + setup.directory.file(RunDirectory.lastCheckpoint))
                outcome = .interrupted(signal: signal)
                break
            }
        }
        return TrainingSummary(outcome: outcome, progress: progress, config: config, runDirectory: runDirectory)
    }

    /// One step on one batch, its sums added to the epoch's; a non-finite loss or gradient
    /// stops the run without saving.
    private func train(_ batch: Batch, epoch: Int, index: Int) throws {
        let lr = schedule.learningRate(step: progress.step, epoch: epoch - 1)
        let result: TrainingStep.Result
        do {
            result = try step.run(batch, learningRate: lr, rng: &dropoutRandom)
        } catch let failure as TrainingStep.Failure {
            switch failure {
            case .lossNotFinite(let loss):
                throw RNNError.runtime("the loss became \(loss.isNaN ? "NaN" : "infinite") at epoch \(epoch), batch \(index + 1) "
                    + "(step \(progress.step + 1)); stopped without saving this state. \(keptCheckpointNote()) "
                    + "Try a lower training.lr or a training.clip_norm.")
            case .gradientNotFinite(let norm):
                throw RNNError.runtime("the gradient norm became \(norm.isNaN ? "NaN" : "infinite") at epoch \(epoch), batch \(index + 1); "
                    + "stopped without saving this state. \(keptCheckpointNote())")
            }
        }
        average?.update()
        progress.step += 1
        progress.batchesDoneInEpoch = index + 1
        progress.epochLossSum += Double(result.loss) * Double(batch.size)
        progress.epochGradNormSum += Double(result.gradientNorm)
        progress.epochExamples += batch.size
        progress.epochBatches += 1
    }

    /// The batch size of epoch `epoch`: an interrupted epoch keeps its own (its batch plan
    /// depends on it), a new one takes `training.batch_size`.
    private func epochBatchSize(_ epoch: Int) -> Int {
        let configured = config.training.batchSize
        guard progress.batchesDoneInEpoch > 0, let own = progress.epochBatchSize, own != configured else { return configured }
        log("epoch \(epoch) continues with its batch size \(own) (\(progress.batchesDoneInEpoch) batches done); "
            + "training.batch_size \(configured) applies from epoch \(epoch + 1)")
        return own
    }

    /// Optimizer steps of the whole run as planned now (the cosine schedule's length): the
    /// steps taken, the rest of an interrupted epoch at its own batch size, the epochs to come.
    private func plannedSteps() -> Int {
        let n = task.trainLengths.count
        func steps(_ batchSize: Int) -> Int { (n + batchSize - 1) / batchSize }
        let training = config.training
        var total = progress.step
        var epochsLeft = max(0, training.epochs - progress.epochsDone)
        if progress.batchesDoneInEpoch > 0 && epochsLeft > 0 {
            total += steps(progress.epochBatchSize ?? training.batchSize) - progress.batchesDoneInEpoch
            epochsLeft -= 1
        }
        return total + epochsLeft * steps(training.batchSize)
    }
}
