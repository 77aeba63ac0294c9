/// TextRNN's head: the encoder output pooled over real steps (`last`, `max`, `mean` or
/// `attention`, see Layers/Pooling.swift and AttentionPooling.swift).
final class PoolingHead: SequenceHead {
    let kind: PoolingKind
    let last: LastStatePooling
    let attention: AttentionPooling?
    let featureSize: Int

    init(kind: PoolingKind, directions: Int, hiddenSize: Int) {
        precondition([.last, .max, .mean, .attention].contains(kind), "PoolingHead cannot pool by \(kind)")
        self.kind = kind
        last = LastStatePooling(directions: directions, hiddenSize: hiddenSize)
        featureSize = directions * hiddenSize
        attention = kind == .attention ? AttentionPooling(featureSize: featureSize) : nil
    }

    var parameters: [Parameter] { attention?.parameters ?? [] }

    final class Workspace: HeadWorkspace {
        let features = Tensor([0])      // [B, F]
        let dEncoded = Tensor([0])      // [T, B, F]
        var max = MaxPooling.Cache()
        let attention = AttentionPooling.Cache()
    }

    func makeWorkspace() -> HeadWorkspace { Workspace() }

    func forward(_ input: HeadInput, workspace: HeadWorkspace) -> Tensor {
        let ws = workspace as! Workspace, x = input.encoded!, mask = input.mask
        switch kind {
        case .last: last.forward(x, mask: mask, into: ws.features)
        case .max: MaxPooling().forward(x, mask: mask, into: ws.features, cache: &ws.max)
        case .mean: MeanPooling().forward(x, mask: mask, into: ws.features)
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
            case .attention: AttentionPooling.run(x, mask: mask, w: attentionWeight!, into: ws.features, cache: ws.attention)
            default: preconditionFailure("unreachable")
            }
            return ws.features
        }
    }
}
