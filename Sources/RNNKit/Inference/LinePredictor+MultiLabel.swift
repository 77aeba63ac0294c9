import Foundation

/// `rnn-predict` on a multi-label model: every label whose sigmoid probability reaches its
/// threshold (the model's, or `--threshold`), most probable first.
extension LinePredictor {
    /// The thresholds to decide with; the options that do not fit the model are usage errors
    /// (exit 2): `--threshold` on a single-label model, `--top-k` on a multi-label one.
    static func thresholds(_ trained: TrainedModel, format: PredictionFormat) throws -> [Float] {
        guard trained.isMultiLabel else {
            if format.threshold != nil {
                throw RNNError.usage("--threshold applies to multi-label models (trained with data.multi_label); "
                                     + "this one predicts one label per text")
            }
            return []
        }
        if format.topK > 1 {
            throw RNNError.usage("--top-k applies to single-label models; this one is multi-label and writes every label "
                                 + "whose probability reaches its threshold (--threshold)")
        }
        if let t = format.threshold {
            guard t > 0 && t < 1 else { throw RNNError.usage("--threshold must be in (0, 1), got \(t)") }
            return [t]
        }
        return trained.thresholds
    }

    /// `LABEL<TAB>PROB` for each label at or above its threshold, most probable first (ties in
    /// label order), nothing when none is; `--probs` adds NAME=PROB for every label. With
    /// `--json`: `{"labels": [{"label", "prob"}, ...], "probs": {...}}`.
    func multiLabelLine(_ probabilities: [Float]) -> String {
        let chosen = probabilities.withUnsafeBufferPointer {
            MultiLabelMetrics.decide($0.baseAddress!, labelCount: probabilities.count, thresholds: thresholds)
        }.sorted { probabilities[$0] != probabilities[$1] ? probabilities[$0] > probabilities[$1] : $0 < $1 }
        let names = trained.labels
        func p(_ x: Float) -> String { String(format: "%.6f", x) }
        if format.json {
            var s = "{\"labels\": [" + chosen.map { "{\"label\": \(JSONValue.quoted(names[$0])), \"prob\": \(p(probabilities[$0]))}" }
                .joined(separator: ", ") + "]"
            if format.allProbabilities {
                s += ", \"probs\": {" + names.indices.map { "\(JSONValue.quoted(names[$0])): \(p(probabilities[$0]))" }
                    .joined(separator: ", ") + "}"
            }
            return s + "}"
        }
        var fields = chosen.flatMap { [LabelText.forTSV(names[$0]), p(probabilities[$0])] }
        if format.allProbabilities {
            fields += names.indices.map { "\(LabelText.forTSV(names[$0]))=\(p(probabilities[$0]))" }
        }
        return fields.joined(separator: "\t")
    }
}
