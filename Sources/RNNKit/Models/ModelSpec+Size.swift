/// Model size limits: a config or checkpoint header asking for an absurd model must be
/// refused with a message before any weight is allocated, not crash on an overflow or an
/// allocation failure.
extension ModelSpec {
    /// Most weights a model may have (4 GiB of Float32; training needs about four times that).
    public static let maximumWeightCount = 1 << 30

    /// A lower bound on the model's parameter count, without allocating anything: the
    /// embedding table and every recurrent weight matrix (biases, Jordan's output
    /// weights and the head are left out). `Int.max` when the product overflows.
    public var weightCountLowerBound: Int {
        let s = effective
        let gates = s.cell.gateCount
        let directions = s.bidirectional ? 2 : 1
        func product(_ factors: Int...) -> Int {
            var p = 1
            for f in factors {
                let (q, overflow) = p.multipliedReportingOverflow(by: max(f, 0))
                if overflow { return Int.max }
                p = q
            }
            return p
        }
        func sum(_ terms: Int...) -> Int {
            var total = 0
            for t in terms {
                let (u, overflow) = total.addingReportingOverflow(t)
                if overflow { return Int.max }
                total = u
            }
            return total
        }
        let embedding = product(s.vocabularySize, s.embeddingDim)
        let firstLayer = product(directions, gates, s.hiddenSize, sum(s.embeddingDim, s.hiddenSize))
        let upperLayer = product(directions, gates, s.hiddenSize, sum(product(directions, s.hiddenSize), s.hiddenSize))
        let upperLayers = product(max(s.layers - 1, 0), upperLayer)
        let projection = s.kind == .textrcnn && s.rcnnVariant == .paper
            ? product(s.rcnnProjectionSize, sum(product(2, s.hiddenSize), s.embeddingDim)) : 0
        let bag = s.ngrams.map { product(sum(s.vocabularySize, $0.buckets), $0.dimension) } ?? 0
        // fastText has neither an embedding nor an encoder: its bag is its only table.
        if s.kind == .fasttext { return bag }
        return sum(embedding, firstLayer, upperLayers, projection, bag)
    }

    /// The config field that makes the model largest, for the message of a too-large model.
    var largestSizeField: String {
        let s = effective
        let terms: [(String, Int)] = [
            ("embedding.dim", s.vocabularySize.multipliedReportingOverflow(by: s.embeddingDim).overflow ? Int.max : s.vocabularySize * s.embeddingDim),
            ("model.hidden_size", s.hiddenSize.multipliedReportingOverflow(by: s.hiddenSize).overflow ? Int.max : s.hiddenSize * s.hiddenSize),
            ("model.layers", s.layers),
            ("model.rcnn_proj_size", s.kind == .textrcnn && s.rcnnVariant == .paper ? s.rcnnProjectionSize : 0),
            ("model.ngrams.buckets", s.ngrams.map { $0.buckets.multipliedReportingOverflow(by: $0.dimension).overflow ? Int.max : $0.buckets * $0.dimension } ?? 0),
        ]
        return terms.max { $0.1 < $1.1 }!.0
    }
}
