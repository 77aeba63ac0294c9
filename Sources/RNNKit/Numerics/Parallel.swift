import Dispatch
import Foundation

/// The one thread setting of the library. Every parallel loop goes through
/// `Parallel.forEach`, which splits work over `Parallel.threadCount` tasks on
/// Dispatch's shared pool. Work must be split so that each output has exactly
/// one writer and the split never changes what a writer computes: then results
/// are bitwise the same for any thread count.
public enum Parallel {
    nonisolated(unsafe) private static var configured: Int = 0

    /// Cores the process may use.
    public static var availableCores: Int { Swift.max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// Number of tasks a parallel loop is split into (default: all cores).
    public static var threadCount: Int {
        get { configured > 0 ? configured : availableCores }
        set { configured = Swift.max(0, newValue) }
    }

    /// Runs `body(task)` for task in 0..<tasks, concurrently when tasks > 1.
    @inlinable
    public static func forEach(tasks: Int, _ body: (Int) -> Void) {
        if tasks <= 1 {
            if tasks == 1 { body(0) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: tasks, execute: body)
    }

    /// Splits 0..<count into at most `threadCount` contiguous ranges (ggml's
    /// `dr = (nr + nth - 1) / nth`) and runs them concurrently.
    @inlinable
    public static func forRanges(count: Int, minimumPerTask: Int = 1, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let maxTasks = Swift.max(1, count / Swift.max(1, minimumPerTask))
        let tasks = Swift.min(threadCount, maxTasks)
        let chunk = (count + tasks - 1) / tasks
        forEach(tasks: tasks) { task in
            let start = task * chunk
            let end = Swift.min(count, start + chunk)
            if start < end { body(start..<end) }
        }
    }
}

/// Carries raw pointers into `@Sendable` closures; each task must write a disjoint range.
public struct UnsafeSendable<Value>: @unchecked Sendable {
    public let value: Value
    public init(_ value: Value) { self.value = value }
}
