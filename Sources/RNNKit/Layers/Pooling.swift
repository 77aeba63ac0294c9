/// Mask-aware poolings over time: time-major `[T, B, F]` -> `[B, F]`.
///
/// Only real steps (t < lengths[b]) are read; padded steps may hold anything. A sequence of
/// length 0 pools to zeros and passes no gradient back. Input gradients are exactly zero at
/// padded steps. Outputs and gradients go into the caller's buffers (resized here); what
/// backward needs is the explicit `Cache` value, whose arrays keep their capacity when a
/// workspace passes the same cache again. Attention pooling, which has a parameter, is in
/// AttentionPooling.swift.

/// The last real state of an encoder output.
///
/// For a unidirectional encoder (directions 1): `x[len-1, b, :]`. For a bidirectional one
/// (directions 2, last axis `[forward H | backward H]`): the forward half at step len-1 joined
/// with the backward half at step 0, i.e. each direction's state after it has read the whole
/// sequence (PyTorch's `h_n` of the top layer), not the backward state at len-1, which has read
/// one token only.
public struct LastStatePooling {
    public let directions: Int
    public let hiddenSize: Int

    public init(directions: Int, hiddenSize: Int) {
        precondition(directions == 1 || directions == 2, "directions must be 1 or 2")
        self.directions = directions
        self.hiddenSize = hiddenSize
    }

    public var featureSize: Int { directions * hiddenSize }

    public func forward(_ x: Tensor, mask: SequenceMask, into y: Tensor) {
        let bsz = mask.batchSize, f = featureSize, h = hiddenSize
        precondition(x.count == mask.steps * bsz * f, "last-state pooling input \(x.shape), expected [\(mask.steps), \(bsz), \(f)]")
        y.resizeZeroed([bsz, f])
        let src = x.data, dst = y.data
        for b in 0..<bsz {
            let len = mask.lengths[b]
            guard len > 0 else { continue }
            (dst + b * f).update(from: src + ((len - 1) * bsz + b) * f, count: h)
            if directions == 2 { (dst + b * f + h).update(from: src + b * f + h, count: h) }
        }
    }

    /// Routes dOutput `[B, F]` back to the two positions that were read.
    public func backward(_ dOutput: Tensor, mask: SequenceMask, into dx: Tensor) {
        let bsz = mask.batchSize, f = featureSize, h = hiddenSize
        dx.resizeZeroed([mask.steps, bsz, f])
        let src = dOutput.data, dst = dx.data
        for b in 0..<bsz {
            let len = mask.lengths[b]
            guard len > 0 else { continue }
            (dst + ((len - 1) * bsz + b) * f).update(from: src + b * f, count: h)
            if directions == 2 { (dst + b * f + h).update(from: src + b * f + h, count: h) }
        }
    }
}

/// Max over real steps, per feature.
///
/// The gradient goes to the first step holding the maximum (scanning t upward, a later step
/// wins only when strictly larger). Ties therefore send the whole gradient to one step;
/// PyTorch's `amax` would split it evenly, `max(dim)` picks one index. Parameter gradients
/// agree whenever tied steps hold equal values computed from equal inputs (e.g. a repeated
/// token), as in the golden files.
public struct MaxPooling {
    public init() {}

    public struct Cache {
        /// `[B * F]`: the step of each maximum, -1 for an empty sequence.
        public var argmax: [Int32] = []
        public init() {}
    }

    /// Training: the maxima and where they were.
    public func forward(_ x: Tensor, mask: SequenceMask, into y: Tensor, cache: inout Cache) {
        let f = mask.featureCount(of: x, layer: "max pooling")
        cache.argmax.removeAll(keepingCapacity: true)
        cache.argmax.append(contentsOf: repeatElement(-1, count: mask.batchSize * f))
        cache.argmax.withUnsafeMutableBufferPointer { run(x, mask, f, into: y, argmax: $0.baseAddress) }
    }

    /// Inference: the maxima only.
    public func forward(_ x: Tensor, mask: SequenceMask, into y: Tensor) {
        run(x, mask, mask.featureCount(of: x, layer: "max pooling"), into: y, argmax: nil)
    }

    private func run(_ x: Tensor, _ mask: SequenceMask, _ f: Int, into y: Tensor, argmax: UnsafeMutablePointer<Int32>?) {
        let bsz = mask.batchSize
        y.resizeZeroed([bsz, f])
        let src = x.data, dst = y.data
        for b in 0..<bsz {
            let len = mask.lengths[b]
            guard len > 0 else { continue }
            let out = dst + b * f
            out.update(from: src + b * f, count: f)
            argmax?.advanced(by: b * f).update(repeating: 0, count: f)
            for s in 1..<max(len, 1) {
                let row = src + (s * bsz + b) * f
                for k in 0..<f where row[k] > out[k] {
                    out[k] = row[k]
                    argmax?[b * f + k] = Int32(s)
                }
            }
        }
    }

    public func backward(_ dOutput: Tensor, cache: Cache, mask: SequenceMask, into dx: Tensor) {
        let bsz = mask.batchSize, f = bsz > 0 ? cache.argmax.count / bsz : 0
        dx.resizeZeroed([mask.steps, bsz, f])
        let src = dOutput.data, dst = dx.data
        for b in 0..<bsz {
            for k in 0..<f {
                let s = Int(cache.argmax[b * f + k])
                if s >= 0 { dst[(s * bsz + b) * f + k] = src[b * f + k] }
            }
        }
    }
}

/// Mean over real steps, per feature: sum over t < len (in step order) / len.
public struct MeanPooling {
    public init() {}

    public func forward(_ x: Tensor, mask: SequenceMask, into y: Tensor) {
        let bsz = mask.batchSize, f = mask.featureCount(of: x, layer: "mean pooling")
        y.resizeZeroed([bsz, f])
        let src = x.data, dst = y.data
        for b in 0..<bsz {
            let len = mask.lengths[b]
            guard len > 0 else { continue }
            let out = dst + b * f
            for s in 0..<len { Elementwise.add(src + (s * bsz + b) * f, into: out, count: f) }
            let n = Float(len)
            for k in 0..<f { out[k] /= n }
        }
    }

    /// dx[t, b] = dOutput[b] / len at real steps, zero elsewhere.
    public func backward(_ dOutput: Tensor, mask: SequenceMask, into dx: Tensor) {
        let bsz = mask.batchSize, f = bsz > 0 ? dOutput.count / bsz : 0
        dx.resizeZeroed([mask.steps, bsz, f])
        let src = dOutput.data, dst = dx.data
        for b in 0..<bsz {
            let len = mask.lengths[b]
            guard len > 0 else { continue }
            let n = Float(len)
            for s in 0..<len {
                let row = dst + (s * bsz + b) * f
                for k in 0..<f { row[k] = src[b * f + k] / n }
            }
        }
    }
}
