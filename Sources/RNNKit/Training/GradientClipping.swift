/// Global L2 norm of all non-frozen gradients, accumulated in Double in parameter order.
public func globalGradientNorm(_ parameters: [Parameter]) -> Float {
    var sum = 0.0
    for p in parameters where !p.frozen {
        let g = p.grad.data
        for i in 0..<p.grad.count {
            let x = Double(g[i])
            sum += x * x
        }
    }
    return Float(sum.squareRoot())
}

/// Scales every gradient by `min(1, maxNorm / (norm + 1e-6))` (PyTorch's `clip_grad_norm_`)
/// and returns the total norm before clipping. Frozen parameters are left out.
@discardableResult
public func clipGradientNorm(_ parameters: [Parameter], maxNorm: Float) -> Float {
    let norm = globalGradientNorm(parameters)
    let coefficient = maxNorm / (norm + 1e-6)
    if coefficient < 1 {
        for p in parameters where !p.frozen {
            let g = p.grad.data
            for i in 0..<p.grad.count { g[i] *= coefficient }
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
