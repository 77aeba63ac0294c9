import Foundation

/// What `rnn-train` is asked to do, in plain values (the command line fills it from its flags).
public struct RunRequest {
    /// A config file: a new run, or, with `resumeDirectory`, the config to continue with.
    public var configPath: String?
    /// A run folder to continue from its last checkpoint.
    public var resumeDirectory: String?
    /// `section.field=value` config overrides.
    public var overrides: [String] = []
    /// Worker threads (>= 1) instead of `training.threads`; changes speed, never results.
    public var threads: Int?
    /// Start again in a folder that holds a run of ours (its files are removed).
    public var restart = false
    /// Continue although data files changed since the run started (with a warning).
    public var acceptChangedData = false
    public init() {}
}

/// Where a resumed run continues from, checked against its folder and its data.
public struct ResumeState {
    /// The run's last.ckpt.
    public let path: String
    public let checkpoint: Checkpoint
    /// With `epochBatchSize` filled when the checkpoint is mid-epoch.
    public let progress: TrainingProgress
    public let dropoutRandom: RandomSource
    /// The data changed since the run started, and the request accepted it.
    public let dataChanged: Bool
}

/// A run ready to train: its config resolved, its folder checked and locked (until `release`
/// or deinit), and for a resumed run the state to continue from. Nothing here builds a model.
public final class RunSetup {
    public let config: RunConfig
    public let directory: RunDirectory
    public let resume: ResumeState?
    /// Worker threads for this run.
    public let threads: Int
    let identity: RunIdentity
    let lock: RunLock

    public init(_ request: RunRequest, log: (String) -> Void) throws {
        let parts = try request.resumeDirectory.map { try RunSetup.resume($0, request, log: log) }
            ?? RunSetup.start(request, log: log)
        (config, directory, resume, identity, lock) = (parts.config, parts.directory, parts.resume, parts.identity, parts.lock)
        threads = request.threads ?? config.training.threads
    }

    /// Unlocks the run folder (also done when the setup is freed).
    public func release() { lock.release() }

    /// When a resumed run has nothing left to train: what to report (the files stay untouched).
    public func finishedSummary(log: (String) -> Void) -> TrainingSummary? {
        guard let progress = resume?.progress,
              progress.stoppedEarly || progress.epochsDone >= config.training.epochs else { return nil }
        log(progress.stoppedEarly
            ? "nothing to train: this run stopped early at epoch \(progress.epochsDone) (early stopping)"
            : "nothing to train: this run has done its \(progress.epochsDone) epochs (training.epochs \(config.training.epochs)); "
                + "raise training.epochs to train more")
        return TrainingSummary(outcome: .completed, progress: progress, config: config, runDirectory: directory.path)
    }

    private typealias Parts = (config: RunConfig, directory: RunDirectory, resume: ResumeState?, identity: RunIdentity, lock: RunLock)

    private static func start(_ request: RunRequest, log: (String) -> Void) throws -> Parts {
        guard let path = request.configPath else { throw RNNError.usage("give a config file, or a run folder to resume") }
        let config = try RunConfig.load(path: path, overrides: request.overrides)
        let (directory, lock) = try RunDirectory.open(config.output.dir, resuming: false, restart: request.restart, log: log)
        return (config, directory, nil, try RunIdentity(config: config), lock)
    }

