/// Which tag paths a CRF may output: allowed[i * K + j] (tag j right after tag i), and which tags
/// may open and close a sequence. Built from the tag names, it keeps decoding from ever writing an
/// invalid sequence (IOB2: no `I-X` after `O` or after `B-Y`; BIOES: chunks closed by E or S).
/// It constrains decoding only; training scores every path, as pytorch-crf and AllenNLP do.
public struct TransitionConstraints: Equatable, Sendable {
    public let tagCount: Int
    public let allowed: [Bool]        // [K * K], from row to column
    public let allowedStart: [Bool]   // [K]
    public let allowedEnd: [Bool]     // [K]

    public init(allowed: [Bool], allowedStart: [Bool], allowedEnd: [Bool]) {
        let k = allowedStart.count
        precondition(allowed.count == k * k && allowedEnd.count == k, "constraint shapes do not match \(k) tags")
        self.tagCount = k
        self.allowed = allowed
        self.allowedStart = allowedStart
        self.allowedEnd = allowedEnd
    }

    /// Constraints of `scheme` for tags named `tags` (index = tag id). Throws `.input` naming the
    /// first tag that is not valid in the scheme (say `E-X` in IOB2).
    public init(tags: [String], scheme: TagScheme) throws {
        if let bad = tags.first(where: { !scheme.isValid(tag: $0) }) {
            throw RNNError.input("tag \"\(bad)\" is not a valid \(scheme.rawValue.uppercased()) tag (expected O or B-TYPE, I-TYPE\(scheme == .bioes ? ", E-TYPE, S-TYPE" : ""))")
        }
        var allowed: [Bool] = []
        allowed.reserveCapacity(tags.count * tags.count)
        for from in tags { for to in tags { allowed.append(scheme.allowsTransition(from: from, to: to)) } }
        self.init(allowed: allowed, allowedStart: tags.map(scheme.allowsStart), allowedEnd: tags.map(scheme.allowsEnd))
    }

    /// True when the path (tag ids) only uses allowed steps.
    public func permits(_ path: [Int32]) -> Bool {
        guard let first = path.first, let last = path.last else { return true }
        guard allowedStart[Int(first)] && allowedEnd[Int(last)] else { return false }
        for t in 1..<path.count where !allowed[Int(path[t - 1]) * tagCount + Int(path[t])] { return false }
        return true
    }
}

/// Buffers for Viterbi decoding, reused across batches (grown for a larger shape only).
public final class ViterbiWorkspace {
    var backpointers: [Int32] = []   // [T * K] for the sequence being decoded
    var scores: [Float] = []         // [2 * K]: previous and current step
    var transitions: [Float] = []    // [K * K] with -inf at forbidden steps
    var start: [Float] = []
    var end: [Float] = []
    /// `[T * B]` time-major: the decoded tag ids, -1 at padded positions.
    public internal(set) var paths: [Int32] = []

    public init() {}

    func prepare(steps: Int, batch: Int, tags k: Int) {
        if backpointers.count < steps * k { backpointers = [Int32](repeating: 0, count: steps * k) }
        if scores.count != 2 * k {
            scores = [Float](repeating: 0, count: 2 * k)
            transitions = [Float](repeating: 0, count: k * k)
            start = [Float](repeating: 0, count: k)
            end = [Float](repeating: 0, count: k)
        }
        if paths.count != steps * batch { paths = [Int32](repeating: -1, count: steps * batch) }
    }
}

extension LinearChainCRF {
    /// The highest-scoring tag path of every sequence (Viterbi), written time-major into
    /// `workspace.paths` (`[T * B]`, -1 at padded steps) and returned. With `constraints`, forbidden
    /// steps score -inf; a sequence with no allowed path at all (a tag set that cannot form one)
    /// is decoded without them. Ties go to the smaller tag id, so the result is deterministic.
    /// Padded emissions are never read.
    @discardableResult
    public func decode(emissions: Tensor, lengths: [Int], constraints: TransitionConstraints? = nil,
                       workspace ws: ViterbiWorkspace) -> [Int32] {
        let k = tagCount, b = lengths.count
        let steps = b == 0 ? 0 : emissions.count / (b * k)
        precondition(emissions.count == steps * b * k, "CRF emissions \(emissions.shape) for \(b) sequences and \(k) tags")
        precondition(lengths.allSatisfy { $0 >= 0 && $0 <= steps }, "lengths \(lengths) exceed \(steps) steps")
        if let c = constraints { precondition(c.tagCount == k, "constraints for \(c.tagCount) tags, CRF has \(k)") }
        ws.prepare(steps: steps, batch: b, tags: k)
        for i in 0..<(steps * b) { ws.paths[i] = -1 }
        for j in 0..<b where lengths[j] > 0 {
            fillScores(ws, constraints: constraints)
            if !viterbi(sequence: j, emissions: emissions, lengths: lengths, ws) && constraints != nil {
                fillScores(ws, constraints: nil)
                _ = viterbi(sequence: j, emissions: emissions, lengths: lengths, ws)
            }
        }
        return ws.paths
    }

    /// Copies the parameters into the workspace, with -inf where `constraints` forbid a step.
    private func fillScores(_ ws: ViterbiWorkspace, constraints: TransitionConstraints?) {
        let k = tagCount, t = transitions.value.data, s = startTransitions.value.data, e = endTransitions.value.data
        for i in 0..<(k * k) { ws.transitions[i] = constraints.map { $0.allowed[i] } ?? true ? t[i] : -.infinity }
        for i in 0..<k {
            ws.start[i] = constraints.map { $0.allowedStart[i] } ?? true ? s[i] : -.infinity
            ws.end[i] = constraints.map { $0.allowedEnd[i] } ?? true ? e[i] : -.infinity
        }
    }

    /// Decodes sequence j into `ws.paths`; returns false when every path scores -inf.
    private func viterbi(sequence j: Int, emissions: Tensor, lengths: [Int], _ ws: ViterbiWorkspace) -> Bool {
        let k = tagCount, b = lengths.count, length = lengths[j]
        let e = UnsafePointer(emissions.data)
        return ws.scores.withUnsafeMutableBufferPointer { scores in
            ws.backpointers.withUnsafeMutableBufferPointer { back in
                ws.transitions.withUnsafeBufferPointer { trans in
                    var previous = scores.baseAddress!, current = previous + k
                    for c in 0..<k { previous[c] = ws.start[c] + e[j * k + c] }
                    for t in 1..<max(length, 1) {
                        let pointers = back.baseAddress! + t * k
                        for c in 0..<k { current[c] = -.infinity; pointers[c] = 0 }
                        // i outer, j inner: the inner loop runs over a contiguous transition row.
                        for i in 0..<k where previous[i] > -.infinity {
                            let s = previous[i], row = trans.baseAddress! + i * k
                            for c in 0..<k {
                                let candidate = s + row[c]
                                if candidate > current[c] { current[c] = candidate; pointers[c] = Int32(i) }
                            }
                        }
                        let et = e + (t * b + j) * k
                        for c in 0..<k { current[c] += et[c] }
                        swap(&previous, &current)
                    }
                    var best = -Float.infinity, tag = 0
                    for c in 0..<k where previous[c] + ws.end[c] > best { best = previous[c] + ws.end[c]; tag = c }
                    guard best > -.infinity else { return false }
                    for t in stride(from: length - 1, through: 0, by: -1) {
                        ws.paths[t * b + j] = Int32(tag)
                        if t > 0 { tag = Int(back[t * k + tag]) }
                    }
                    return true
                }
            }
        }
    }
}
