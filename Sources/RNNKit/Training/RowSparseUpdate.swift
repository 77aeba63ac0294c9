import Foundation

/// Optimizer steps over only the rows a `RowSparseGradient` names: the update of a hashed n-gram
/// table (`EmbeddingBag`), where a batch touches a few thousand of ~2 million rows.
///
/// Memory: the table is rows x dim x 4 bytes (2,000,000 x 100 = 800 MB); lazy Adam keeps two
/// moments of the same size (+1.6 GB), allocated zero on the first step; SGD keeps nothing. No
/// step passes over the whole table or its moments: work is proportional to the touched rows.
///
/// Threads: the touched rows are split into contiguous ranges (`Parallel.forRanges`); every row is
/// updated by one task with the same elementwise formula, so the bits do not depend on the thread
/// count. Rows are distinct in a `RowSparseGradient`, so no two tasks write one row.
public enum RowSparseSGD {
    /// w[r] -= lr * g[r] for every touched row r (plain SGD, fastText's update; no momentum, whose
    /// buffer would have to decay on untouched rows too).
    public static func step(table: Tensor, gradient: RowSparseGradient, learningRate lr: Float) {
        let e = gradient.dimension
        precondition(table.count == gradient.tableRows * e, "table \(table.shape) for a gradient of \(gradient.tableRows) x \(e)")
        let w = table.data, g = UnsafePointer(gradient.values.data)
        gradient.rows.withUnsafeBufferPointer { rows in
            Parallel.forRanges(count: rows.count, minimumPerTask: RowSparseAdam.minimumRowsPerTask) { range in
                for slot in range {
                    let row = w + Int(rows[slot]) * e, grad = g + slot * e
                    for k in 0..<e { row[k] -= lr * grad[k] }
                }
            }
        }
    }
}

/// Lazy Adam, as TensorFlow Addons' `LazyAdam` and PyTorch's `SparseAdam` define it: a step
/// updates the moments and values of the touched rows only, with Adam's formula (exactly the
/// operations of `Adam`, so a touched row gets the bits dense Adam would give it from the same
/// state); an untouched row's moments are NOT decayed and its value does not move (dense Adam
/// would keep moving it with its old momentum). The bias correction uses the number of steps this
/// optimizer has taken (`stepCount`, one per call, as both libraries count), not per-row counts.
/// No weight decay: a decay of untouched rows would need the dense pass this type exists to avoid.
///
/// State tensors (checkpoints): `adam.m.<name>` and `adam.v.<name>`, each `[rows, dim]`.
public final class RowSparseAdam {
    public let beta1: Float
    public let beta2: Float
    public let eps: Float
    public var stepCount = 0
    /// `[rows, dim]` each, allocated (zero) on the first step.
    public private(set) var m: Tensor?
    public private(set) var v: Tensor?

    /// Below this many rows per task a step runs on one thread.
    static let minimumRowsPerTask = 256

    public init(beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
    }

    public func step(table: Tensor, gradient: RowSparseGradient, learningRate lr: Float) {
        let e = gradient.dimension
        precondition(table.count == gradient.tableRows * e, "table \(table.shape) for a gradient of \(gradient.tableRows) x \(e)")
        if m == nil || m!.count != table.count {
            m = Tensor(table.shape)
            v = Tensor(table.shape)
        }
        stepCount += 1
        let kernel = AdamKernel(beta1: beta1, beta2: beta2, eps: eps, learningRate: lr, step: stepCount)
        let w = table.data, g = UnsafePointer(gradient.values.data), mm = m!.data, vv = v!.data
        gradient.rows.withUnsafeBufferPointer { rows in
            Parallel.forRanges(count: rows.count, minimumPerTask: Self.minimumRowsPerTask) { range in
                for slot in range {
                    let base = Int(rows[slot]) * e
                    kernel.update(w: w + base, g: g + slot * e, m: mm + base, v: vv + base, range: 0..<e)
                }
            }
        }
    }

    /// `adam.m.<name>` and `adam.v.<name>` (empty before the first step).
    public func stateTensors(name: String) -> [(name: String, values: [Float])] {
        guard let m, let v else { return [] }
        return [("adam.m.\(name)", m.array), ("adam.v.\(name)", v.array)]
    }

    /// Restores the moments saved by `stateTensors` for a table of `shape`; both or neither must be there.
    public func loadState(_ tensors: [String: [Float]], name: String, shape: [Int]) throws {
        let mKey = "adam.m.\(name)", vKey = "adam.v.\(name)"
        switch (tensors[mKey], tensors[vKey]) {
        case (nil, nil):
            guard stepCount == 0 else { throw RNNError.input("optimizer state \(mKey) is missing") }
            m = nil
            v = nil
        case let (mValues?, vValues?):
            let count = shape.reduce(1, *)
            for (key, values) in [(mKey, mValues), (vKey, vValues)] where values.count != count {
                throw RNNError.input("optimizer state \(key) has \(values.count) values, expected \(count)")
            }
            m = Tensor(shape, values: mValues)
            v = Tensor(shape, values: vValues)
        default:
            throw RNNError.input("optimizer state \(tensors[mKey] == nil ? mKey : vKey) is missing")
        }
    }
}
