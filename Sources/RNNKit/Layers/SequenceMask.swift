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
    /// Per step t, a number of leading rows that includes every real row of step t: when the
    /// lengths are in descending order (the batcher's batches), exactly the real rows, so a
    /// step's work can stop there (as PyTorch's packed sequences do); otherwise B.
    public let activeRows: [Int]

    public init(lengths: [Int], steps: Int? = nil) {
        let t = steps ?? (lengths.max() ?? 0)
        precondition(lengths.allSatisfy { $0 >= 0 && $0 <= t }, "lengths \(lengths) exceed \(t) steps")
        self.steps = t
        self.batchSize = lengths.count
        self.lengths = lengths
        var active = [Int](repeating: lengths.count, count: t)
        if zip(lengths, lengths.dropFirst()).allSatisfy({ $0 >= $1 }) {
            var n = lengths.count
            for s in 0..<t {
                while n > 0 && lengths[n - 1] <= s { n -= 1 }
                active[s] = n
            }
        }
        self.activeRows = active
    }
}

extension SequenceMask {
    /// F of a time-major `[T, B, F]` tensor over this mask's steps and batch (its last dimension
    /// when the batch or the steps are empty); `layer` names the caller in the precondition.
    func featureCount(of x: Tensor, layer: String) -> Int {
        let f = batchSize > 0 && steps > 0 ? x.count / (steps * batchSize) : (x.shape.last ?? 0)
        precondition(x.count == steps * batchSize * f, "\(layer) input \(x.shape)")
        return f
    }

    /// Calls `body` with pointers to the lengths and the active rows (valid for the call only;
    /// a placeholder address when the arrays are empty).
    func withPointers<R>(_ body: (_ lengths: UnsafePointer<Int>, _ activeRows: UnsafePointer<Int>) -> R) -> R {
        lengths.withUnsafeBufferPointer { l in
            activeRows.withUnsafeBufferPointer { a in
                body(l.baseAddress ?? UnsafePointer(bitPattern: 8)!, a.baseAddress ?? UnsafePointer(bitPattern: 8)!)
            }
        }
    }
}
