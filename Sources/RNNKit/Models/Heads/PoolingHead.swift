/// TextRNN's head: the encoder output pooled over real steps (`last`, `max`, `mean`, `max_mean`
/// (both, joined: `[max | mean]`, twice as wide) or `attention`, see Layers/Pooling.swift and
/// AttentionPooling.swift).
final class PoolingHead: SequenceHead {
    let kind: PoolingKind
    let last: LastStatePooling
    let attention: AttentionPooling?
    let featureSize: Int

    init(kind: PoolingKind, directions: Int, hiddenSize: Int) {
        precondition([.last, .max, .mean, .maxMean, .attention].contains(kind), "PoolingHead cannot pool by \(kind)")
        self.kind = kind
        last = LastStatePooling(directions: directions, hiddenSize: hiddenSize)
        featureSize = directions * hiddenSize * (kind == .maxMean ? 2 : 1)
        attention = kind == .attention ? AttentionPooling(featureSize: featureSize) : nil
    }

    var parameters: [Parameter] { attention?.parameters ?? [] }

    final class Workspace: HeadWorkspace {
        let features = Tensor([0])      // [B, F]
        let dEncoded = Tensor([0])      // [T, B, F]
        var max = MaxPooling.Cache()
        // max_mean: the two halves, their gradients, and the mean's share of dEncoded.
        let maxPart = Tensor([0]), meanPart = Tensor([0]), dMax = Tensor([0]), dMean = Tensor([0])
        let dEncodedMean = Tensor([0])
        let attention = AttentionPooling.Cache()
    }

    func makeWorkspace() -> HeadWorkspace { Workspace() }

    func forward(_ input: HeadInput, workspace: HeadWorkspace) -> Tensor {
        let ws = workspace as! Workspace, x = input.encoded!, mask = input.mask
        switch kind {
        case .last: last.forward(x, mask: mask, into: ws.features)
        case .max: MaxPooling().forward(x, mask: mask, into: ws.features, cache: &ws.max)
        case .mean: MeanPooling().forward(x, mask: mask, into: ws.features)
        case .maxMean:
            MaxPooling().forward(x, mask: mask, into: ws.maxPart, cache: &ws.max)
            MeanPooling().forward(x, mask: mask, into: ws.meanPart)
            FeatureJoin.join(ws.maxPart, ws.meanPart, into: ws.features)
        case .attention: attention!.forward(x, mask: mask, into: ws.features, cache: ws.attention)
        default: preconditionFailure("unreachable")
        }
        return ws.features
    }

    func backward(_ dFeatures: Tensor, input: HeadInput, workspace: HeadWorkspace) -> HeadGradient {
        let ws = workspace as! Workspace, mask = input.mask
        switch kind {
        case .last: last.backward(dFeatures, mask: mask, into: ws.dEncoded)
        case .max: MaxPooling().backward(dFeatures, cache: ws.max, mask: mask, into: ws.dEncoded)
        case .mean: MeanPooling().backward(dFeatures, mask: mask, into: ws.dEncoded)
        case .maxMean:
            // The join's backward is the split; x feeds both poolings, so their gradients add.
            FeatureJoin.split(dFeatures, leftWidth: featureSize / 2, intoLeft: ws.dMax, right: ws.dMean)
            MaxPooling().backward(ws.dMax, cache: ws.max, mask: mask, into: ws.dEncoded)
            MeanPooling().backward(ws.dMean, mask: mask, into: ws.dEncodedMean)
            Elementwise.add(ws.dEncodedMean.data, into: ws.dEncoded.data, count: ws.dEncoded.count)
        case .attention:
            attention!.backward(dFeatures, input: input.encoded!, mask: mask, cache: ws.attention, into: ws.dEncoded)
        default: preconditionFailure("unreachable")
        }
        return HeadGradient(encoded: ws.dEncoded, rows: nil)
    }

    func makePlan(embedding: Tensor) -> HeadPlan {
        Plan(kind: kind, last: last, attentionWeight: attention.map { Tensor(copying: $0.weight.value) },
             featureSize: featureSize)
    }

    struct Plan: HeadPlan {
        let kind: PoolingKind
        let last: LastStatePooling
        let attentionWeight: Tensor?
        let featureSize: Int

        func makeWorkspace() -> HeadWorkspace { Workspace() }

        func features(_ input: PlanHeadInput, workspace: HeadWorkspace) -> Tensor {
            let ws = workspace as! Workspace, x = input.encoded!, mask = input.mask
            switch kind {
            case .last: last.forward(x, mask: mask, into: ws.features)
            case .max: MaxPooling().forward(x, mask: mask, into: ws.features)
            case .mean: MeanPooling().forward(x, mask: mask, into: ws.features)
            case .maxMean:
                MaxPooling().forward(x, mask: mask, into: ws.maxPart)
                MeanPooling().forward(x, mask: mask, into: ws.meanPart)
                FeatureJoin.join(ws.maxPart, ws.meanPart, into: ws.features)
            case .attention: AttentionPooling.run(x, mask: mask, w: attentionWeight!, into: ws.features, cache: ws.attention)
            default: preconditionFailure("unreachable")
            }
            return ws.features
        }
    }
}
