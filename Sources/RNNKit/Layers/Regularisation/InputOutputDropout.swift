/// The regularisers around a recurrent encoder (`Regularisation`), forward and backward side by
/// side, with the buffers they keep between the two: embedding dropout of the distinct rows, locked
/// dropout of the encoder's input and of its output. One value serves the classifier
/// (`TextClassifier`) and the language model (`LanguageModel`), which apply them in the same order,
/// so a pretrained encoder was regularised the way its fine-tuned classifier is.
///
/// Draws, when on: one per distinct token (embedding dropout), then `[B, E]` (input lock), then,
/// after the encoder, `[B, D*H]` (output lock). Buffers are sized on first use and reused.
final class InputOutputDropout {
    let embeddingMask = Tensor([0])       // [U]  embedding dropout's scale per distinct token
    let droppedRows = Tensor([0])         // [U, E]
    let droppedRowGradient = Tensor([0])  // [U, E]  the table rows' gradient (masked)
    let lockedInput = Tensor([0])         // [T, B, E]  the encoder's input, per position, locked-dropped
    let inputLock = Tensor([0])           // [B, E]
    let outputLock = Tensor([0])          // [B, D*H]
    let lockedOutput = Tensor([0])        // [T, B, D*H]  what reads the encoder
    let lockedRowGradient = Tensor([0])   // [U, E]

    /// The rows with whole token types dropped (`p` > 0), else `rows`.
    func dropEmbedding(_ rows: Tensor, probability p: Float, rng: inout RandomSource) -> Tensor {
        guard p > 0 else { return rows }
        EmbeddingDropout(probability: p).forward(rows, mask: embeddingMask, into: droppedRows, rng: &rng)
        return droppedRows
    }

    /// The table rows' gradient through embedding dropout (`dRows` itself when off).
    func embeddingBackward(_ dRows: Tensor, probability p: Float) -> Tensor {
        guard p > 0 else { return dRows }
        EmbeddingDropout.backward(dRows, mask: embeddingMask, into: droppedRowGradient)
        return droppedRowGradient
    }

    /// The encoder's input: the distinct rows (`p` = 0), or, with locked dropout, the rows gathered
    /// per position `[T, B, E]` and masked per sequence (positions no longer share a row).
    func lockInput(_ rows: Tensor, tokens: TokenRows, batch: Batch, probability p: Float, rng: inout RandomSource) -> LayerInput {
        guard p > 0 else { return .rows(rows, tokens) }
        let e = rows.shape[1]
        tokens.gather(rows.data, width: e, into: lockedInput.resize([batch.steps, batch.size, e]).data)
        LockedDropout(probability: p).drawMask(batchSize: batch.size, width: e, into: inputLock, rng: &rng)
        LockedDropout.forward(lockedInput, mask: inputLock, into: lockedInput)
        return .dense(lockedInput)
    }

    /// Back from the encoder's per-position input gradient to the distinct rows: masked, then
    /// summed per row into `[U, E]` (`dInput` itself when off). `dInput` is overwritten.
    func lockInputBackward(_ dInput: Tensor, tokens: TokenRows, rowShape: [Int], probability p: Float) -> Tensor {
        guard p > 0 else { return dInput }
        LockedDropout.backward(dInput, mask: inputLock, into: dInput)
        lockedRowGradient.resizeZeroed(rowShape)
        tokens.accumulate(dInput.data, width: rowShape[1], into: lockedRowGradient.data)
        return lockedRowGradient
    }

    /// The encoder's output `[T, B, W]` masked per sequence (`output` itself when off).
    func lockOutput(_ output: Tensor, batchSize: Int, probability p: Float, rng: inout RandomSource) -> Tensor {
        guard p > 0 else { return output }
        LockedDropout(probability: p).drawMask(batchSize: batchSize, width: output.shape[2], into: outputLock, rng: &rng)
        LockedDropout.forward(output, mask: outputLock, into: lockedOutput)
        return lockedOutput
    }

    /// The output lock's backward, in place on `dOutput`.
    func lockOutputBackward(_ dOutput: Tensor, probability p: Float) {
        if p > 0 { LockedDropout.backward(dOutput, mask: outputLock, into: dOutput) }
    }
}
