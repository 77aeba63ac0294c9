import Foundation

/// `rnn-predict --logits`: the model's raw scores before softmax, at full float precision, for
/// comparing with another implementation (scripts/interop_check.py compares them with PyTorch's).
extension LinePredictor {
    /// Logits per text (`[texts.count][classes]`), in input order. The texts form one batch: a
    /// line's logits do not depend on its batch (the inference path is padding- and batch-invariant).
    public func logits(_ texts: [String]) -> [[Float]] {
        guard !texts.isEmpty else { return [] }
        let k = trained.labels.count
        let flat = plan.mapBatches(trained.encode(texts), batchSize: batchSize, padId: trained.vocabulary.padId) { $1 }
        return texts.indices.map { Array(flat[$0 * k..<($0 + 1) * k]) }
    }

    /// `LABEL<TAB>logit_0<TAB>...<TAB>logit_{C-1}` (class order, `%.9g`: enough digits to give the
    /// float back), or with `--json` `{"label": LABEL, "logits": [...]}`. LABEL is the arg-max
    /// (the first on ties), the label the other formats print.
    func logitsLine(_ logits: [Float]) -> String {
        var best = 0
        for c in logits.indices where logits[c] > logits[best] { best = c }
        let values = logits.map { String(format: "%.9g", Double($0)) }
        let label = trained.labels[best]
        if format.json { return "{\"label\": \(JSONValue.quoted(label)), \"logits\": [\(values.joined(separator: ", "))]}" }
        return ([label] + values).joined(separator: "\t")
    }
}
