import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A trained model as a folder PyTorch and Hugging Face tools read directly (`rnn-export`):
///
///     model.safetensors   the model's tensors under our PyTorch names (`SafeTensors`), metadata {"format": "pt"}
///     config.json         hyper-parameters, id2label/label2id, tokenizer, our run config (`configJSON`)
///     vocab.txt           one token per line, id = line number - 1 (`VocabularyFile`: escapes)
///
/// Only the model travels: no optimizer state, no training progress. Reading a folder gives the
/// checkpoint's model part back (`modelPart(of:)`: same metadata, vocabulary, labels and tensors,
/// bitwise), so everything that loads a checkpoint loads a folder the same way.
public enum ExportFolder {
    public static let weightsFile = "model.safetensors"
    public static let configFile = "config.json"
    public static let vocabularyFile = "vocab.txt"

    /// Metadata keys that describe the model (the others are resume state).
    static let modelMetadataKeys = [TrainedModel.Key.format, TrainedModel.Key.config, TrainedModel.Key.role,
                                    TrainedModel.Key.thresholds]

    /// True when `path` names a folder (then `read(from:)` applies, not `Checkpoint.read`).
    public static func isFolder(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// The model part of a checkpoint: model metadata, vocabulary, labels, and the tensors that are
    /// not optimizer state, in their order.
    public static func modelPart(of checkpoint: Checkpoint) -> Checkpoint {
        let values = checkpoint.metadata.values.filter { modelMetadataKeys.contains($0.key) }
        let tensors = checkpoint.tensors.filter { t in !Checkpoint.optimizerStatePrefixes.contains { t.name.hasPrefix($0) } }
        return Checkpoint(metadata: CheckpointMetadata(values: values, vocabulary: checkpoint.metadata.vocabulary,
                                                       labels: checkpoint.metadata.labels), tensors: tensors)
    }

    // MARK: Reading

    /// Reads and checks an export folder; every problem is an `RNNError.input` naming the file
    /// inside the folder (and the line, JSON field or tensor).
    public static func read(from folder: String) throws -> Checkpoint {
        func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }
        let files = [weightsFile, configFile, vocabularyFile]
        let missing = files.filter { !FileManager.default.fileExists(atPath: path($0)) }
        if let run = ["best.ckpt", "last.ckpt"].first(where: { FileManager.default.fileExists(atPath: path($0)) }), !missing.isEmpty {
            throw RNNError.input("this is a run folder, not an export folder: pass a checkpoint such as \(path(run))", file: folder)
        }
        if missing.count == files.count {
            throw RNNError.input("not an rnn checkpoint (not a regular file), nor an export folder (no \(weightsFile), "
                                 + "\(configFile) or \(vocabularyFile))", file: folder)
        }
        if let name = missing.first {
            throw RNNError.input("not an rnn export folder: \(name) is missing (rnn-export writes \(weightsFile), "
                                 + "\(configFile) and \(vocabularyFile))", file: folder)
        }
        let contents = try parseConfig(try WholeFile.read(path(configFile), what: "config file"), path: path(configFile))
        let vocabulary = try VocabularyFile.tokens(from: try WholeFile.read(path(vocabularyFile), what: "vocabulary file"),
                                                   path: path(vocabularyFile))
        if let size = contents.vocabularySize, size != vocabulary.count {
            throw RNNError.input("vocab_size is \(size), but \(vocabularyFile) has \(vocabulary.count) tokens",
                                 file: path(configFile), field: "vocab_size")
        }
        var (tensors, _) = try SafeTensors.read(from: path(weightsFile))
        if let order = contents.parameterNames {
            // Back to the model's parameter order (the file sorts by name), when the names match.
            let position = Dictionary(order.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { a, _ in a })
            if position.count == tensors.count, tensors.allSatisfy({ position[$0.name] != nil }) {
                tensors.sort { position[$0.name]! < position[$1.name]! }
            }
        }
        var values = [TrainedModel.Key.format: TrainedModel.formatName, TrainedModel.Key.config: contents.configText]
        values[TrainedModel.Key.role] = contents.role
        values[TrainedModel.Key.thresholds] = contents.thresholds
        return Checkpoint(metadata: CheckpointMetadata(values: values, vocabulary: vocabulary, labels: contents.labels),
                          tensors: tensors)
    }

