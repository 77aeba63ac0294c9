import Foundation

/// A run folder (`output.dir`): the files `rnn-train` writes there and the rules for using one.
///
/// - A folder is a run folder when it holds `run.lock`, or (runs of older versions) a
///   checkpoint of ours. A new run refuses a non-empty folder that is not one, naming the files
///   in the way: the tool never overwrites a file it did not write, not even when asked to
///   start again (that only restarts runs of ours).
/// - One run at a time: the folder is locked (RunLock) before anything in it is written.
/// - A new run refuses a folder that already holds a run (last.ckpt) unless it is asked to
///   start again; then the old run's files are removed.
/// - Temp files of checkpoint writes cut short by a kill are removed (Checkpoint+Write.swift).
public struct RunDirectory {
    public static let lastCheckpoint = "last.ckpt"
    public static let bestCheckpoint = "best.ckpt"
    public static let logFile = "log.csv"
    public static let configFile = "config.json"
    public static let lockFile = "run.lock"
    /// The HTML report (curves, config, best epoch), rewritten after every epoch.
    public static let reportFile = "report.html"
    /// Dev scores inside epochs (`training.eval_every`).
    public static let stepsFile = "steps.csv"

    /// Absolute path.
    public let path: String

    public init(path: String) { self.path = path }

    public func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    /// Creates (if needed), checks and locks the folder of a run.
    static func open(_ path: String, resuming: Bool, restart: Bool, log: (String) -> Void) throws -> (RunDirectory, RunLock) {
        let fm = FileManager.default
        do { try fm.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            throw RNNError.runtime("cannot create the run folder: \(FileErrorDescription.describe(error))", file: path)
        }
        guard fm.isWritableFile(atPath: path) else { throw RNNError.runtime("the run folder is not writable", file: path) }
        let directory = RunDirectory(path: path)
        let entries = ((try? fm.contentsOfDirectory(atPath: path)) ?? []).sorted()
        if !resuming && !entries.isEmpty && !directory.holdsRun(entries) {
            let shown = entries.prefix(8).joined(separator: ", ") + (entries.count > 8 ? " and \(entries.count - 8) more" : "")
            throw RNNError.input("not a run folder: it holds files rnn-train did not write (\(shown)), and they are never "
                                 + "overwritten; choose a new or empty folder", file: path, field: "output.dir")
        }
        let lock = try RunLock.acquire(folder: path, log: log)
        if !resuming {
            if !restart && fm.fileExists(atPath: directory.file(lastCheckpoint)) {
                var error = RNNError.input("this run folder already holds a run", file: path)
                error.remedy = .resumeOrRestart(runDirectory: path)
                throw error
            }
            // No checkpoint to continue from (or a restart): what an earlier run left is dropped.
            for name in [lastCheckpoint, bestCheckpoint, logFile, stepsFile, reportFile] { try? fm.removeItem(atPath: directory.file(name)) }
        }
        // The checkpoint each killed write was to replace is intact: its temp file is only garbage.
        for entry in entries where [lastCheckpoint, bestCheckpoint].contains(where: { Checkpoint.isTemporaryFile(entry, for: $0) }) {
            try? fm.removeItem(atPath: directory.file(entry))
        }
        return (directory, lock)
    }

    /// Whether the folder holds a run of ours (given its entries).
    func holdsRun(_ entries: [String]) -> Bool {
        if entries.contains(RunDirectory.lockFile) { return true }
        return [RunDirectory.lastCheckpoint, RunDirectory.bestCheckpoint].contains { name in
            entries.contains(name) && RunDirectory.startsWithCheckpointMagic(file(name))
        }
    }

    static func startsWithCheckpointMagic(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: Checkpoint.magic.count)) ?? Data()
        return Array(head) == Checkpoint.magic
    }

    /// Writes a text file of the run (config.json) atomically.
    public func writeText(_ text: String, to name: String) throws {
        try RunDirectory.writeText(text, toPath: file(name))
    }

    static func writeText(_ text: String, toPath path: String) throws {
        do { try text.write(toFile: path, atomically: true, encoding: .utf8) } catch {
            throw RNNError.runtime("cannot write: \(FileErrorDescription.describe(error))", file: path)
        }
    }
}
