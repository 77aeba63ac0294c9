/// Global L2 norm of all non-frozen gradients, accumulated in Double: each parameter's gradient
/// in fixed chunks of `normChunk` elements (squares summed in order within a chunk), then the
/// chunk sums in parameter and chunk order; the row-sparse gradients (`sparse`, the n-gram bag's
/// touched rows) after them, the same way. The chunks do not depend on the thread count, so
/// neither does the norm, and they let both threads share the work.
public func globalGradientNorm(_ parameters: [Parameter], sparse: [RowSparseGradient] = []) -> Float {
    var sum = 0.0
    for p in parameters where !p.frozen { sum += squaredSum(UnsafePointer(p.grad.data), count: p.grad.count) }
    for g in sparse { sum += squaredSum(UnsafePointer(g.values.data), count: g.rows.count * g.dimension) }
    return Float(sum.squareRoot())
}

/// The sum of squares of `n` values, in chunks of `normChunk` (see `globalGradientNorm`).
private func squaredSum(_ g: UnsafePointer<Float>, count n: Int) -> Double {
    let chunks = (n + normChunk - 1) / normChunk
    var partial = [Double](repeating: 0, count: chunks)
    partial.withUnsafeMutableBufferPointer { partial in
        let out = UnsafeSendable(partial.baseAddress!)
        Parallel.forRanges(count: chunks, minimumPerTask: 8) { range in
            for c in range {
                var s = 0.0
                for i in (c * normChunk)..<Swift.min(n, (c + 1) * normChunk) {
                    let x = Double(g[i])
                    s += x * x
                }
                out.value[c] = s
            }
        }
    }
    var sum = 0.0
    for s in partial { sum += s }
    return sum
}

/// Elements per partial sum of `globalGradientNorm`.
let normChunk = 4096

/// Scales every gradient by `min(1, maxNorm / (norm + 1e-6))` (PyTorch's `clip_grad_norm_`)
/// and returns the total norm before clipping. Frozen parameters are left out.
/// Row-sparse gradients (`sparse`) count in the norm and are scaled alike.
@discardableResult
public func clipGradientNorm(_ parameters: [Parameter], sparse: [RowSparseGradient] = [], maxNorm: Float) -> Float {
    let norm = globalGradientNorm(parameters, sparse: sparse)
    let coefficient = maxNorm / (norm + 1e-6)
    if coefficient < 1 {
        func scale(_ g: UnsafeMutablePointer<Float>, _ n: Int) {
            Parallel.forRanges(count: n, minimumPerTask: 1 << 15) { range in
                for i in range { g[i] *= coefficient }
            }
        }
        for p in parameters where !p.frozen { scale(p.grad.data, p.grad.count) }
        for g in sparse { scale(g.values.data, g.rows.count * g.dimension) }
    }
    return norm
}

/// Clamps every gradient element to `[-limit, limit]` (PyTorch's `clip_grad_value_`), the
/// row-sparse gradients' touched rows too.
public func clipGradientValue(_ parameters: [Parameter], sparse: [RowSparseGradient] = [], limit: Float) {
    func clamp(_ g: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { g[i] = Swift.min(Swift.max(g[i], -limit), limit) }
    }
    for p in parameters where !p.frozen { clamp(p.grad.data, p.grad.count) }
    for g in sparse { clamp(g.values.data, g.rows.count * g.dimension) }
}