    private static func resume(_ given: String, _ request: RunRequest, log: (String) -> Void) throws -> Parts {
        guard !request.restart else { throw RNNError.usage("a run cannot be resumed and started again at once") }
        // Absolute, so the config stored from now on names the folder wherever it is read.
        let directory = RunDirectory(path: URL(fileURLWithPath: given).standardizedFileURL.path)
        let lastPath = directory.file(RunDirectory.lastCheckpoint)
        guard FileManager.default.fileExists(atPath: lastPath) else {
            throw RNNError.input("nothing to resume: \(lastPath) does not exist", file: given)
        }
        for override in request.overrides {
            let path = try RunConfig.parseOverride(override).0
            if path == "output" || path.hasPrefix("output.") {
                throw RNNError.input("cannot change when resuming: the run continues in its own folder, \(directory.path)",
                                     field: "output.dir")
            }
        }
        let (_, lock) = try RunDirectory.open(directory.path, resuming: true, restart: false, log: log)
        let checkpoint = try Checkpoint.read(from: lastPath)
        guard let stored = checkpoint.metadata.values[TrainedModel.Key.config],
              checkpoint.metadata.values[TrainedModel.Key.progress] != nil else {
            throw RNNError.input("this checkpoint has no training state to resume from", file: lastPath)
        }
        var config: RunConfig
        do {
            config = try RunConfig.parse(json: stored, path: lastPath, overrides: request.overrides, checkFiles: true)
        } catch var error as RNNError where error.file == lastPath {
            // A line of the JSON inside a binary file helps nobody: say where the config came from.
            error.line = nil
            error.message += " (in the config stored in this checkpoint)"
            throw error
        }
        let original = try RunConfig.parse(json: stored, path: lastPath, checkFiles: false)
        if let path = request.configPath {
            let given = try RunConfig.load(path: path, overrides: request.overrides)
            try refuseChanges(given.differences(from: original), file: path)
            if given.output.dir != directory.path {
                log("note: output.dir of \(path) is not used: the run continues in \(directory.path)")
            }
            config = given
        } else {
            try refuseChanges(config.differences(from: original), file: lastPath)
        }
        config.output.dir = directory.path
        try checkBelongs(original, to: directory, checkpoint: lastPath)

        guard var progress = try TrainingProgress.saved(in: checkpoint, path: lastPath),
              let random = RandomSource(state: progress.dropoutState.compactMap { UInt64($0) }) else {
            throw RNNError.input("the training state stored in this checkpoint is incomplete", file: lastPath)
        }
        if config.training.epochs < progress.epochsDone {
            throw RNNError.input("is \(config.training.epochs), but this run has already done \(progress.epochsDone) epochs; "
                                 + "give a larger value to train more", file: request.configPath ?? lastPath, field: "training.epochs")
        }
        if progress.batchesDoneInEpoch > 0 && progress.epochBatchSize == nil {
            progress.epochBatchSize = original.training.batchSize   // a checkpoint of an older version
        }
        let identity = try RunIdentity(config: config)
        var dataChanged = false
        if let earlier = RunIdentity(checkpoint: checkpoint) {
            let changes = identity.changedFiles(since: earlier)
            if !changes.isEmpty {
                guard request.acceptChangedData else {
                    var error = RNNError.input(changes.joined(separator: "; ") + "; continuing would train on examples "
                                               + "the run's position and scores do not describe", file: directory.path)
                    error.remedy = .acceptChangedData
                    throw error
                }
                for change in changes { log("warning: \(change); continuing on the data as it is now, as asked") }
                dataChanged = true
            }
        } else {
            log("note: \(lastPath) was written by an older version, which did not record its data files: they cannot be checked")
        }
        let resume = ResumeState(path: lastPath, checkpoint: checkpoint, progress: progress, dropoutRandom: random,
                                 dataChanged: dataChanged)
        return (config, directory, resume, identity, lock)
    }

    static func refuseChanges(_ fields: [String], file: String) throws {
        guard !fields.isEmpty else { return }
        throw RNNError.input("cannot resume with a different model or data setup; these fields differ from the checkpoint: "
                             + fields.joined(separator: ", "), file: file)
    }

    /// The checkpoint must be this folder's: its model and data fields are those of the
    /// folder's config.json (written when the run started), when that is readable.
    static func checkBelongs(_ stored: RunConfig, to directory: RunDirectory, checkpoint: String) throws {
        let path = directory.file(RunDirectory.configFile)
        guard let text = WholeFile.text(path),
              let own = try? RunConfig.parse(json: text, path: path) else { return }
        let fields = stored.differences(from: own)
        guard fields.isEmpty else {
            throw RNNError.input("does not belong to this run folder: these fields differ from \(path): "
                                 + fields.joined(separator: ", "), file: checkpoint)
        }
    }
}
