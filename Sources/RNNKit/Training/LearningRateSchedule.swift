import Foundation

/// The learning rate for each optimizer step.
///
/// - `constant`: `baseLR`.
/// - `step`: `baseLR * gamma^(epoch / stepSize)` (epochs counted from 0): decays every `stepSize` epochs.
/// - `cosine`: after warmup, `minLR + (baseLR - minLR) * (1 + cos(pi * p)) / 2` with
///   `p = (step - warmupSteps) / (totalSteps - warmupSteps)` clamped to [0, 1]: `baseLR` right after
///   warmup, `minLR` at `totalSteps` and after.
/// - `plateau`: `max(minLR, baseLR * factorSoFar)`; `observe` multiplies the factor by `factor`
///   once more than `patience` epochs in a row fail to improve on the best metric (PyTorch's
///   `ReduceLROnPlateau` with threshold 0, cooldown 0), then counts bad epochs from zero again.
///
/// - `slanted_triangular` (Howard & Ruder 2018, eq. 3): with `cut = floor(totalSteps * cutFraction)`,
///   `p = step / cut` before the cut and `1 - (step - cut) / (cut * (1 / cutFraction - 1))` after,
///   the rate is `baseLR * (1 + p * (ratio - 1)) / ratio`: up from `baseLR / ratio` to `baseLR`
///   over the first `cutFraction` of the run, then linearly down to `baseLR / ratio`.
///
/// Warmup (all kinds): for the first `warmupSteps` steps (0-based `step`) the rate is scaled by
/// `(step + 1) / warmupSteps`, a linear ramp reaching the full rate at step `warmupSteps - 1`.
public struct LearningRateSchedule: Equatable {
    public enum Kind: String, CaseIterable, Sendable {
        case constant, step, cosine, plateau
        case slantedTriangular = "slanted_triangular"
    }

    public var kind: Kind
    public var baseLR: Float
    public var stepSize: Int
    public var gamma: Float
    public var warmupSteps: Int
    public var minLR: Float
    public var totalSteps: Int
    public var patience: Int
    public var factor: Float
    public var cutFraction: Double = ScheduleConfig().cutFraction
    public var ratio: Double = ScheduleConfig().ratio

    /// Plateau state: the product of reductions so far, the best metric seen, bad epochs since.
    public private(set) var currentFactor: Double = 1
    public private(set) var best: Double?
    public private(set) var badEpochs: Int = 0

    /// Defaults are the config's (`ScheduleConfig`), so the two cannot disagree.
    public init(kind: Kind, baseLR: Float, stepSize: Int = ScheduleConfig().stepSize,
                gamma: Float = Float(ScheduleConfig().gamma), warmupSteps: Int = ScheduleConfig().warmupSteps,
                minLR: Float = Float(ScheduleConfig().minLR), totalSteps: Int = 0,
                patience: Int = ScheduleConfig().patience, factor: Float = Float(ScheduleConfig().factor),
                state: [String: Double]? = nil) {
        self.kind = kind
        self.baseLR = baseLR
        self.stepSize = stepSize
        self.gamma = gamma
        self.warmupSteps = warmupSteps
        self.minLR = minLR
        self.totalSteps = totalSteps
        self.patience = patience
        self.factor = factor
        if let state {
            if let f = state["factor"], f.isFinite, f > 0 { currentFactor = f }
            if let b = state["best"], !b.isNaN { best = b }
            if let n = state["bad_epochs"], n.isFinite, n >= 0 { badEpochs = Int(n) }
        }
    }

    /// The schedule a run's training section describes, over `totalSteps` optimizer steps;
    /// `state` (from a checkpoint) restores the plateau bookkeeping.
    public init(config t: TrainingConfig, totalSteps: Int, state: [String: Double]? = nil) {
        let s = t.schedule
        self.init(kind: s.kind, baseLR: Float(t.lr), stepSize: s.stepSize, gamma: Float(s.gamma),
                  warmupSteps: s.warmupSteps, minLR: Float(s.minLR), totalSteps: totalSteps,
                  patience: s.patience, factor: Float(s.factor), state: state)
        cutFraction = s.cutFraction
        ratio = s.ratio
    }

    /// What resuming needs: `factor`, `bad_epochs`, and `best` once a metric has been observed.
    public var state: [String: Double] {
        var s: [String: Double] = ["factor": currentFactor, "bad_epochs": Double(badEpochs)]
        if let best { s["best"] = best }
        return s
    }

    /// The rate for 0-based global step `step` in 0-based epoch `epoch`.
    public func learningRate(step: Int, epoch: Int) -> Float {
        let base = Double(baseLR), low = Double(minLR)
        let inWarmup = warmupSteps > 0 && step < warmupSteps
        let warmup = inWarmup ? Double(max(step, 0) + 1) / Double(warmupSteps) : 1
        let rate: Double
        switch kind {
        case .constant:
            rate = base
        case .step:
            rate = base * pow(Double(gamma), Double(max(epoch, 0) / max(stepSize, 1)))
        case .cosine:
            let span = totalSteps - warmupSteps
            let progress = span <= 0 ? 1 : min(1, max(0, Double(step - warmupSteps) / Double(span)))
            rate = inWarmup ? base : low + (base - low) * 0.5 * (1 + cos(Double.pi * progress))
        case .plateau:
            rate = max(low, base * currentFactor)
        case .slantedTriangular:
            let cut = max(1, Int((Double(totalSteps) * cutFraction).rounded(.down)))
            let s = max(step, 0)
            let p = s < cut ? Double(s) / Double(cut)
                            : max(0, 1 - Double(s - cut) / (Double(cut) * (1 / cutFraction - 1)))
            rate = base * (1 + p * (ratio - 1)) / ratio
        }
        return Float(rate * warmup)
    }

    /// Records an epoch's validation metric. Only `plateau` changes its rate; every kind keeps `best`.
    /// A NaN metric counts as a bad epoch.
    public mutating func observe(metric: Double, higherIsBetter: Bool) {
        let improved: Bool
        if metric.isNaN {
            improved = false
        } else if let best {
            improved = higherIsBetter ? metric > best : metric < best
        } else {
            improved = true
        }
        if improved {
            best = metric
            badEpochs = 0
            return
        }
        badEpochs += 1
        if kind == .plateau && badEpochs > patience {
            currentFactor *= Double(factor)
            badEpochs = 0
        }
    }
}
