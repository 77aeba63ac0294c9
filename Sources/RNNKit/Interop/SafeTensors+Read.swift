import Foundation

extension SafeTensors {
    /// Reads and checks a safetensors file: tensors in data order, and the `__metadata__` map.
    public static func read(from path: String) throws -> (tensors: [NamedTensor], metadata: [String: String]) {
        try decode(try WholeFile.read(path, what: "safetensors file"), path: path)
    }

    /// One header entry, checked on its own (offsets relative to the data start).
    private struct Entry {
        var name: String
        var shape: [Int]
        var begin: Int
        var end: Int
    }

    /// Checks everything before any tensor is copied; see the type's documentation.
    public static func decode(_ bytes: [UInt8], path: String) throws -> (tensors: [NamedTensor], metadata: [String: String]) {
        func bad(_ message: String, _ tensor: String? = nil) -> RNNError {
            RNNError.input(message, file: path, field: tensor)
        }
        guard bytes.count >= 8 else {
            throw bad("not a safetensors file: \(bytes.count) bytes, too short for the 8-byte header length")
        }
        let declared = bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }.littleEndian
        guard declared <= UInt64(maximumHeaderLength) else {
            throw bad("not a safetensors file: header length \(declared) is over the format's limit of \(maximumHeaderLength) bytes")
        }
        let headerLength = Int(declared)
        guard headerLength <= bytes.count - 8 else {
            throw bad("safetensors file is truncated: its header length \(headerLength) runs past the end of the file (\(bytes.count) bytes)")
        }
        let header = Array(bytes[8..<(8 + headerLength)])
        guard String(validating: header, as: UTF8.self) != nil else {
            throw bad("safetensors header is not valid UTF-8")
        }
        guard header.first == UInt8(ascii: "{") else {
            throw bad("safetensors header does not start with '{'")
        }
        let root: JSONValue
        do { root = try JSONParser.parse(bytes: header).root } catch let e as JSONParser.SyntaxError {
            // The reference keeps the last of two equal keys; a repeated tensor name is ambiguous, so refuse it.
            let duplicate = e.message.hasPrefix("duplicate key") ? quotedPart(e.message) : nil
            throw bad("safetensors header is not valid JSON: \(e.message) (header line \(e.line), column \(e.column))", duplicate)
        }
        guard case .object(let members) = root else { throw bad("safetensors header is not a JSON object") }

        var metadata: [String: String] = [:]
        var entries: [Entry] = []
        for member in members {
            if member.key == metadataKey {
                guard case .object(let pairs) = member.value else {
                    throw bad("\(metadataKey) must be an object of strings, got \(member.value.typeName)", metadataKey)
                }
                for pair in pairs {
                    guard case .string(let value) = pair.value else {
                        throw bad("\(metadataKey) values must be strings, \"\(pair.key)\" is \(pair.value.typeName)", metadataKey)
                    }
                    metadata[pair.key] = value
                }
            } else {
                entries.append(try entry(member, bad: bad))
            }
        }

        // As the reference: sort by offsets, then the ranges must tile the data from 0 without gaps.
        let dataLength = bytes.count - 8 - headerLength
        entries.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var expected = 0
        var previous: String?
        for e in entries {
            let after = previous.map { "the end of tensor \($0)" } ?? "the start of the data"
            if e.begin < expected {
                throw bad("data_offsets [\(e.begin), \(e.end)] overlap tensor \(previous ?? "?"), which ends at \(expected)", e.name)
            }
            if e.begin > expected {
                throw bad("data_offsets [\(e.begin), \(e.end)] leave a gap of \(e.begin - expected) bytes after \(after)", e.name)
            }
            guard e.end <= dataLength else {
                throw bad("data_offsets [\(e.begin), \(e.end)] lie outside the data (\(dataLength) bytes): the file is truncated or the offsets are wrong", e.name)
            }
            var count = 1
            for d in e.shape {
                let (p, overflow) = count.multipliedReportingOverflow(by: d)
                guard !overflow, p <= Int.max / 4 else { throw bad("shape \(e.shape) is too large", e.name) }
                count = p
            }
            guard e.end - e.begin == count * 4 else {
                throw bad("data_offsets [\(e.begin), \(e.end)] hold \(e.end - e.begin) bytes, but shape \(e.shape) of F32 needs \(count * 4)", e.name)
            }
            expected = e.end
            previous = e.name
        }
        guard expected == dataLength else {
            throw bad("\(dataLength - expected) bytes after the last tensor that no tensor claims (trailing data)")
        }

        let dataStart = 8 + headerLength
        let tensors: [NamedTensor] = bytes.withUnsafeBytes { raw in
            entries.map { e in
                let count = (e.end - e.begin) / 4
                let values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                    for i in 0..<count {
                        let bits = raw.loadUnaligned(fromByteOffset: dataStart + e.begin + 4 * i, as: UInt32.self)
                        buffer[i] = Float(bitPattern: UInt32(littleEndian: bits))
                    }
                    initialized = count
                }
                return (name: e.name, shape: e.shape, values: values)
            }
        }
        return (tensors, metadata)
    }

    /// `{"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}`; other keys are ignored, as
    /// the reference does.
    private static func entry(_ member: JSONValue.Member, bad: (String, String?) -> RNNError) throws -> Entry {
        let name = member.key
        guard case .object = member.value else {
            throw bad("expected an object with dtype, shape and data_offsets, got \(member.value.typeName)", name)
        }
        guard case .string(let dtype)? = member.value["dtype"] else {
            throw bad("missing or non-string \"dtype\"", name)
        }
        guard let bits = dtypeBits[dtype] else {
            throw bad("unknown dtype \"\(dtype)\" (safetensors defines \(dtypeBits.keys.sorted().joined(separator: ", ")))", name)
        }
        guard dtype == "F32" else {
            throw bad("dtype \(dtype) (\(bits)-bit) is not supported: rnn reads F32 tensors only; "
                      + "convert before saving, e.g. {k: v.float() for k, v in state_dict.items()}", name)
        }
        guard case .array(let dims)? = member.value["shape"] else { throw bad("missing or non-array \"shape\"", name) }
        var shape: [Int] = []
        for d in dims {
            guard let n = nonNegativeInteger(d) else {
                throw bad("shape [\(dims.map(\.compactText).joined(separator: ", "))] must hold non-negative integers", name)
            }
            shape.append(n)
        }
        guard case .array(let offsets)? = member.value["data_offsets"], offsets.count == 2,
              let begin = nonNegativeInteger(offsets[0]), let end = nonNegativeInteger(offsets[1]) else {
            throw bad("\"data_offsets\" must be two non-negative integers [begin, end]", name)
        }
        guard end >= begin else { throw bad("data_offsets [\(begin), \(end)] end before they begin", name) }
        return Entry(name: name, shape: shape, begin: begin, end: end)
    }

    /// An exact integer in 0...2^53 (JSON numbers are read as doubles; larger ones are not exact).
    private static func nonNegativeInteger(_ value: JSONValue) -> Int? {
        guard case .number(let d, let isInteger) = value, isInteger, d >= 0, d <= 9_007_199_254_740_992 else { return nil }
        return Int(d)
    }

    /// The text between the first and the last double quote of a message.
    private static func quotedPart(_ message: String) -> String? {
        guard let first = message.firstIndex(of: "\""), let last = message.lastIndex(of: "\""), first < last else { return nil }
        return String(message[message.index(after: first)..<last])
    }
}
