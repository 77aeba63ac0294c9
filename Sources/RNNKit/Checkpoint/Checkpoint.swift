import Foundation

/// A self-contained training checkpoint: metadata and named Float32 tensors.
///
/// File layout (all integers little-endian):
///
///     offset 0   magic, 8 bytes: "RNNCKPT\0"
///     offset 8   format version, UInt32 (= 1)
///     offset 12  header length H in bytes, UInt64
///     offset 20  JSON header, H bytes of UTF-8:
///                {"metadata": CheckpointMetadata, "tensors": [{"name", "shape", "offset", "count"}]}
///                (offset and count in floats, relative to the start of the data)
///     zero padding up to the next multiple of 64 bytes: the data start D
///     D          tensor data, little-endian Float32, sum of counts * 4 bytes
///     end - 8    FNV-1a 64 checksum, UInt64, of every byte before it
///
/// The reader checks magic, version, the header length and the total size against
/// the file length, then the checksum, the JSON, and every tensor's range and
/// shape, before it copies any tensor data.
public struct Checkpoint {
    public var metadata: CheckpointMetadata
    /// Tensors in file order.
    public var tensors: [(name: String, shape: [Int], values: [Float])]

    public static let magic: [UInt8] = Array("RNNCKPT".utf8) + [0]
    public static let formatVersion: UInt32 = 1
    static let prefixLength = 20
    static let alignment = 64
    static let checksumLength = 8

    public init(metadata: CheckpointMetadata, tensors: [(name: String, shape: [Int], values: [Float])] = []) {
        self.metadata = metadata
        self.tensors = tensors
    }

    public func tensor(named name: String) -> (shape: [Int], values: [Float])? {
        guard let t = tensors.first(where: { $0.name == name }) else { return nil }
        return (t.shape, t.values)
    }

    /// Tensors whose names start with one of these are optimizer state (and the weight
    /// average, `WeightAverage`), not model parameters: `load(into:)` does not count them as extra.
    public static let optimizerStatePrefixes = ["adam.", "sgd.", SparseTableOptimizer.statePrefix, WeightAverage.statePrefix,
                                                PretrainedAnchor.statePrefix]

    // MARK: Header

    struct TensorEntry: Codable {
        var name: String
        var shape: [Int]
        var offset: Int
        var count: Int
    }

    struct Header: Codable {
        var metadata: CheckpointMetadata
        var tensors: [TensorEntry]
    }

    // MARK: Encoding

    /// The complete file contents.
    func encoded() throws -> [UInt8] {
        var entries: [TensorEntry] = []
        var offset = 0
        for t in tensors {
            let count = t.shape.reduce(1, *)
            guard count == t.values.count, t.shape.allSatisfy({ $0 >= 0 }) else {
                throw RNNError.runtime("checkpoint tensor \(t.name) has \(t.values.count) values for shape \(t.shape)")
            }
            entries.append(TensorEntry(name: t.name, shape: t.shape, offset: offset, count: count))
            offset += count
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let header = try encoder.encode(Header(metadata: metadata, tensors: entries))

        let dataStart = Self.roundUp(Self.prefixLength + header.count, Self.alignment)
        let total = dataStart + offset * 4 + Self.checksumLength
        var bytes = [UInt8]()
        bytes.reserveCapacity(total)
        bytes += Self.magic
        Self.appendLittleEndian(Self.formatVersion, to: &bytes)
        Self.appendLittleEndian(UInt64(header.count), to: &bytes)
        bytes += header
        bytes += [UInt8](repeating: 0, count: dataStart - bytes.count)
        for t in tensors {
            // Little-endian hosts (all we build for) copy the floats as they are: one value at a
            // time took 10 s for the 62M floats of an n-gram bag's table and moments.
            if 1.littleEndian == 1 {
                t.values.withUnsafeBytes { bytes.append(contentsOf: $0) }
            } else {
                for v in t.values { Self.appendLittleEndian(v.bitPattern, to: &bytes) }
            }
        }
        Self.appendLittleEndian(Self.fnv1a64(bytes[...]), to: &bytes)
        return bytes
    }

    static func roundUp(_ n: Int, _ multiple: Int) -> Int { (n + multiple - 1) / multiple * multiple }

    static func appendLittleEndian<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        var v = value.littleEndian
        withUnsafeBytes(of: &v) { bytes.append(contentsOf: $0) }
    }

