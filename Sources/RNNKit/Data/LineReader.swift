import Foundation

/// Reads lines from a file descriptor with read(2) into a growing buffer.
///
/// A line is handed out as soon as its newline has arrived: the reader never
/// waits for its buffer to fill, so it works on an interactive stdin. Line
/// endings LF and CRLF are removed, a UTF-8 byte order mark at the start of
/// the stream is dropped, and a last line without a newline is still a line.
///
/// A line may hold at most `maxLineBytes` bytes (without its line ending), so
/// a file without newlines (`/dev/zero`, a binary file) costs a bounded buffer,
/// never all memory. A longer line is either an error naming the line
/// (`.error`, for labelled data, where the label sits at the end of the line
/// and a cut would lose it) or cut at the cap on a UTF-8 character boundary,
/// the rest of it read and dropped (`.truncate`, for rnn-predict, which must
/// answer every line); `onTruncation` hears of each cut line as soon as the
/// cap is reached, before the line has ended.
public final class LineReader {
    public struct Line: Equatable {
        /// 1-based line number.
        public let number: Int
        /// Byte offset of the line's first byte in the stream (after a BOM).
        public let offset: Int
        /// The line's bytes without the line ending.
        public let bytes: [UInt8]
        /// True when the line was longer than the cap and `bytes` holds its start only.
        public var isTruncated = false
    }

    /// What to do with a line longer than `maxLineBytes`.
    public enum LongLines: Equatable {
        /// Throw an input error naming the line and `limitName`.
        case error(limitName: String)
        /// Keep the first `maxLineBytes` bytes (whole characters only), drop the rest.
        case truncate
    }

    /// The default cap: far above any real text line (a 1.3 MB line is tested to work),
    /// small enough that a newline-free stream ends quickly with bounded memory.
    public static let defaultMaxLineBytes = 8 << 20

    /// The name used in error messages.
    public let name: String
    public let maxLineBytes: Int
    public let longLines: LongLines
    /// Called with the line number when a line reaches the cap under `.truncate`.
    public var onTruncation: ((Int) -> Void)?
    private let fd: Int32
    private let ownsDescriptor: Bool
    private var buffer: [UInt8]
    private var start = 0
    private var end = 0
    private var scanned = 0
    private var atEOF = false
    private var lineNumber = 0
    private var streamOffset = 0

