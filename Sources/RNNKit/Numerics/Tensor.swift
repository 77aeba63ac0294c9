import Foundation

/// A dense, row-major Float32 buffer with a shape.
///
/// Reference semantics on purpose: layers, caches and optimizers share buffers the way llm.c
/// shares its activation arrays, and the hot loops work on `data` directly. Per-batch buffers
/// live in workspaces (`TrainingWorkspace`, `InferenceWorkspace`) and are `resize`d for each
/// batch: storage is reallocated only when a batch needs more than any batch before it, so a
/// training step allocates no tensor once the largest batch shape has been seen.
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
    /// pass writes).
    public init(uninitialized shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.shape = shape
        self.count = shape.reduce(1, *)
        self.capacity = Swift.max(count, 1)
        self.data = .allocate(capacity: capacity)
        Tensor.noteAllocation()
    }

    public convenience init(_ shape: [Int], values: [Float]) {
        self.init(uninitialized: shape)
        precondition(values.count == count, "\(values.count) values for shape \(shape)")
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: count) }
    }

    public convenience init(_ shape: [Int], repeating value: Float) {
        self.init(uninitialized: shape)
        data.initialize(repeating: value, count: capacity)
    }

    /// A copy of `other`'s shape and values (weight snapshots of an `InferencePlan`).
    public convenience init(copying other: Tensor) {
        self.init(uninitialized: other.shape)
        data.update(from: other.data, count: count)
    }

    deinit { data.deallocate() }

    /// Gives the tensor a new shape, reallocating only when the new count exceeds the capacity.
    /// Contents are unspecified afterwards (a workspace buffer is written before it is read, or
    /// zeroed by the caller). Returns self, so a workspace can write `buffer.resize([t, b, h])`.
    @discardableResult
    public func resize(_ newShape: [Int]) -> Tensor {
        let newCount = newShape.reduce(1, *)
        precondition(newShape.allSatisfy { $0 >= 0 }, "negative dimension in \(newShape)")
        if newCount > capacity {
            data.deallocate()
            capacity = newCount
            data = .allocate(capacity: capacity)
            Tensor.noteAllocation()
        }
        if shape != newShape { shape = newShape }
        count = newCount
        return self
    }

    /// `resize`, then zero the elements.
    @discardableResult
    public func resizeZeroed(_ newShape: [Int]) -> Tensor {
        resize(newShape)
        zero()
        return self
    }

    public func zero() { data.update(repeating: 0, count: count) }

    public func fill(_ value: Float) { data.update(repeating: value, count: count) }

    public func copy(from other: Tensor) {
        precondition(other.count == count, "copy of \(other.shape) into \(shape)")
        data.update(from: other.data, count: count)
    }

    /// `data`, or nil when the tensor is empty: workspace buffers a model does not use (an LSTM's
    /// cell state in a GRU) are sized 0 and passed on as absent.
    public var dataIfAny: UnsafeMutablePointer<Float>? { count > 0 ? data : nil }

    public var array: [Float] { Array(UnsafeBufferPointer(start: data, count: count)) }

    public subscript(index: Int) -> Float {
        get { data[index] }
        set { data[index] = newValue }
    }
}

extension Tensor {
    /// Counts tensor storage allocations while `countingAllocations` is set: tests check that a
    /// warmed-up training step allocates none. Off by default, so the hot path pays one branch.
    nonisolated(unsafe) public static var countingAllocations = false
    private static let allocationLock = NSLock()
    nonisolated(unsafe) private static var allocations = 0

    /// Storage allocations since counting was switched on.
    public static var allocationCount: Int {
        allocationLock.lock(); defer { allocationLock.unlock() }
        return allocations
    }

    public static func resetAllocationCount() {
        allocationLock.lock(); allocations = 0; allocationLock.unlock()
    }

    @inline(__always)
    static func noteAllocation() {
        guard countingAllocations else { return }
        allocationLock.lock(); allocations += 1; allocationLock.unlock()
    }
}
