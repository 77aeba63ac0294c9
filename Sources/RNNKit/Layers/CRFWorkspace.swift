/// Every buffer one `LinearChainCRF` loss and backward needs, sized from the batch shape and reused.
///
/// Tensors grow (`Tensor.reshape`) only when a batch is larger than every earlier one, so after
/// the largest batch has been seen a training step allocates nothing here. What `forward` writes and
/// `backward` reads (alpha, the scaled alpha rows, the step shifts, log Z) lives here too, so one
/// workspace serves one forward/backward pair at a time: a second forward overwrites the first's cache.
public final class CRFWorkspace {
    /// `[T, B, K]` log alpha (forward algorithm); only real steps are written.
    let logAlpha = Tensor([0])
    /// `[T, B, K]` log beta (backward algorithm); only real steps are written.
    let logBeta = Tensor([0])
    /// `[T, B, K]` A'_t = exp(alpha_{t-1} + r - M_t): the left factor of step t's product; zero at
    /// t = 0 and at padded steps (it is also the left operand of the pair-marginal matmul).
    let scaledAlpha = Tensor([0])
    /// `[T, B, K]` Y_t = exp(M_t + e_t + beta_t - log Z): the right operand of the pair-marginal matmul.
    let pairRight = Tensor([0])
    /// `[T, B]` the shift M_t of each scaled alpha row.
    let shift = Tensor([0])
    /// `[B, K]` one step's left operand (backward) and product (both directions).
    let stepInput = Tensor([0])
    let stepProduct = Tensor([0])
    /// `[K, K]` exp(T[i, j] - max_j T[i, j]), exp(T[i, j] - max_i T[i, j]) and the pair sums.
    let expRows = Tensor([0])
    let expColumns = Tensor([0])
    let pairSums = Tensor([0])
    /// `[T, B, K]` the emission gradient `backward` returns (owned here, valid until the next backward).
    let dEmissions = Tensor([0])
    let rowMaxBuffer = GrowingBuffer<Float>(), columnMaxBuffer = GrowingBuffer<Float>()   // [K]
    let stepShiftBuffer = GrowingBuffer<Float>()          // [B]
    let logZBuffer = GrowingBuffer<Double>()              // [B]
    let boundaryBuffer = GrowingBuffer<Double>()          // [2K]: start then end
    let goldPairBuffer = GrowingBuffer<Int32>()           // [K * K]
    let pairAccumulatorBuffer = GrowingBuffer<Double>()   // [K * K], log-space path only

    // Raw pointers, taken once before a hot loop (an array in a class would be checked per element).
    var rowMax: UnsafeMutablePointer<Float> { rowMaxBuffer.pointer }
    var columnMax: UnsafeMutablePointer<Float> { columnMaxBuffer.pointer }
    var stepShift: UnsafeMutablePointer<Float> { stepShiftBuffer.pointer }
    var logZ: UnsafeMutablePointer<Double> { logZBuffer.pointer }
    var boundaryGradient: UnsafeMutablePointer<Double> { boundaryBuffer.pointer }
    var goldPairs: UnsafeMutablePointer<Int32> { goldPairBuffer.pointer }
    var pairAccumulator: UnsafeMutablePointer<Double> { pairAccumulatorBuffer.pointer }

    public init() {}

    /// Sizes every buffer for `steps` x `batch` x `tags`; contents are unspecified afterwards.
    func prepare(steps: Int, batch: Int, tags k: Int) {
        for tensor in [logAlpha, logBeta, scaledAlpha, pairRight] { tensor.resize([steps, batch, k]) }
        shift.resize([steps, batch])
        stepInput.resize([batch, k])
        stepProduct.resize([batch, k])
        for tensor in [expRows, expColumns, pairSums] { tensor.resize([k, k]) }
        for buffer in [rowMaxBuffer, columnMaxBuffer] { buffer.reserve(k) }
        stepShiftBuffer.reserve(batch)
        logZBuffer.reserve(batch)
        boundaryBuffer.reserve(2 * k)
        goldPairBuffer.reserve(k * k)
        pairAccumulatorBuffer.reserve(k * k)
    }

    /// Fills `expRows`, `expColumns`, `rowMax` and `columnMax` from the transitions `[K, K]`.
    /// Returns false when a row or a column spans more than `range` (or holds a non-finite
    /// value): then exp(T - max) could underflow on a path that matters and the caller must
    /// use the log-space code.
    func prepareTransitions(_ transitions: UnsafePointer<Float>, tags k: Int, range: Float) -> Bool {
        var fast = true
        let er = expRows.data, ec = expColumns.data, rowMax = rowMax, columnMax = columnMax
        for i in 0..<k {
            var hi = -Float.infinity, lo = Float.infinity
            for j in 0..<k { hi = max(hi, transitions[i * k + j]); lo = min(lo, transitions[i * k + j]) }
            if !(hi - lo <= range) { fast = false }
            rowMax[i] = hi
        }
        for j in 0..<k {
            var hi = -Float.infinity, lo = Float.infinity
            for i in 0..<k { hi = max(hi, transitions[i * k + j]); lo = min(lo, transitions[i * k + j]) }
            if !(hi - lo <= range) { fast = false }
            columnMax[j] = hi
        }
        guard fast else { return false }
        for i in 0..<k {
            for j in 0..<k {
                er[i * k + j] = transitions[i * k + j] - rowMax[i]
                ec[i * k + j] = transitions[i * k + j] - columnMax[j]
            }
        }
        Elementwise.exp(er, er, count: k * k)
        Elementwise.exp(ec, ec, count: k * k)
        return true
    }
}

/// A buffer that only grows (contents unspecified after a growth), for scratch that is not Float
/// or that hot loops read through a pointer.
final class GrowingBuffer<Element> {
    private(set) var pointer = UnsafeMutablePointer<Element>.allocate(capacity: 1)
    private(set) var capacity = 1

    func reserve(_ count: Int) {
        guard count > capacity else { return }
        pointer.deallocate()
        pointer = .allocate(capacity: count)
        capacity = count
    }

    deinit { pointer.deallocate() }
}
