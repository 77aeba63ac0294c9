/// SIMD8 access to float rows whose length need not be a multiple of 8.
///
/// Every elementwise pass (the cells' fused steps, `Elementwise.map`) walks a row in chunks of
/// 8 lanes; the last chunk of a row whose length is not a multiple of 8 is loaded zero-filled
/// and stored lane by lane, so every element goes through the same formula (and the same
/// rounding) whether it sits in a full chunk or in the tail.
enum Lanes {
    /// Calls `body(j, n)` for the chunks of a row of `count` floats: start j, n = min(8, count - j) lanes.
    @inline(__always)
    static func forEachChunk(_ count: Int, _ body: (Int, Int) -> Void) {
        var j = 0
        while j < count {
            body(j, Swift.min(8, count - j))
            j += 8
        }
    }

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, _ n: Int) -> SIMD8<Float> {
        if n == 8 { return UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self) }
        var v = SIMD8<Float>()
        for l in 0..<n { v[l] = p[l] }
        return v
    }

    @inline(__always)
    static func load(_ p: UnsafeMutablePointer<Float>, _ n: Int) -> SIMD8<Float> {
        load(UnsafePointer(p), n)
    }

    @inline(__always)
    static func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, _ n: Int) {
        if n == 8 { UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self); return }
        for l in 0..<n { p[l] = v[l] }
    }
}
