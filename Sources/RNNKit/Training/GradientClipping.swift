/// Global L2 norm of all non-frozen gradients, accumulated in Double: each parameter's gradient
/// in fixed chunks of `normChunk` elements (squares summed in order within a chunk), then the
/// chunk sums in parameter and chunk order. The chunks do not depend on the thread count, so
/// neither does the norm, and they let both threads share the work.
public func globalGradientNorm(_ parameters: [Parameter]) -> Float {
    var sum = 0.0
    for p in parameters where !p.frozen {
        let g = UnsafePointer(p.grad.data), n = p.grad.count
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
        for s in partial { sum += s }
    }
    return Float(sum.squareRoot())
}

/// Elements per partial sum of `globalGradientNorm`.
let normChunk = 4096

/// Scales every gradient by `min(1, maxNorm / (norm + 1e-6))` (PyTorch's `clip_grad_norm_`)
/// and returns the total norm before clipping. Frozen parameters are left out.
@discardableResult
public func clipGradientNorm(_ parameters: [Parameter], maxNorm: Float) -> Float {
    let norm = globalGradientNorm(parameters)
    let coefficient = maxNorm / (norm + 1e-6)
    if coefficient < 1 {
        for p in parameters where !p.frozen {
            let g = p.grad.data
            Parallel.forRanges(count: p.grad.count, minimumPerTask: 1 << 15) { range in
                for i in range { g[i] *= coefficient }
            }
        }
    }
    return norm
}

/// Clamps every gradient element to `[-limit, limit]` (PyTorch's `clip_grad_value_`).
public func clipGradientValue(_ parameters: [Parameter], limit: Float) {
    for p in parameters where !p.frozen {
        let g = p.grad.data
        for i in 0..<p.grad.count { g[i] = Swift.min(Swift.max(g[i], -limit), limit) }
    }
}