    /// FNV-1a, 64-bit: offset basis 0xcbf29ce484222325, prime 0x100000001b3.
    static func fnv1a64(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        bytes.withUnsafeBufferPointer { buffer in
            for byte in buffer {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01b3
            }
        }
        return hash
    }
}

extension Checkpoint {
    /// The parameters' current values, in order, ready for `Checkpoint(tensors:)`.
    public static func tensors(from parameters: [Parameter]) -> [(name: String, shape: [Int], values: [Float])] {
        parameters.map { (name: $0.name, shape: $0.shape, values: $0.value.array) }
    }

    /// The row-sparse tables' current values (the n-gram bag's), after the parameters'.
    public static func tensors(from tables: [EmbeddingBag]) -> [(name: String, shape: [Int], values: [Float])] {
        tables.map { (name: $0.name, shape: $0.weight.shape, values: $0.weight.array) }
    }

    /// Copies parameter (and row-sparse table) values in. Throws `RNNError.input` naming missing,
    /// extra or mis-shaped tensors (all of them) before changing any parameter.
    /// Optimizer state tensors (`optimizerStatePrefixes`) are not extra.
    public func load(into parameters: [Parameter], tables: [EmbeddingBag] = []) throws {
        let targets = parameters.map { (name: $0.name, value: $0.value) } + tables.map { (name: $0.name, value: $0.weight) }
        var byName: [String: Int] = [:]
        for (i, t) in tensors.enumerated() where byName[t.name] == nil { byName[t.name] = i }
        var problems: [String] = []
        var missing: [String] = [], misShaped: [String] = []
        for p in targets {
            guard let i = byName[p.name] else { missing.append(p.name); continue }
            if tensors[i].shape != p.value.shape || tensors[i].values.count != p.value.count {
                misShaped.append("\(p.name) is \(tensors[i].shape) in the checkpoint, the model needs \(p.value.shape)")
            }
        }
        let parameterNames = Set(targets.map(\.name))
        let extra = tensors.map(\.name).filter { name in
            !parameterNames.contains(name) && !Self.optimizerStatePrefixes.contains { name.hasPrefix($0) }
        }
        if !missing.isEmpty { problems.append("missing tensors: \(missing.joined(separator: ", "))") }
        if !extra.isEmpty { problems.append("unexpected tensors: \(extra.joined(separator: ", "))") }
        problems += misShaped
        guard problems.isEmpty else {
            throw RNNError.input("checkpoint does not fit the model: " + problems.joined(separator: "; "))
        }
        for p in targets {
            let values = tensors[byName[p.name]!].values
            guard p.value.count > 0 else { continue }
            values.withUnsafeBufferPointer { p.value.data.update(from: $0.baseAddress!, count: p.value.count) }
        }
    }
}

extension Checkpoint {
    /// Optimizer state (`Optimizer.stateTensors`) as flat tensors of shape `[count]`.
    public static func tensors(fromOptimizerState state: [(name: String, values: [Float])])
        -> [(name: String, shape: [Int], values: [Float])] {
        state.map { (name: $0.name, shape: [$0.values.count], values: $0.values) }
    }

    /// The optimizer state tensors (names with an `optimizerStatePrefixes` prefix), for `Optimizer.loadState`.
    public var optimizerState: [String: [Float]] {
        var out: [String: [Float]] = [:]
        for t in tensors where Self.optimizerStatePrefixes.contains(where: { t.name.hasPrefix($0) }) {
            out[t.name] = t.values
        }
        return out
    }
}
