extension ModelSpec {
    /// The model a run config describes, for a vocabulary and label set.
    public init(config: RunConfig, vocabularySize: Int, classCount: Int, padId: Int) {
        let m = config.model
        self.init(kind: m.kind, cell: m.cell, vocabularySize: vocabularySize, embeddingDim: config.embedding.dim,
                  hiddenSize: m.hiddenSize, layers: m.layers, bidirectional: m.bidirectional,
                  dropout: Float(m.dropout), pooling: m.pooling, rcnnVariant: m.rcnnVariant,
                  rcnnProjectionSize: m.effectiveRCNNProjectionSize,
                  classCount: classCount, padId: padId, freezeEmbedding: config.embedding.freeze,
                  memoryHops: m.memoryHops,
                  ngrams: m.hasNGramBag ? NGramSpec(buckets: m.ngrams.buckets, dimension: m.ngrams.dim, wordNgrams: m.ngrams.wordNgrams,
                                                    characterNgrams: m.ngrams.characterNgrams, dropout: Float(m.ngrams.dropout)) : nil,
                  regularisation: Regularisation(embeddingDropout: Float(m.embeddingDropout), tokenDropout: Float(m.tokenDropout),
                                                 lockedDropout: Float(m.lockedDropout), weightDrop: Float(m.weightDrop)),
                  wideCombine: m.wideCombine)
    }
}
