/// Which (step, sequence) positions of a time-major batch are real.
///
/// Layout everywhere in the library is time-major: position (t, b) of a
/// `[T, B, F]` tensor starts at `(t * B + b) * F`, so the B rows of one step are
/// contiguous for the recurrent matmul. Real tokens of sequence b are steps
/// 0..<lengths[b]; padding follows. A length may be 0 (empty text): its states
/// stay zero and poolings give zeros.
public struct SequenceMask {
    public let steps: Int
    public let batchSize: Int
    public let lengths: [Int]
    /// `[T, B]`: 1 at real steps, 0 at padding.
    public let values: [Float]

    public init(lengths: [Int], steps: Int? = nil) {
        let t = steps ?? (lengths.max() ?? 0)
        precondition(lengths.allSatisfy { $0 >= 0 && $0 <= t }, "lengths \(lengths) exceed \(t) steps")
        self.steps = t
        self.batchSize = lengths.count
        self.lengths = lengths
        var v = [Float](repeating: 0, count: t * lengths.count)
        for (b, len) in lengths.enumerated() {
            for s in 0..<len { v[s * lengths.count + b] = 1 }
        }
        self.values = v
    }

    @inlinable
    public func isReal(step: Int, sequence: Int) -> Bool { step < lengths[sequence] }
}
