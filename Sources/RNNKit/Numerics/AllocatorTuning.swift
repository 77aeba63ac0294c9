#if canImport(Glibc)
import Glibc
#endif

/// Keeps freed memory in the process for the next batch.
///
/// Why: a training step allocates its caches and gradients afresh (tens of MB per batch for the
/// reference models) and frees them when the batch is done. glibc serves blocks that large with
/// mmap and returns them with munmap (its dynamic threshold tops out at 32 MB, and the heap top
/// is trimmed above twice that), so every batch paid a page fault and a kernel page-clear for
/// each 4 KiB it touched again: about 10,000 faults per TextRCNN batch, ~8 % of the CPU time
/// (perf, docs/BENCHMARKS.md). With both thresholds raised the blocks go back to malloc's free
/// lists and the next batch reuses them already mapped. Peak memory is unchanged: what is kept
/// is what the previous batch had in use.
///
/// Called once at the start of each tool, before the large allocations. Other allocators
/// (non-glibc platforms) are left as they are.
public enum AllocatorTuning {
    /// Blocks up to this size come from the heap instead of a fresh mmap.
    public static let mmapThreshold: Int32 = 256 << 20
    /// Free memory at the heap top above this size is returned to the system.
    public static let trimThreshold: Int32 = 1 << 30

    /// Returns whether the allocator accepted the settings (false where there is no glibc `mallopt`).
    @discardableResult
    public static func retainFreedMemory() -> Bool {
        #if canImport(Glibc)
        // `mallopt` is declared in <malloc.h>, which the Glibc module does not import: looked up
        // by name, so a C library without it simply leaves the allocator alone.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return false }
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        let trimThresholdParameter: Int32 = -1, mmapThresholdParameter: Int32 = -3   // <malloc.h>
        return mallopt(mmapThresholdParameter, mmapThreshold) == 1 && mallopt(trimThresholdParameter, trimThreshold) == 1
        #else
        return false
        #endif
    }
}
