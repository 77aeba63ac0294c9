import Foundation

/// The safetensors format (github.com/huggingface/safetensors), Float32 tensors only.
///
/// Layout, as the safetensors project specifies it:
///
///     8 bytes    N, UInt64 little-endian: the header length
///     N bytes    UTF-8 JSON object, padded with spaces (0x20) to a multiple of 8:
///                {"__metadata__": {string: string},
///                 "<name>": {"dtype": "F32", "shape": [d0, d1, ...], "data_offsets": [begin, end]}, ...}
///                offsets in bytes, relative to the byte after the header
///     rest       the tensors' bytes, little-endian, C order; the ranges tile the rest of the
///                file exactly: no gap, no overlap, no trailing byte
///
/// The writer produces what the reference writer (`safetensors.numpy.save_file(tensors,
/// metadata=...)`) produces for the same tensors, byte for byte: tensors sorted by name (byte-wise,
/// all F32), compact JSON with `__metadata__` first, then each tensor's `dtype`, `shape`,
/// `data_offsets` in offset order (tested against the Python package in `SafeTensorsPythonTests`).
///
/// The reader applies the reference parser's checks (safetensors `tensor.rs`, `read_metadata` and
/// `Metadata::validate`): header length at most 100,000,000 and inside the file, the header valid
/// UTF-8 JSON starting with `{`, `__metadata__` a string-to-string map, the tensors sorted by
/// offsets then contiguous from 0, `end - begin = numel x dtype size` (overflow-checked), and the
/// last end exactly at the end of the file. It also refuses duplicate keys (the reference's JSON
/// parser keeps the last one silently) and any dtype but F32 (named, with how to convert).
/// Every problem is an `RNNError.input` naming the file and, where one is involved, the tensor
/// as `field`; no number from the file is used before it is checked.
public enum SafeTensors {
    public typealias NamedTensor = (name: String, shape: [Int], values: [Float])

    /// The reference parser's bound on the header length (`MAX_HEADER_SIZE`).
    public static let maximumHeaderLength = 100_000_000
    public static let metadataKey = "__metadata__"

    /// The dtypes safetensors defines, with their element size in bits; only F32 is read.
    static let dtypeBits: [String: Int] = [
        "BOOL": 8, "U8": 8, "I8": 8, "F8_E5M2": 8, "F8_E4M3": 8, "F8_E8M0": 8, "F4": 4, "F6_E2M3": 6, "F6_E3M2": 6,
        "I16": 16, "U16": 16, "F16": 16, "BF16": 16, "I32": 32, "U32": 32, "F32": 32, "F64": 64, "I64": 64,
        "U64": 64, "C64": 64,
    ]

    // MARK: Writing

    /// The complete file: tensors sorted by name, `metadata` as `__metadata__` (keys sorted).
    /// Throws `RNNError.runtime` for a tensor whose values do not fill its shape or a repeated name.
    public static func encode(_ tensors: [NamedTensor], metadata: [String: String]) throws -> [UInt8] {
        let sorted = tensors.sorted { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }
        var header = "{"
        if !metadata.isEmpty {
            header += JSONValue.quoted(metadataKey) + ":{"
            header += metadata.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
                .map { JSONValue.quoted($0) + ":" + JSONValue.quoted(metadata[$0]!) }.joined(separator: ",")
            header += "}"
        }
        var offset = 0
        for (i, t) in sorted.enumerated() {
            guard t.shape.allSatisfy({ $0 >= 0 }), t.shape.reduce(1, *) == t.values.count else {
                throw RNNError.runtime("tensor \(t.name) has \(t.values.count) values for shape \(t.shape)")
            }
            if i > 0, sorted[i - 1].name == t.name { throw RNNError.runtime("two tensors are named \(t.name)") }
            if !metadata.isEmpty || i > 0 { header += "," }
            let end = offset + 4 * t.values.count
            header += JSONValue.quoted(t.name) + ":{\"dtype\":\"F32\",\"shape\":["
                + t.shape.map(String.init).joined(separator: ",") + "],\"data_offsets\":[\(offset),\(end)]}"
            offset = end
        }
        header += "}"
        var headerBytes = Array(header.utf8)
        headerBytes += [UInt8](repeating: 0x20, count: (8 - headerBytes.count % 8) % 8)

        var bytes = [UInt8]()
        bytes.reserveCapacity(8 + headerBytes.count + offset)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes += headerBytes
        for t in sorted {
            t.values.withUnsafeBufferPointer { values in
                for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
            }
        }
        return bytes
    }
}
