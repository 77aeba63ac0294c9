import Foundation

/// What a checkpoint records about the run that wrote it (metadata key `run_identity`): a
/// fingerprint of its config and the size and hash of each data file it trains on.
///
/// On resume, the data files are hashed again and compared: a training, dev or classes file
/// that changed since the run started is refused (or, when the user accepts it, warned about),
/// so an epoch never continues on examples its batch plan does not describe. The config is
/// compared field by field (`RunConfig.differences`), not by fingerprint, so a field added to
/// the config later does not make old checkpoints unresumable; the fingerprint is there for
/// people and tools that group checkpoints by setup. Everything here is a function of the
/// files and the config: two runs of one config write identical checkpoints.
struct RunIdentity: Codable, Equatable {
    struct FileIdentity: Codable, Equatable {
        var path: String
        var bytes: Int
        /// FNV-1a 64 of the whole file, 16 hex digits.
        var fnv1a64: String
    }

    static let metadataKey = "run_identity"

    /// FNV-1a 64 of the compact JSON of the sections a resumed run may not change.
    var config: String
    /// By config field: `data.train`, `data.dev`, `data.classes` (the ones the run has).
    var files: [String: FileIdentity]

    /// The identity of a run of `config`, hashing its data files now.
    init(config: RunConfig) throws {
        let sections = config.jsonValue()
        var defining = RunIdentity.basis
        if case .object(let members) = sections {
            for member in members where RunConfig.modelDefiningSections.contains(member.key) {
                defining = RunIdentity.fnv1a64(Array(member.key.utf8) + Array(member.value.compactText.utf8), continuing: defining)
            }
        }
        self.config = RunIdentity.hex(defining)
        var files: [String: FileIdentity] = [:]
        for (field, path) in [("data.train", config.data.train), ("data.dev", config.data.dev), ("data.classes", config.data.classes)] {
            if let path { files[field] = try RunIdentity.identify(path) }
        }
        self.files = files
    }

    /// The identity stored in a checkpoint, if it has one (checkpoints of older versions do not).
    init?(checkpoint: Checkpoint) {
        guard let text = checkpoint.metadata.values[RunIdentity.metadataKey],
              let identity = try? JSONDecoder().decode(RunIdentity.self, from: Data(text.utf8)) else { return nil }
        self = identity
    }

    /// For the checkpoint's metadata: sorted keys, so equal identities give equal bytes.
    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    /// The data files that differ from `earlier`, each said in a sentence, in field order.
    func changedFiles(since earlier: RunIdentity) -> [String] {
        ["data.train", "data.dev", "data.classes"].compactMap { field in
            let what: String
            switch (earlier.files[field], files[field]) {
            case (nil, nil): return nil
            case (let before?, let now?):
                if before == now { return nil }
                if before.path != now.path { what = "now \(now.path), then \(before.path)" }
                else if before.bytes != now.bytes { what = "\(before.bytes) bytes then, \(now.bytes) now" }
                else { what = "same size, other content" }
            case (nil, _?): what = "not used then"
            case (_?, nil): what = "no longer given"
            }
            return "\(field) changed since the run started (\(what))"
        }
    }

    /// Size and FNV-1a 64 of a file, read in 1 MiB chunks. A path that is not a regular file (a
    /// device such as /dev/zero, a pipe) is not read: it has no size to compare, and reading it
    /// might never end; its identity is the path alone (bytes -1).
    static func identify(_ path: String) throws -> FileIdentity {
        var info = stat()
        if stat(path, &info) == 0 && (info.st_mode & S_IFMT) != S_IFREG {
            return FileIdentity(path: path, bytes: -1, fnv1a64: "not a regular file")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw RNNError.input("cannot read the file to check it: \(String(cString: strerror(errno)))", file: path)
        }
        defer { try? handle.close() }
        var hash = RunIdentity.basis
        var bytes = 0
        do {
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                hash = RunIdentity.fnv1a64(Array(chunk), continuing: hash)
                bytes += chunk.count
            }
        } catch {
            throw RNNError.input("cannot read the file to check it: \(FileErrorDescription.describe(error))", file: path)
        }
        return FileIdentity(path: path, bytes: bytes, fnv1a64: hex(hash))
    }

    /// FNV-1a 64 (the checkpoint checksum's hash), continued over more bytes.
    static let basis: UInt64 = 0xcbf2_9ce4_8422_2325

    static func fnv1a64(_ bytes: [UInt8], continuing hash: UInt64) -> UInt64 {
        var hash = hash
        bytes.withUnsafeBufferPointer { buffer in
            for byte in buffer {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01b3
            }
        }
        return hash
    }

    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
