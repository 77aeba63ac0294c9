import Foundation

/// The embedding and recurrent encoder of a classifier, trained as language models (ULMFiT,
/// Howard & Ruder 2018): the forward direction's state at step t predicts token t+1, the
/// backward direction's (when bidirectional) predicts token t-1, each through a softmax whose
/// output weights are the embedding table (`TiedSoftmax`, so `hidden_size` = `embedding.dim`).
///
/// Per-line sequences: every text is its own sequence from a zero state, as the classifier later
/// reads it, batched by length with masks like classification; the first token of a line has no
/// forward prediction and the last no backward one. A bidirectional model has one layer: a second
/// layer's forward direction would read the first layer's backward states, which have seen the
/// token it is to predict (the config refuses it).
///
/// Parameters, in checkpoint order: `embedding.weight`, the encoder's (`lstm.*`, ... named as in
/// `TextClassifier`, so a classifier loads them by name), `decoder.bias`, `decoder.bias_reverse`.
public final class LanguageModel: ParameterOwner {
    public let embedding: Embedding
    public let encoder: RecurrentEncoder
    /// One per direction: forward, then backward.
    public let decoders: [TiedSoftmax]
    public let parameters: [Parameter]
    /// Applied to the states that predict (and, through the encoder, between its layers).
    let dropout: Dropout
    /// AWD-LSTM's regularisers (Merity et al. 2017), training only, as the classifier applies them
    /// (`InputOutputDropout`, weight-drop in the encoder): token dropout replaces what a position
    /// reads, never what it is to predict.
    public let regularisation: Regularisation

    public init(vocabularySize: Int, embeddingDim: Int, cell: CellKind, layers: Int, bidirectional: Bool,
                dropout: Float, regularisation: Regularisation = Regularisation(), padId: Int, rng: inout RandomSource) {
        self.regularisation = regularisation
        embedding = Embedding(vocabularySize: vocabularySize, dimension: embeddingDim, padIndex: padId, name: "embedding", rng: &rng)
        encoder = RecurrentEncoder(cell: cell, inputSize: embeddingDim, hiddenSize: embeddingDim, layers: layers,
                                   bidirectional: bidirectional, dropout: dropout, lockedDropout: regularisation.lockedDropout,
                                   weightDrop: regularisation.weightDrop, name: cell.parameterPrefix, rng: &rng)
        decoders = (0..<(bidirectional ? 2 : 1)).map { d in
            TiedSoftmax(vocabularySize: vocabularySize, name: d == 0 ? "decoder.bias" : "decoder.bias_reverse", excluded: padId)
        }
        self.dropout = Dropout(probability: dropout)
        parameters = embedding.parameters + encoder.parameters + decoders.flatMap(\.parameters)
    }

    /// Buffers of a step, kept between batches.
    public final class Workspace {
        let tokens = TokenRows()
        let rows = Tensor([0])            // [U, E]
        let encoder: RecurrentWorkspace
        let states = Tensor([0])          // [N, H] the predicting states of one direction
        let dropoutMask = Tensor([0])     // [N, H]
        let dropped = Tensor([0])         // [N, H]
        let dOutput = Tensor([0])         // [T, B, D*H]
        let softmax = TiedSoftmax.Workspace()
        let dropouts = InputOutputDropout()
        var positions: [Int] = []         // time-major position of each predicting state
        var targets: [Int32] = []
        init(_ encoder: RecurrentWorkspace) { self.encoder = encoder }
    }

    public func makeWorkspace() -> Workspace { Workspace(encoder.makeWorkspace()) }

    /// Predictions a batch holds: per sequence, length - 1 per direction.
    public func targetCount(_ batch: Batch) -> Int {
        batch.lengths.reduce(0) { $0 + max($1 - 1, 0) } * decoders.count
    }

