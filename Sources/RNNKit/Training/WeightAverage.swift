/// An exponential moving average of the dense parameters (Polyak averaging, as AWD-LSTM's
/// averaged SGD and most modern recipes keep one): after every optimizer step
/// `avg += (1 - decay) * (w - avg)`, element by element on the calling thread (bitwise the same
/// for any thread count). Dev evaluation and best.ckpt use the average; training goes on with
/// the live weights. The average starts at the initial weights; frozen parameters are never
/// updated, so their average stays their value exactly.
///
/// Its state is one tensor per parameter, saved in last.ckpt as `ema.<parameter>` (an optimizer
/// state prefix), so a resumed run continues the same average. The n-gram bag's table is not
/// averaged: a dense pass over a million-row table per step would cost what its row-sparse
/// update saves.
public final class WeightAverage {
    public static let statePrefix = "ema."
    public let decay: Float
    let parameters: [Parameter]
    let averages: [Tensor]
    /// Holds the live weights while the average is swapped in.
    private let live: [Tensor]

    public init(decay: Float, parameters: [Parameter]) {
        precondition(decay > 0 && decay < 1, "EMA decay \(decay) outside (0, 1)")
        self.decay = decay
        self.parameters = parameters
        averages = parameters.map { Tensor(copying: $0.value) }
        live = parameters.map { Tensor($0.shape) }
    }

    /// avg += (1 - decay) * (w - avg) for every trainable parameter.
    public func update() {
        let rate = 1 - decay
        for (p, avg) in zip(parameters, averages) where !p.frozen {
            let w = p.value.data, a = avg.data
            for i in 0..<avg.count { a[i] += rate * (w[i] - a[i]) }
        }
    }

    /// Runs `body` with the average in the parameters, then puts the live weights back (copies:
    /// bitwise restored).
    public func withAveragedWeights<R>(_ body: () throws -> R) rethrows -> R {
        for (p, (avg, saved)) in zip(parameters, zip(averages, live)) {
            saved.copy(from: p.value)
            p.value.copy(from: avg)
        }
        defer { for (p, saved) in zip(parameters, live) { p.value.copy(from: saved) } }
        return try body()
    }

    /// The average as checkpoint tensors (`ema.<name>`, flat).
    public func stateTensors() -> [(name: String, values: [Float])] {
        zip(parameters, averages).map { (name: Self.statePrefix + $0.name, values: $1.array) }
    }

    /// Restores the average from a checkpoint's state tensors. Returns false (the average keeps
    /// the current weights) when the checkpoint has none: the run that wrote it had no EMA.
    @discardableResult
    public func loadState(_ state: [String: [Float]]) throws -> Bool {
        guard state.keys.contains(where: { $0.hasPrefix(Self.statePrefix) }) else {
            for (p, avg) in zip(parameters, averages) { avg.copy(from: p.value) }
            return false
        }
        for (p, avg) in zip(parameters, averages) {
            guard let values = state[Self.statePrefix + p.name], values.count == avg.count else {
                throw RNNError.input("the checkpoint's weight average \(Self.statePrefix + p.name) is missing or mis-shaped")
            }
            values.withUnsafeBufferPointer { avg.data.update(from: $0.baseAddress!, count: avg.count) }
        }
        return true
    }
}
