/// Which epoch is the best so far, and whether early stopping has run out of patience.
///
/// Scores are oriented so that higher is better: the trainer passes accuracy or macro-F1 as
/// they are and a loss negated. Without a dev set the score is the negated training loss, so
/// `best.ckpt` is the epoch with the lowest training loss (early stopping then cannot be on:
/// the config refuses it). The state lives in `TrainingProgress` (`progress.best`), so it is
/// saved in every checkpoint in the format checkpoints have always used.
public struct BestTracker: Equatable {
    public var metric: Double?
    public var epoch: Int
    public var epochsWithoutImprovement: Int
    public var stopped: Bool

    /// Records epoch `epoch`'s score; true when it beats every earlier epoch (the first always
    /// does). With `patience` > 0, `stopped` turns true once that many epochs in a row did not.
    public mutating func observe(_ score: Double, epoch: Int, patience: Int) -> Bool {
        let improved = metric.map { score > $0 } ?? true
        if improved {
            metric = score
            self.epoch = epoch
            epochsWithoutImprovement = 0
        } else {
            epochsWithoutImprovement += 1
        }
        if patience > 0 && epochsWithoutImprovement >= patience { stopped = true }
        return improved
    }
}