    /// Forward, loss and backward of one batch: accumulates every gradient and returns the mean
    /// loss per predicted token over both directions. Dropout draws, in the classifier's order:
    /// token dropout, embedding dropout, the input lock, the encoder (weight-drop, then its
    /// layers), the output lock; then the forward direction's states, then the backward's.
    public func lossAndGradients(_ batch: Batch, workspace ws: Workspace, rng: inout RandomSource) -> Float {
        let count = targetCount(batch)
        guard count > 0 else { return 0 }
        let g = regularisation
        let read = g.tokenDropout > 0 ? TokenDropout.apply(batch, probability: g.tokenDropout, unknownId: 1, rng: &rng) : batch
        ws.tokens.rebuild(read, vocabularySize: embedding.vocabularySize)
        let rows = ws.dropouts.dropEmbedding(embedding.forward(ws.tokens, into: ws.rows), probability: g.embeddingDropout, rng: &rng)
        let encoderInput = ws.dropouts.lockInput(rows, tokens: ws.tokens, batch: batch, probability: g.lockedDropout, rng: &rng)
        let r = encoder.forward(encoderInput, mask: batch.mask, workspace: ws.encoder, rng: &rng)
        let output = ws.dropouts.lockOutput(r.output, batchSize: batch.size, probability: g.lockedDropout, rng: &rng)
        let dOutput = ws.dOutput.resizeZeroed(r.output.shape)
        let scale = 1 / Float(count)
        var total = 0.0
        for d in decoders.indices {
            gatherStates(batch, output: output, direction: d, workspace: ws)
            var input = ws.states
            if dropout.probability > 0 {
                dropout.forward(ws.states, mask: ws.dropoutMask, into: ws.dropped, rng: &rng)
                input = ws.dropped
            }
            total += decoders[d].forward(input, targets: ws.targets, table: embedding.weight.value, workspace: ws.softmax)
            let dInput = decoders[d].backward(input, targets: ws.targets, table: embedding.weight, scale: scale, workspace: ws.softmax)
            if dropout.probability > 0 { dropout.backward(dInput, mask: ws.dropoutMask, into: dInput) }
            scatter(dInput, into: dOutput, direction: d, workspace: ws)
        }
        let loss = Float(total / Double(count))
        guard loss.isFinite else { return loss }
        ws.dropouts.lockOutputBackward(dOutput, probability: g.lockedDropout)
        let dInput = encoder.backward(dOutput, dFinalHidden: nil, dFinalCell: nil, cache: r.cache, workspace: ws.encoder)
        let dRows = ws.dropouts.lockInputBackward(dInput, tokens: ws.tokens, rowShape: ws.rows.shape, probability: g.lockedDropout)
        embedding.backward(rowGradient: ws.dropouts.embeddingBackward(dRows, probability: g.embeddingDropout), tokens: ws.tokens)
        return loss
    }

    /// The summed loss and the number of predicted tokens of a batch, without dropout, on an
    /// encoder plan of the current weights (`encoder.makePlan()`).
    public func evaluate(_ batch: Batch, plan: RecurrentEncoder.Plan, workspace ws: Workspace) -> (loss: Double, count: Int) {
        let count = targetCount(batch)
        guard count > 0 else { return (0, 0) }
        ws.tokens.rebuild(batch, vocabularySize: embedding.vocabularySize)
        let rows = embedding.forward(ws.tokens, into: ws.rows)
        let output = plan.run(.layer(.rows(rows, ws.tokens)), mask: batch.mask, workspace: ws.encoder)
        var total = 0.0
        for d in decoders.indices {
            gatherStates(batch, output: output, direction: d, workspace: ws)
            total += decoders[d].forward(ws.states, targets: ws.targets, table: embedding.weight.value, workspace: ws.softmax)
        }
        return (total, count)
    }

    /// The states of direction d that predict a token, `[N, H]`, time-major, and their targets:
    /// forward, the state at t predicts t+1; backward, the state at t predicts t-1.
    func gatherStates(_ batch: Batch, output: Tensor, direction d: Int, workspace ws: Workspace) {
        let b = batch.size, h = encoder.hiddenSize, width = encoder.outputSize
        let lengths = batch.lengths
        ws.positions.removeAll(keepingCapacity: true)
        ws.targets.removeAll(keepingCapacity: true)
        for t in 0..<batch.steps {
            for j in 0..<b {
                let ok = d == 0 ? t + 1 < lengths[j] : t >= 1 && t < lengths[j]
                guard ok else { continue }
                ws.positions.append(t * b + j)
                ws.targets.append(batch.ids[(d == 0 ? t + 1 : t - 1) * b + j])
            }
        }
        let states = ws.states.resize([ws.positions.count, h])
        for (i, p) in ws.positions.enumerated() {
            (states.data + i * h).update(from: output.data + p * width + d * h, count: h)
        }
    }

    /// dOutput[position, direction d] = dStates rows (the other positions stay zero).
    func scatter(_ dStates: Tensor, into dOutput: Tensor, direction d: Int, workspace ws: Workspace) {
        let h = encoder.hiddenSize, width = encoder.outputSize
        for (i, p) in ws.positions.enumerated() {
            (dOutput.data + p * width + d * h).update(from: dStates.data + i * h, count: h)
        }
    }
}
