extension ModelSpec {
    /// The model a run config describes, for a vocabulary and label set.
    public init(config: RunConfig, vocabularySize: Int, classCount: Int, padId: Int) {
        let m = config.model
        self.init(kind: ModelKind(rawValue: m.kind.rawValue)!,
                  cell: CellKind(rawValue: m.cell.rawValue)!,
                  vocabularySize: vocabularySize, embeddingDim: config.embedding.dim,
                  hiddenSize: m.hiddenSize, layers: m.layers, bidirectional: m.bidirectional,
                  dropout: Float(m.dropout), pooling: PoolingKind(rawValue: m.pooling.rawValue)!,
                  rcnnVariant: RCNNVariant(rawValue: m.rcnnVariant.rawValue)!,
                  rcnnProjectionSize: m.effectiveRCNNProjSize,
                  classCount: classCount, padId: padId, freezeEmbedding: config.embedding.freeze)
    }
}
