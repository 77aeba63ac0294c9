/// TextRCNN's head as the common PyTorch reference repository (Chinese-Text-Classification-Pytorch)
/// builds it: hidden = relu([e_t | out_t]) `[T, B, E + D*H]` at real steps, then the max over real
/// steps; the classifier reads it without dropout, as there. No parameters.
///
/// Backward: dPre = dHidden where hidden > 0 (relu'(0) taken as 0), split into the encoder
/// output's part and the embedding's, the latter summed per distinct token.
final class RCNNReferenceHead: SequenceHead {
    let embeddingDim: Int
    let encoderOutputSize: Int

    init(embeddingDim: Int, encoderOutputSize: Int) {
        self.embeddingDim = embeddingDim
        self.encoderOutputSize = encoderOutputSize
    }

    var parameters: [Parameter] { [] }
    var featureSize: Int { embeddingDim + encoderOutputSize }
    var dropsOutFeatures: Bool { false }

    final class Workspace: HeadWorkspace {
        let hidden = Tensor([0])      // [T, B, E+DH]  kept: relu([e | out]), zero at padded steps
        var pool = MaxPooling.Cache()
        let features = Tensor([0])    // [B, E+DH]
        let dHidden = Tensor([0]), dEncoded = Tensor([0]), dEmbedded = Tensor([0]), dRows = Tensor([0])
    }

    func makeWorkspace() -> HeadWorkspace { Workspace() }

    func forward(_ input: HeadInput, workspace: HeadWorkspace) -> Tensor {
        let ws = workspace as! Workspace, rows = input.rows.data, e = embeddingDim
        input.tokens.slots.withUnsafeBufferPointer { slots in
            Self.hidden(encoded: input.encoded!, mask: input.mask, embeddingDim: e, into: ws.hidden) { q in
                UnsafePointer(rows + Int(slots[q]) * e)
            }
        }
        MaxPooling().forward(ws.hidden, mask: input.mask, into: ws.features, cache: &ws.pool)
        return ws.features
    }

    /// relu([e | out]) at real positions (`embedded(q)`: position q's embedding), zeros at padded ones.
    static func hidden(encoded: Tensor, mask: SequenceMask, embeddingDim e: Int, into hidden: Tensor,
                       embedded: (Int) -> UnsafePointer<Float>) {
        let t = mask.steps, bsz = mask.batchSize, dh = encoded.shape[2], width = e + dh
        hidden.resizeZeroed([t, bsz, width])
        let hp = hidden.data, out = encoded.data
        for b in 0..<bsz {
            for s in 0..<mask.lengths[b] {
                let q = s * bsz + b
                let row = hp + q * width, er = embedded(q), orow = out + q * dh
                for k in 0..<e { row[k] = Swift.max(er[k], 0) }
                for k in 0..<dh { row[e + k] = Swift.max(orow[k], 0) }
            }
        }
    }

    func backward(_ dFeatures: Tensor, input: HeadInput, workspace: HeadWorkspace) -> HeadGradient {
        let ws = workspace as! Workspace, mask = input.mask
        let t = mask.steps, bsz = mask.batchSize, e = embeddingDim, dh = encoderOutputSize, width = e + dh
        MaxPooling().backward(dFeatures, cache: ws.pool, mask: mask, into: ws.dHidden)
        let dOut = ws.dEncoded.resizeZeroed([t, bsz, dh]), dEmb = ws.dEmbedded.resizeZeroed([t * bsz, e])
        let g = ws.dHidden.data, hp = ws.hidden.data, o = dOut.data, de = dEmb.data
        for b in 0..<bsz {
            for s in 0..<mask.lengths[b] {
                let i = s * bsz + b
                let row = g + i * width, hrow = hp + i * width
                for k in 0..<e { de[i * e + k] = hrow[k] > 0 ? row[k] : 0 }
                for k in 0..<dh { o[i * dh + k] = hrow[e + k] > 0 ? row[e + k] : 0 }
            }
        }
        let dRows = ws.dRows.resizeZeroed([input.tokens.count, e])
        input.tokens.accumulate(dEmb.data, width: e, into: dRows.data)
        return HeadGradient(encoded: dOut, rows: dRows)
    }

    func makePlan(embedding: Tensor) -> HeadPlan {
        Plan(embeddingDim: embeddingDim, featureSize: featureSize)
    }

    struct Plan: HeadPlan {
        let embeddingDim: Int
        let featureSize: Int

        func makeWorkspace() -> HeadWorkspace { Workspace() }

        func features(_ input: PlanHeadInput, workspace: HeadWorkspace) -> Tensor {
            let ws = workspace as! Workspace, e = embeddingDim, table = input.embedding.data
            input.ids.withUnsafeBufferPointer { ids in
                RCNNReferenceHead.hidden(encoded: input.encoded!, mask: input.mask, embeddingDim: e, into: ws.hidden) { q in
                    UnsafePointer(table + Int(ids[q]) * e)
                }
            }
            MaxPooling().forward(ws.hidden, mask: input.mask, into: ws.features)
            return ws.features
        }
    }
}
