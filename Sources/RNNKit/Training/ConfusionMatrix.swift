/// Counts of (actual, predicted) label pairs for single-label classification.
///
/// `counts[actual][predicted]`. Conventions for empty cases (defined, never NaN):
/// a class that is never predicted has precision 0; a class with no examples
/// (support 0) has recall 0; F1 is 0 whenever precision + recall is 0. Macro
/// averages are plain means over all `classCount` classes, such classes included.
/// Micro averages pool all decisions: for single-label data micro precision,
/// recall and F1 all equal accuracy.
public struct ConfusionMatrix: Equatable {
    public let classCount: Int
    public private(set) var counts: [[Int]]

    public init(classCount: Int) {
        self.classCount = classCount
        self.counts = Array(repeating: Array(repeating: 0, count: classCount), count: classCount)
    }

    /// Labels must lie in `0..<classCount` (the data reader checks labels against the label set).
    public mutating func add(predicted: Int, actual: Int, count: Int = 1) {
        precondition((0..<classCount).contains(predicted) && (0..<classCount).contains(actual),
                     "label out of range: predicted \(predicted), actual \(actual), \(classCount) classes")
        counts[actual][predicted] += count
    }

    /// Adds another matrix's counts (e.g. from a parallel evaluation shard).
    public mutating func merge(_ other: ConfusionMatrix) {
        precondition(other.classCount == classCount)
        for a in 0..<classCount { for p in 0..<classCount { counts[a][p] += other.counts[a][p] } }
    }

    public var total: Int { counts.reduce(0) { $0 + $1.reduce(0, +) } }
    public var correct: Int { (0..<classCount).reduce(0) { $0 + counts[$1][$1] } }
    public var accuracy: Double { total == 0 ? 0 : Double(correct) / Double(total) }

    /// Examples whose actual label is `label`.
    public func support(_ label: Int) -> Int { counts[label].reduce(0, +) }
    /// Examples predicted as `label`.
    public func predictedCount(_ label: Int) -> Int { counts.reduce(0) { $0 + $1[label] } }

    public func precision(_ label: Int) -> Double {
        let predicted = predictedCount(label)
        return predicted == 0 ? 0 : Double(counts[label][label]) / Double(predicted)
    }

    public func recall(_ label: Int) -> Double {
        let s = support(label)
        return s == 0 ? 0 : Double(counts[label][label]) / Double(s)
    }

    public func f1(_ label: Int) -> Double { Self.f1(precision(label), recall(label)) }

    static func f1(_ p: Double, _ r: Double) -> Double { p + r == 0 ? 0 : 2 * p * r / (p + r) }

    private func mean(_ f: (Int) -> Double) -> Double {
        classCount == 0 ? 0 : (0..<classCount).reduce(0.0) { $0 + f($1) } / Double(classCount)
    }

    public var macroPrecision: Double { mean(precision) }
    public var macroRecall: Double { mean(recall) }
    /// Mean of the per-class F1 scores (scikit-learn's `f1_score(average="macro")`).
    public var macroF1: Double { mean(f1) }

    /// Pooled true positives over pooled predictions: equal to accuracy for single-label data.
    public var microPrecision: Double { accuracy }
    public var microRecall: Double { accuracy }
    public var microF1: Double { Self.f1(microPrecision, microRecall) }
}
