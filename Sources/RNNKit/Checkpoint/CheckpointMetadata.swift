/// What a checkpoint carries besides tensors, filled by the trainer.
///
/// Deliberately plain: a string dictionary for everything scalar or already
/// serialised (the resolved config JSON text, tokenizer settings, epoch, step,
/// best metric, RNG state words, schedule state, optimizer kind and step count),
/// plus the vocabulary tokens and label names as string arrays. The format does
/// not interpret any of it.
public struct CheckpointMetadata: Codable, Equatable {
    public var values: [String: String]
    public var vocabulary: [String]
    public var labels: [String]

    public init(values: [String: String] = [:], vocabulary: [String] = [], labels: [String] = []) {
        self.values = values
        self.vocabulary = vocabulary
        self.labels = labels
    }

    public subscript(key: String) -> String? {
        get { values[key] }
        set { values[key] = newValue }
    }
}