    /// Opens `path` for reading; the descriptor is closed when the reader goes away.
    public convenience init(path: String, maxLineBytes: Int = LineReader.defaultMaxLineBytes,
                            longLines: LongLines = .error(limitName: "")) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw RNNError.input("cannot open: \(reason)", file: path)
        }
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw RNNError.input("is a folder, not a file", file: path)
        }
        self.init(fileDescriptor: fd, name: path, closeWhenDone: true, maxLineBytes: maxLineBytes, longLines: longLines)
    }

    /// Reads from an open descriptor (e.g. 0 for stdin, or a pipe).
    public init(fileDescriptor: Int32, name: String, closeWhenDone: Bool = false, bufferSize: Int = 1 << 16,
                maxLineBytes: Int = LineReader.defaultMaxLineBytes, longLines: LongLines = .error(limitName: "")) {
        self.fd = fileDescriptor
        self.name = name
        self.ownsDescriptor = closeWhenDone
        self.maxLineBytes = max(1, maxLineBytes)
        self.longLines = longLines
        self.buffer = [UInt8](repeating: 0, count: max(min(bufferSize, self.maxLineBytes + 2), 16))
    }

    deinit { if ownsDescriptor { close(fd) } }

    /// Whether a whole line (or the end of the stream) is already buffered, so
    /// `nextLine` will return without reading: a streaming consumer answers what
    /// it has when this is false instead of blocking for more input.
    public var hasCompleteLine: Bool {
        if atEOF { return true }
        var i = scanned
        while i < end { if buffer[i] == 0x0A { return true }; i += 1 }
        return false
    }

    /// The next line, or nil at the end of the stream.
    public func nextLine() throws -> Line? {
        while true {
            if let newline = findNewline() {
                var lineEnd = newline
                if lineEnd > start, buffer[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                if lineEnd - start > maxLineBytes { return try cutLongLine() }
                let line = makeLine(from: start, to: lineEnd)
                streamOffset += newline + 1 - start
                start = newline + 1
                scanned = start
                return line
            }
            if atEOF {
                guard end > start else { return nil }
                var lineEnd = end
                if buffer[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                if lineEnd - start > maxLineBytes { return try cutLongLine() }
                let line = makeLine(from: start, to: lineEnd)
                streamOffset += end - start
                start = end
                scanned = end
                return line
            }
            // No newline yet: past the cap (a CR may still end it), the line is too long.
            if end - start > maxLineBytes + 1 { return try cutLongLine() }
            try fill()
        }
    }

    /// The line at `start` is longer than the cap: throw, or keep its first whole
    /// characters up to the cap and read on to its end, keeping nothing.
    private func cutLongLine() throws -> Line {
        if case .error(let limitName) = longLines {
            let limit = limitName.isEmpty ? "" : " (\(limitName))"
            throw RNNError.input("line longer than the limit of \(maxLineBytes) bytes\(limit); is this a text file with line breaks?",
                                 file: name, line: lineNumber + 1)
        }
        var cut = start + maxLineBytes
        // Never split a UTF-8 sequence: back up to the first byte of the character at the cut.
        // (At most 3 continuation bytes follow a first byte; more means invalid UTF-8: cut anywhere.)
        while cut > start + maxLineBytes - 3, cut > start, buffer[cut] & 0xC0 == 0x80 { cut -= 1 }
        var line = makeLine(from: start, to: cut)
        line.isTruncated = true
        onTruncation?(line.number)
        // Drop bytes up to the newline; the buffer does not grow meanwhile.
        while true {
            if let newline = findNewline() {
                streamOffset += newline + 1 - start
                start = newline + 1
                scanned = start
                return line
            }
            streamOffset += end - start
            start = end
            scanned = end
            if atEOF { return line }
            try fill()
        }
    }

    private func makeLine(from lineStart: Int, to lineEnd: Int) -> Line {
        lineNumber += 1
        var from = lineStart
        var offset = streamOffset
        if lineNumber == 1, lineEnd - from >= 3, buffer[from] == 0xEF, buffer[from + 1] == 0xBB, buffer[from + 2] == 0xBF {
            from += 3
            offset += 3
        }
        return Line(number: lineNumber, offset: offset, bytes: Array(buffer[from..<lineEnd]))
    }

    private func findNewline() -> Int? {
        var i = scanned
        while i < end {
            if buffer[i] == 0x0A { return i }
            i += 1
        }
        scanned = end
        return nil
    }

    /// One read(2): returns after any amount of data, so partial input is seen at once.
    private func fill() throws {
        if start > 0 {
            let count = end - start
            if count > 0 {
                buffer.withUnsafeMutableBufferPointer { p in
                    _ = memmove(p.baseAddress!, p.baseAddress! + start, count)
                }
            }
            scanned -= start
            end = count
            start = 0
        }
        if end == buffer.count { buffer.append(contentsOf: repeatElement(0, count: buffer.count)) }
        while true {
            let n = buffer.withUnsafeMutableBufferPointer { p in
                read(fd, p.baseAddress! + end, p.count - end)
            }
            if n > 0 { end += n; return }
            if n == 0 { atEOF = true; return }
            if errno == EINTR { continue }
            let reason = String(cString: strerror(errno))
            throw RNNError.runtime("read failed: \(reason)", file: name)
        }
    }
}

/// Decodes line bytes as UTF-8 under a `DataConfig.InvalidUTF8` policy:
/// replace bad bytes with U+FFFD (counted; `finish` logs one warning naming
/// the first place) or throw an error naming file, line and byte offset.
public struct UTF8LineDecoder {
    public let file: String
    public let policy: DataConfig.InvalidUTF8
    /// Lines that had invalid UTF-8 (replaced).
    public private(set) var invalidLines = 0
    private var first: (line: Int, lineByte: Int, fileOffset: Int)?

    public init(file: String, policy: DataConfig.InvalidUTF8) {
        self.file = file
        self.policy = policy
    }

    public mutating func decode(_ line: LineReader.Line) throws -> String {
        guard let bad = UTF8LineDecoder.firstInvalidByte(in: line.bytes) else {
            return String(decoding: line.bytes, as: UTF8.self)
        }
        if policy == .error {
            throw RNNError.input("invalid UTF-8 at byte \(bad + 1) of the line (byte offset \(line.offset + bad) in the file)",
                                 file: file, line: line.number)
        }
        invalidLines += 1
        if first == nil { first = (line.number, bad + 1, line.offset + bad) }
        return String(decoding: line.bytes, as: UTF8.self)
    }

    /// Logs the one warning of this file, if any bytes were replaced.
    public func finish(log: (String) -> Void) {
        guard let first else { return }
        let name = (file as NSString).lastPathComponent
        log("\(name): warning: invalid UTF-8 replaced by U+FFFD in \(invalidLines) line\(invalidLines == 1 ? "" : "s") "
            + "(first: line \(first.line), byte \(first.lineByte) of the line, byte offset \(first.fileOffset) in the file)")
    }

    /// Index of the first byte that is not part of well-formed UTF-8 (RFC 3629).
    public static func firstInvalidByte(in bytes: [UInt8]) -> Int? {
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b < 0x80 { i += 1; continue }
            var need = 0
            var lower: UInt8 = 0x80, upper: UInt8 = 0xBF
            switch b {
            case 0xC2...0xDF: need = 1
            case 0xE0: need = 2; lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: need = 2
            case 0xED: need = 2; upper = 0x9F
            case 0xF0: need = 3; lower = 0x90
            case 0xF1...0xF3: need = 3
            case 0xF4: need = 3; upper = 0x8F
            default: return i
            }
            guard i + need < n else { return i }
            let second = bytes[i + 1]
            if second < lower || second > upper { return i }
            for k in 2..<(need + 1) where bytes[i + k] & 0xC0 != 0x80 { return i }
            i += need + 1
        }
        return nil
    }
}
