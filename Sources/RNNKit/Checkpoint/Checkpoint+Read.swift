import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Checkpoint {
    /// Reads and validates a checkpoint. Every problem (not a checkpoint, newer
    /// format, truncated, corrupted, bad header) is an `RNNError.input` naming the
    /// file; no size read from the file is trusted before it is checked against
    /// the file's length.
    public static func read(from path: String) throws -> Checkpoint {
        let bytes = try readFile(path)
        return try decode(bytes, path: path)
    }

    static func readFile(_ path: String) throws -> [UInt8] {
        try WholeFile.read(path, what: "checkpoint")
    }

    static func decode(_ bytes: [UInt8], path: String) throws -> Checkpoint {
        func bad(_ message: String) -> RNNError { RNNError.input(message, file: path) }
        let length = bytes.count
        if length < magic.count, Array(magic[0..<length]) == bytes {
            throw bad("checkpoint is truncated: \(length) bytes")
        }
        guard length >= magic.count, Array(bytes[0..<magic.count]) == magic else {
            throw bad("not an rnn checkpoint (wrong magic bytes)")
        }
        guard length >= prefixLength + checksumLength else {
            throw bad("checkpoint is truncated: \(length) bytes, too short for its header")
        }
        let version = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 8, as: UInt32.self) }.littleEndian
        guard version == formatVersion else {
            if version > formatVersion {
                throw bad("checkpoint format version \(version) is newer than this tool (\(formatVersion))")
            }
            throw bad("checkpoint format version \(version) is not supported (this tool reads \(formatVersion))")
        }
        let headerLength64 = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 12, as: UInt64.self) }.littleEndian
        let room = length - prefixLength - checksumLength
        guard headerLength64 <= UInt64(room) else {
            throw bad("checkpoint is truncated or corrupt: header of \(headerLength64) bytes does not fit in \(length) bytes")
        }
        let headerLength = Int(headerLength64)
        let dataStart = roundUp(prefixLength + headerLength, alignment)
        guard dataStart <= length - checksumLength else {
            throw bad("checkpoint is truncated: data would start at byte \(dataStart) of \(length)")
        }
        let dataEnd = length - checksumLength
        let stored = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: dataEnd, as: UInt64.self) }.littleEndian
        guard fnv1a64(bytes[0..<dataEnd]) == stored else {
            throw bad("checkpoint is corrupt or truncated: checksum mismatch")
        }

        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: Data(bytes[prefixLength..<(prefixLength + headerLength)]))
        } catch {
            throw bad("checkpoint header is not valid JSON: \(describe(error))")
        }

        // Every range is checked before any tensor is copied.
        let dataFloats = (dataEnd - dataStart) / 4
        guard (dataEnd - dataStart) % 4 == 0 else { throw bad("checkpoint data is not a whole number of floats") }
        var expectedOffset = 0
        var seen = Set<String>()
        for t in header.tensors {
            guard seen.insert(t.name).inserted else { throw bad("checkpoint has two tensors named \(t.name)") }
            var product = 1
            for d in t.shape {
                guard d >= 0 else { throw bad("tensor \(t.name) has a negative dimension in shape \(t.shape)") }
                let (p, overflow) = product.multipliedReportingOverflow(by: d)
                guard !overflow else { throw bad("tensor \(t.name) shape \(t.shape) is too large") }
                product = p
            }
            guard product == t.count else {
                throw bad("tensor \(t.name) has count \(t.count) but shape \(t.shape)")
            }
            guard t.offset == expectedOffset, t.count <= dataFloats - t.offset else {
                throw bad("tensor \(t.name) (offset \(t.offset), \(t.count) floats) lies outside the data (\(dataFloats) floats)")
            }
            expectedOffset += t.count
        }
        guard expectedOffset == dataFloats else {
            throw bad("checkpoint has \(dataFloats - expectedOffset) floats of data that no tensor claims")
        }

        var tensors: [(name: String, shape: [Int], values: [Float])] = []
        tensors.reserveCapacity(header.tensors.count)
        bytes.withUnsafeBytes { raw in
            for t in header.tensors {
                let base = dataStart + t.offset * 4
                let values = [Float](unsafeUninitializedCapacity: t.count) { buffer, initialized in
                    // The data are little-endian Float32: a copy on little-endian hosts (all we
                    // build for), a byte swap per value elsewhere.
                    UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[base..<(base + t.count * 4)]))
                    if 1.littleEndian != 1 {
                        for i in 0..<t.count { buffer[i] = Float(bitPattern: UInt32(littleEndian: buffer[i].bitPattern)) }
                    }
                    initialized = t.count
                }
                tensors.append((name: t.name, shape: t.shape, values: values))
            }
        }
        return Checkpoint(metadata: header.metadata, tensors: tensors)
    }

    private static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "missing key \(key.stringValue)"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return "wrong type at \(path.isEmpty ? "top level" : path)"
        case DecodingError.dataCorrupted(let context): return context.debugDescription
        default: return "\(error)"
        }
    }
}
