/// Counts of (actual, predicted) label pairs for single-label classification.
///
/// Stored sparsely, so 100,000 classes cost three arrays of K counts plus one
/// entry per distinct confusion, never K x K: the row sums (support), the
/// column sums (predictions per class) and the diagonal (correct per class)
/// are kept as dense arrays, and only the off-diagonal cells that occur are
/// kept in a dictionary. Every per-class score is O(1), every average O(K).
///
/// Conventions for empty cases (defined, never NaN): a class that is never
/// predicted has precision 0; a class with no examples (support 0) has recall
/// 0; F1 is 0 whenever precision + recall is 0. Macro averages are plain means
/// over all `classCount` classes, such classes included. Micro averages pool
/// all decisions: for single-label data micro precision, recall and F1 all
/// equal accuracy.
public struct ConfusionMatrix: Equatable {
    /// One non-zero cell of the matrix.
    public struct Cell: Equatable {
        public let actual: Int
        public let predicted: Int
        public let count: Int
    }

    public let classCount: Int
    /// Examples per actual class (the row sums).
    public private(set) var supports: [Int]
    /// Examples per predicted class (the column sums).
    public private(set) var predictedCounts: [Int]
    /// Correct predictions per class (the diagonal).
    public private(set) var correctCounts: [Int]
    /// Off-diagonal cells that occur, keyed by `actual * classCount + predicted`.
    private var confusions: [Int: Int] = [:]
    public private(set) var total = 0
    public private(set) var correct = 0

    public init(classCount: Int) {
        self.classCount = classCount
        supports = [Int](repeating: 0, count: classCount)
        predictedCounts = supports
        correctCounts = supports
    }

    /// Labels must lie in `0..<classCount` (the data reader checks labels against the label set).
    public mutating func add(predicted: Int, actual: Int, count: Int = 1) {
        precondition((0..<classCount).contains(predicted) && (0..<classCount).contains(actual),
                     "label out of range: predicted \(predicted), actual \(actual), \(classCount) classes")
        supports[actual] += count
        predictedCounts[predicted] += count
        total += count
        if actual == predicted {
            correctCounts[actual] += count
            correct += count
        } else {
            confusions[actual * classCount + predicted, default: 0] += count
        }
    }

    /// Adds another matrix's counts (e.g. from a parallel evaluation shard).
    public mutating func merge(_ other: ConfusionMatrix) {
        precondition(other.classCount == classCount)
        for i in 0..<classCount {
            supports[i] += other.supports[i]
            predictedCounts[i] += other.predictedCounts[i]
            correctCounts[i] += other.correctCounts[i]
        }
        for (key, n) in other.confusions { confusions[key, default: 0] += n }
        total += other.total
        correct += other.correct
    }

    /// The count of one cell.
    public func count(actual: Int, predicted: Int) -> Int {
        actual == predicted ? correctCounts[actual] : confusions[actual * classCount + predicted] ?? 0
    }

    /// Every non-zero cell, diagonal included, by actual then predicted class.
    public var cells: [Cell] {
        var all = confusions.map { Cell(actual: $0.key / classCount, predicted: $0.key % classCount, count: $0.value) }
        for i in 0..<classCount where correctCounts[i] > 0 { all.append(Cell(actual: i, predicted: i, count: correctCounts[i])) }
        return all.sorted { ($0.actual, $0.predicted) < ($1.actual, $1.predicted) }
    }

    /// Distinct off-diagonal cells that occur.
    public var confusionCellCount: Int { confusions.count }

    /// The `n` most frequent confusions (actual != predicted): by count, then actual, then predicted class.
    public func topConfusions(_ n: Int) -> [Cell] {
        confusions.map { Cell(actual: $0.key / classCount, predicted: $0.key % classCount, count: $0.value) }
            .sorted { $0.count != $1.count ? $0.count > $1.count : ($0.actual, $0.predicted) < ($1.actual, $1.predicted) }
            .prefix(n).map { $0 }
    }

    /// The full matrix as rows (`[actual][predicted]`): K x K memory, for small K only.
    public func denseCounts() -> [[Int]] {
        var rows = [[Int]](repeating: [Int](repeating: 0, count: classCount), count: classCount)
        for cell in cells { rows[cell.actual][cell.predicted] = cell.count }
        return rows
    }

    public var accuracy: Double { total == 0 ? 0 : Double(correct) / Double(total) }

    /// Examples whose actual label is `label`.
    public func support(_ label: Int) -> Int { supports[label] }
    /// Examples predicted as `label`.
    public func predictedCount(_ label: Int) -> Int { predictedCounts[label] }

    public func precision(_ label: Int) -> Double {
        let predicted = predictedCounts[label]
        return predicted == 0 ? 0 : Double(correctCounts[label]) / Double(predicted)
    }

    public func recall(_ label: Int) -> Double {
        let s = supports[label]
        return s == 0 ? 0 : Double(correctCounts[label]) / Double(s)
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
