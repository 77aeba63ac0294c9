/// The one place a model description becomes layers: which head a spec asks for.
///
/// To add a head: write it in its own file under Models/Heads (a `SequenceHead`: forward,
/// backward, its workspace and its plan side by side), give it a config value (a case of
/// `PoolingKind`, or a model kind) and add its line here. docs/DESIGN.md has the steps.
enum ModelFactory {
    /// The head for `spec` (already `effective`), reading an encoder output of `encoderOutputSize`.
    static func head(for s: ModelSpec, encoderOutputSize: Int, rng: inout RandomSource) -> SequenceHead {
        switch (s.kind, s.rcnnVariant, s.pooling) {
        case (.textrcnn, .paper, _):
            return RCNNPaperHead(hiddenSize: s.hiddenSize, embeddingDim: s.embeddingDim,
                                 projectionSize: s.rcnnProjectionSize, rng: &rng)
        case (.textrcnn, .reference, _):
            return RCNNReferenceHead(embeddingDim: s.embeddingDim, encoderOutputSize: encoderOutputSize)
        case (_, _, .memory):
            return MemoryHead(featureSize: encoderOutputSize, hops: s.memoryHops, rng: &rng)
        case (_, _, let pooling):
            return PoolingHead(kind: pooling, directions: s.bidirectional ? 2 : 1, hiddenSize: s.hiddenSize)
        }
    }
}
