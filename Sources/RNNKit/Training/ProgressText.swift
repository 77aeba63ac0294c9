import Foundation

/// Where the trainer's live progress goes. The command line passes its terminal line
/// (`ProgressLine`, CLI/Terminal.swift); tests and benchmarks pass `SilentProgress`.
public protocol ProgressSink: AnyObject {
    /// True when updates are cheap to show (a terminal): the trainer then updates every step;
    /// otherwise every `training.log_every` steps.
    var isLive: Bool { get }
    func update(_ text: String)
    /// Ends the live line, replaced by `text` when given.
    func finish(_ text: String?)
}

/// Shows nothing.
public final class SilentProgress: ProgressSink {
    public init() {}
    public var isLive: Bool { false }
    public func update(_ text: String) {}
    public func finish(_ text: String?) {}
}

/// The texts of training progress: the live line with its ETA and the line that ends an epoch.
enum ProgressText {
    /// `epoch 2/8  batch 40/63  loss 0.4123  5230 ex/s  ETA 0m12s`.
    static func liveLine(epoch: Int, epochs: Int, batch: Int, batches: Int, meanLoss: Double,
                         examplesPerSecond: Double, batchSize: Int) -> String {
        let remaining = Double(batches - batch) * Double(batchSize) / max(examplesPerSecond, 1e-9)
        return String(format: "epoch %d/%d  batch %d/%d  loss %.4f  %.0f ex/s  ETA %@",
                      epoch, epochs, batch, batches, meanLoss, examplesPerSecond, duration(remaining))
    }

    /// `epoch 2/8  train loss 0.4123  dev loss ...  lr 0.001  3.2s  (best)`.
    static func epochLine(_ record: EpochRecord, epochs: Int, improved: Bool, metrics: [String]) -> String {
        var line = String(format: "epoch %d/%d  train loss %.4f", record.epoch, epochs, record.trainLoss)
        if let l = record.devLoss { line += String(format: "  dev loss %.4f", l) }
        line += metricsText(record.devMetrics, order: metrics)
        line += String(format: "  lr %.3g  %.1fs", record.learningRate, record.seconds)
        if improved { line += "  (best)" }
        return line
    }

    /// `  accuracy 0.8512  macro-F1 0.8490` for the metrics present, in `order`.
    static func metricsText(_ values: [String: Double], order: [String]) -> String {
        order.compactMap { name in
            values[name].map { "  " + (name.hasSuffix("_f1") ? name.dropLast(3) + "-F1" : name.replacingOccurrences(of: "_", with: " "))
                + String(format: " %.4f", $0) }
        }.joined()
    }

    /// `1m05s`, `2h03m`.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%dh%02dm", s / 3600, s / 60 % 60) : String(format: "%dm%02ds", s / 60, s % 60)
    }
}