    // MARK: Writing

    /// Writes the checkpoint's model part as an export folder at `folder`, atomically: the files go
    /// to a temporary folder beside it, which is then renamed to `folder`. An existing non-empty
    /// `folder` is an `RNNError.input` unless `overwrite` (then it is replaced by the new one).
    public static func write(_ checkpoint: Checkpoint, to folder: String, overwrite: Bool) throws {
        let part = modelPart(of: checkpoint)
        let meta = part.metadata
        guard meta.values[TrainedModel.Key.format] == TrainedModel.formatName, let configText = meta.values[TrainedModel.Key.config] else {
            throw RNNError.input("this checkpoint was not written by rnn-train (no model description in its header)")
        }
        let config = try RunConfig.parse(json: configText, path: "checkpoint config", checkFiles: false)
        let configValue = configJSON(configText: configText, config: config, labels: meta.labels,
                                     vocabularySize: meta.vocabulary.count, parameterNames: part.tensors.map(\.name),
                                     role: meta.values[TrainedModel.Key.role], thresholds: meta.values[TrainedModel.Key.thresholds])
        let files: [(String, [UInt8])] = [
            (weightsFile, try SafeTensors.encode(part.tensors, metadata: ["format": "pt"])),
            (configFile, Array(configValue.prettyText.utf8)),
            (vocabularyFile, Array(VocabularyFile.text(meta.vocabulary).utf8)),
        ]
        try writeAtomically(files, to: folder, overwrite: overwrite)
    }

    /// Creates `.NAME.tmp-PID` beside `folder`, writes and syncs the files there, then renames it to
    /// `folder`. A folder being replaced is first renamed aside (`.NAME.old-PID`) and removed after,
    /// so `folder` never holds a mix of old and new files; a failure leaves the old one in place.
    static func writeAtomically(_ files: [(String, [UInt8])], to folder: String, overwrite: Bool) throws {
        let url = URL(fileURLWithPath: folder).standardizedFileURL
        let parent = url.deletingLastPathComponent().path
        let target = url.path
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        let exists = fm.fileExists(atPath: target, isDirectory: &isDirectory)
        if exists && !isDirectory.boolValue { throw RNNError.input("exists and is not a folder", file: folder) }
        let occupied = exists && !((try? fm.contentsOfDirectory(atPath: target))?.isEmpty ?? false)
        if occupied && !overwrite {
            throw RNNError.input("the output folder is not empty; choose another or pass --overwrite to replace it", file: folder)
        }
        guard fm.fileExists(atPath: parent, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw RNNError.input("the folder to write into does not exist: \(parent)", file: folder)
        }
        let temp = (parent as NSString).appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        let aside = (parent as NSString).appendingPathComponent(".\(url.lastPathComponent).old-\(getpid())")
        try? fm.removeItem(atPath: temp)
        guard mkdir(temp, 0o755) == 0 else {
            throw RNNError.runtime("cannot create a folder in \(parent): \(String(cString: strerror(errno)))", file: folder)
        }
        var done = false
        defer { if !done { try? fm.removeItem(atPath: temp) } }
        for (name, bytes) in files { try WholeFile.writeNew(bytes, to: (temp as NSString).appendingPathComponent(name)) }
        WholeFile.syncFolder(temp)
        if occupied {
            try? fm.removeItem(atPath: aside)
            guard rename(target, aside) == 0 else {
                throw RNNError.runtime("cannot move the old folder aside: \(String(cString: strerror(errno)))", file: folder)
            }
        }
        // rename(2) replaces a missing or empty folder in one step.
        guard rename(temp, target) == 0 else {
            let reason = String(cString: strerror(errno))
            if occupied { _ = rename(aside, target) }
            throw RNNError.runtime("cannot rename \(temp): \(reason)", file: folder)
        }
        done = true
        WholeFile.syncFolder(parent)
        if occupied { try? fm.removeItem(atPath: aside) }
    }
}
