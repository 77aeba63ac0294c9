/// Which (step, sequence) positions of a time-major batch are real.
///
/// Layout everywhere in the library is time-major: position (t, b) of a `[T, B, F]` tensor
/// starts at `(t * B + b) * F`, so the B rows of one step are contiguous for the recurrent
/// matmul. Real tokens of sequence b are steps 0..<lengths[b]; padding follows. A length may
/// be 0 (empty text): its states stay zero and poolings give zeros.
public struct SequenceMask {
    public let steps: Int
    public let batchSize: Int
    public let lengths: [Int]

    public init(lengths: [Int], steps: Int? = nil) {
        let t = steps ?? (lengths.max() ?? 0)
        precondition(lengths.allSatisfy { $0 >= 0 && $0 <= t }, "lengths \(lengths) exceed \(t) steps")
        self.steps = t
        self.batchSize = lengths.count
        self.lengths = lengths
    }
}
