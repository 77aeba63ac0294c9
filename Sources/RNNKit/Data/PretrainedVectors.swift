import Foundation

/// Pre-trained token vectors in word2vec text format, kept only for the
/// vocabulary's tokens.
///
/// Format: a header `count dim`, then per line a token and `dim` values,
/// separated by the ASCII space only (U+3000 and U+007F are tokens in the
/// THUCNews file, so no other whitespace separates). A trailing space is
/// tolerated. Errors name the file and line. Tokens outside the vocabulary
/// are checked but not kept; duplicate tokens keep their first vector.
/// Rows without a vector are zero in `matrix` and false in `hasVector`: the
/// caller keeps its own initialisation there.
public struct PretrainedVectors {
    public struct Coverage: Equatable {
        /// Vocabulary tokens (pad and unk excluded) that have a vector.
        public var coveredTokens: Int
        /// Vocabulary tokens, pad and unk excluded.
        public var vocabularyTokens: Int
        /// Training token occurrences whose token has a vector (nil without training counts).
        public var coveredOccurrences: Int?
        /// All training token occurrences, including tokens outside the vocabulary.
        public var totalOccurrences: Int?
    }

    public let dim: Int
    /// `[vocabulary.count, dim]`, row-major.
    public var matrix: [Float]
    public var hasVector: [Bool]
    public let coverage: Coverage
    /// Vector lines in the file.
    public let fileVectors: Int

    public static func load(path: String, vocabulary: Vocabulary, dim: Int, log: (String) -> Void) throws -> PretrainedVectors {
        let reader = try LineReader(path: path)
        guard let header = try reader.nextLine() else { throw RNNError.input("empty vectors file; expected a header 'count dim'", file: path, line: 1) }
        let headerFields = String(decoding: header.bytes, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard headerFields.count == 2, let declaredCount = Int(headerFields[0]), let fileDim = Int(headerFields[1]),
              declaredCount >= 0, fileDim > 0 else {
            throw RNNError.input("bad header: expected 'count dim' (two positive integers), got \"\(String(decoding: header.bytes.prefix(60), as: UTF8.self))\"",
                                 file: path, line: header.number)
        }
        guard fileDim == dim else {
            throw RNNError.input("vectors have dimension \(fileDim) but embedding.dim is \(dim)", file: path, line: header.number, field: "embedding.dim")
        }
        var matrix = [Float](repeating: 0, count: vocabulary.count * dim)
        var hasVector = [Bool](repeating: false, count: vocabulary.count)
        var vectors = 0, duplicates = 0
        var seen = Set<String>()
        var values = [Float](repeating: 0, count: dim)
        var scratch = [CChar](repeating: 0, count: 64)
        while let line = try reader.nextLine() {
            if line.bytes.isEmpty { continue }
            let bytes = line.bytes
            guard let space = bytes.firstIndex(of: 0x20), space > 0 else {
                throw RNNError.input(bytes.first == 0x20 ? "empty token (the line starts with a space)" : "a token without values",
                                     file: path, line: line.number)
            }
            guard let token = String(validating: bytes[0..<space], as: UTF8.self) else {
                throw RNNError.input("invalid UTF-8 in the token", file: path, line: line.number)
            }
            // Values: fields between single spaces; trailing spaces allowed.
            var n = 0
            var i = space + 1
            var last = bytes.count
            while last > i, bytes[last - 1] == 0x20 { last -= 1 }
            while i < last {
                var j = i
                while j < last, bytes[j] != 0x20 { j += 1 }
                if j == i { throw RNNError.input("empty value (two spaces in a row) after value \(n)", file: path, line: line.number) }
                guard n < dim else {
                    throw RNNError.input("more than \(dim) values for token \"\(token)\"", file: path, line: line.number)
                }
                let length = j - i
                if length >= scratch.count { scratch = [CChar](repeating: 0, count: length + 1) }
                let value: Float? = scratch.withUnsafeMutableBufferPointer { buffer -> Float? in
                    for k in 0..<length { buffer[k] = CChar(bitPattern: bytes[i + k]) }
                    buffer[length] = 0
                    var end: UnsafeMutablePointer<CChar>?
                    let v = strtof(buffer.baseAddress!, &end)
                    guard let end, end - buffer.baseAddress! == length, v.isFinite else { return nil }
                    return v
                }
                guard let value else {
                    let shown = String(decoding: bytes[i..<j].prefix(30), as: UTF8.self)
                    throw RNNError.input("value \(n + 1) of token \"\(token)\" is not a finite number: \"\(shown)\"", file: path, line: line.number)
                }
                values[n] = value
                n += 1
                i = j + 1
            }
            guard n == dim else {
                throw RNNError.input("\(n) values for token \"\(token)\", expected \(dim)", file: path, line: line.number)
            }
            vectors += 1
            if !seen.insert(token).inserted { duplicates += 1; continue }
            let id = vocabulary.id(of: token)
            if id == vocabulary.unkId && token != Vocabulary.unkToken { continue }
            let row = Int(id)
            hasVector[row] = true
            for k in 0..<dim { matrix[row * dim + k] = values[k] }
        }
        let name = (path as NSString).lastPathComponent
        if vectors != declaredCount {
            log("\(name): warning: the header announces \(declaredCount) vectors, the file has \(vectors)")
        }
        if duplicates > 0 { log("\(name): warning: \(duplicates) duplicate tokens ignored (first vector kept)") }

        let vocabularyTokens = max(0, vocabulary.count - 2)
        let covered = (2..<max(2, vocabulary.count)).filter { hasVector[$0] }.count
        var coverage = Coverage(coveredTokens: covered, vocabularyTokens: vocabularyTokens)
        var message = "\(name): \(vectors) vectors of dimension \(dim); vocabulary coverage \(covered)/\(vocabularyTokens) tokens (\(percent(covered, vocabularyTokens)))"
        if let counts = vocabulary.counts, let total = vocabulary.totalOccurrences {
            let coveredOccurrences = (0..<vocabulary.count).reduce(0) { $0 + (hasVector[$1] ? counts[$1] : 0) }
            coverage.coveredOccurrences = coveredOccurrences
            coverage.totalOccurrences = total
            message += ", token occurrences \(coveredOccurrences)/\(total) (\(percent(coveredOccurrences, total)))"
        }
        log(message)
        return PretrainedVectors(dim: dim, matrix: matrix, hasVector: hasVector, coverage: coverage, fileVectors: vectors)
    }

    static func percent(_ part: Int, _ whole: Int) -> String {
        guard whole > 0 else { return "n/a" }
        return String(format: "%.1f%%", 100 * Double(part) / Double(whole))
    }
}

extension TextClassifier {
    /// `embedding.pretrained` loaded into a new run's embedding (a resumed run's is in its checkpoint).
    func loadPretrainedVectors(_ config: RunConfig, vocabulary: Vocabulary, log: (String) -> Void) throws {
        guard let path = config.embedding.pretrained else { return }
        let vectors = try PretrainedVectors.load(path: path, vocabulary: vocabulary, dim: config.embedding.dim, log: log)
        guard let embedding else {
            // The config refuses this combination; the last guard.
            throw RNNError.input("the fasttext kind has no embedding to load vectors into (set it to null)", file: config.sourcePath,
                                 field: "embedding.pretrained")
        }
        try embedding.load(matrix: vectors.matrix, hasVector: vectors.hasVector)
    }
}
