/// Scores of a multi-label classifier: per-label precision, recall and F1, their micro and macro
/// averages, subset accuracy and Hamming loss (scikit-learn's definitions).
///
/// Conventions as for `ConfusionMatrix`: precision 0 when a label is never predicted, recall 0 when
/// it never occurs, F1 0 when both are 0; macro averages are plain means over all K labels.
/// Micro averages pool the counts of every label. Subset accuracy: rows whose predicted set equals
/// the gold set exactly. Hamming loss: wrong (row, label) decisions over N x K.
public struct MultiLabelMetrics: Equatable, Sendable {
    public let labelCount: Int
    public private(set) var truePositives: [Int]
    public private(set) var falsePositives: [Int]
    public private(set) var falseNegatives: [Int]
    public private(set) var rows = 0
    public private(set) var exactRows = 0

    public init(labelCount: Int) {
        self.labelCount = labelCount
        truePositives = [Int](repeating: 0, count: labelCount)
        falsePositives = truePositives
        falseNegatives = truePositives
    }

    /// Adds one row: the predicted and gold label sets (ids in 0..<labelCount).
    public mutating func add(predicted: Set<Int>, actual: Set<Int>) {
        precondition((predicted.union(actual)).allSatisfy { $0 >= 0 && $0 < labelCount }, "label outside 0..<\(labelCount)")
        for label in predicted { if actual.contains(label) { truePositives[label] += 1 } else { falsePositives[label] += 1 } }
        for label in actual where !predicted.contains(label) { falseNegatives[label] += 1 }
        rows += 1
        if predicted == actual { exactRows += 1 }
    }

    /// Labels whose probability is at least their threshold (`thresholds` holds one value, used for
    /// every label, or one per label). `probabilities` is one row of K values.
    public static func decide(_ probabilities: UnsafePointer<Float>, labelCount k: Int, thresholds: [Float]) -> Set<Int> {
        precondition(thresholds.count == 1 || thresholds.count == k, "\(thresholds.count) thresholds for \(k) labels")
        var out = Set<Int>()
        for j in 0..<k where probabilities[j] >= thresholds[thresholds.count == 1 ? 0 : j] { out.insert(j) }
        return out
    }

    public func precision(_ label: Int) -> Double { ratio(truePositives[label], truePositives[label] + falsePositives[label]) }
    public func recall(_ label: Int) -> Double { ratio(truePositives[label], truePositives[label] + falseNegatives[label]) }
    public func f1(_ label: Int) -> Double { Self.f1(precision(label), recall(label)) }
    public func support(_ label: Int) -> Int { truePositives[label] + falseNegatives[label] }

    public var microPrecision: Double { ratio(sum(truePositives), sum(truePositives) + sum(falsePositives)) }
    public var microRecall: Double { ratio(sum(truePositives), sum(truePositives) + sum(falseNegatives)) }
    public var microF1: Double { Self.f1(microPrecision, microRecall) }
    public var macroPrecision: Double { mean(precision) }
    public var macroRecall: Double { mean(recall) }
    public var macroF1: Double { mean(f1) }
    public var subsetAccuracy: Double { ratio(exactRows, rows) }
    public var hammingLoss: Double { ratio(sum(falsePositives) + sum(falseNegatives), rows * labelCount) }

    static func f1(_ p: Double, _ r: Double) -> Double { p + r == 0 ? 0 : 2 * p * r / (p + r) }
    private func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? 0 : Double(a) / Double(b) }
    private func sum(_ xs: [Int]) -> Int { xs.reduce(0, +) }
    private func mean(_ f: (Int) -> Double) -> Double {
        labelCount == 0 ? 0 : (0..<labelCount).reduce(0.0) { $0 + f($1) } / Double(labelCount)
    }

    /// One threshold per label, chosen on dev: for each label, the candidate that maximises that
    /// label's F1 (prediction: probability >= threshold). Ties go to the candidate closest to
    /// `fallback` (0.5), then to the smaller one, so a label F1 cannot tell apart (e.g. no positive on
    /// dev) keeps the usual threshold. `probabilities` is `[N * K]` row-major; deterministic.
    public static func tuneThresholds(probabilities: [Float], targets: [Set<Int>], labelCount k: Int,
                                      candidates: [Float] = defaultCandidates, fallback: Float = 0.5) -> [Float] {
        let n = targets.count
        precondition(probabilities.count == n * k, "\(probabilities.count) probabilities for \(n) x \(k)")
        precondition(!candidates.isEmpty, "no candidate thresholds")
        let sorted = candidates.sorted()
        return (0..<k).map { label in
            var best = sorted[0], bestF1 = -1.0
            for threshold in sorted {
                var tp = 0, fp = 0, fn = 0
                for row in 0..<n {
                    let predicted = probabilities[row * k + label] >= threshold, gold = targets[row].contains(label)
                    if predicted && gold { tp += 1 } else if predicted { fp += 1 } else if gold { fn += 1 }
                }
                let f = tp == 0 ? 0 : 2 * Double(tp) / Double(2 * tp + fp + fn)
                if f > bestF1 || (f == bestF1 && abs(threshold - fallback) < abs(best - fallback)) {
                    best = threshold
                    bestF1 = f
                }
            }
            return best
        }
    }

    /// 0.05, 0.10, ..., 0.95.
    public static let defaultCandidates: [Float] = (1...19).map { Float($0) / 20 }
}
