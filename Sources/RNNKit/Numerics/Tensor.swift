/// A dense, row-major Float32 buffer with a shape.
///
/// Reference semantics on purpose: layers, caches and optimizers share buffers
/// the way llm.c shares its activation arrays, and the hot loops work on `data`
/// directly. The storage is allocated once and zero-filled; `reshape` reuses it
/// when the new shape fits, so per-batch workspaces do not allocate.
public final class Tensor {
    public private(set) var shape: [Int]
    public private(set) var count: Int
    public private(set) var capacity: Int
    public private(set) var data: UnsafeMutablePointer<Float>

    /// Zero-filled.
    public convenience init(_ shape: [Int]) {
        self.init(uninitialized: shape)
        data.initialize(repeating: 0, count: capacity)
    }

    /// A tensor whose contents are unspecified: for buffers the caller writes completely before
    /// anything reads them (a matmul output with beta = 0, a gradient every row of which a cell
    /// pass writes). Why: zero-filling such buffers was ~4% of a training step, all of it on
    /// one thread.
    public init(uninitialized shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.shape = shape
        self.count = shape.reduce(1, *)
        self.capacity = Swift.max(count, 1)
        self.data = .allocate(capacity: capacity)
    }

    public convenience init(_ shape: [Int], values: [Float]) {
        self.init(shape)
        precondition(values.count == count, "\(values.count) values for shape \(shape)")
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: count) }
    }

    public convenience init(_ shape: [Int], repeating value: Float) {
        self.init(shape)
        data.update(repeating: value, count: count)
    }

    deinit { data.deallocate() }

    /// Changes the shape, reallocating only when the new count exceeds the capacity.
    /// Contents are unspecified afterwards unless the count is unchanged.
    public func reshape(_ newShape: [Int]) {
        let newCount = newShape.reduce(1, *)
        if newCount > capacity {
            data.deallocate()
            capacity = newCount
            data = .allocate(capacity: capacity)
            data.initialize(repeating: 0, count: capacity)
        }
        shape = newShape
        count = newCount
    }

    public func zero() { data.update(repeating: 0, count: count) }

    public func fill(_ value: Float) { data.update(repeating: value, count: count) }

    public func copy(from other: Tensor) {
        precondition(other.count == count, "copy of \(other.shape) into \(shape)")
        data.update(from: other.data, count: count)
    }

    public func clone() -> Tensor {
        let t = Tensor(shape)
        t.data.update(from: data, count: count)
        return t
    }

    public var array: [Float] { Array(UnsafeBufferPointer(start: data, count: count)) }

    public subscript(index: Int) -> Float {
        get { data[index] }
        set { data[index] = newValue }
    }
}
