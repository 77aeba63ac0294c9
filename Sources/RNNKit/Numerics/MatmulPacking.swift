/// Packing: copies a KC-deep slice of op(A) into 6-row micropanels and of op(B) into
/// 16-column micropanels, laid out in the order the kernel reads them, zero-padded
/// at the edges so edge tiles run the same kernel.
extension MatmulCore {
    /// Packs op(A)[i0 ..< i0+mc, p0 ..< p0+kc] as ceil(mc/6) panels of kc x 6.
    static func packA(_ o: MatmulOperands, i0: Int, mc: Int, p0: Int, kc: Int,
                      into dst: UnsafeMutablePointer<Float>) {
        var out = dst
        var i = 0
        while i < mc {
            let rows = Swift.min(mr, mc - i)
            if o.transA {
                // A(i, p) = a[p*lda + i]: each k step is a contiguous run of rows.
                var src = o.a + p0 * o.lda + (i0 + i)
                if rows == mr {
                    for _ in 0..<kc {
                        out[0] = src[0]; out[1] = src[1]; out[2] = src[2]
                        out[3] = src[3]; out[4] = src[4]; out[5] = src[5]
                        out += mr; src += o.lda
                    }
                } else {
                    for _ in 0..<kc {
                        for r in 0..<rows { out[r] = src[r] }
                        for r in rows..<mr { out[r] = 0 }
                        out += mr; src += o.lda
                    }
                }
            } else {
                // A(i, p) = a[i*lda + p]: interleave `rows` contiguous rows.
                let base = o.a + (i0 + i) * o.lda + p0
                if rows == mr {
                    let s0 = base, s1 = base + o.lda, s2 = base + 2 * o.lda
                    let s3 = base + 3 * o.lda, s4 = base + 4 * o.lda, s5 = base + 5 * o.lda
                    for p in 0..<kc {
                        out[0] = s0[p]; out[1] = s1[p]; out[2] = s2[p]
                        out[3] = s3[p]; out[4] = s4[p]; out[5] = s5[p]
                        out += mr
                    }
                } else {
                    for p in 0..<kc {
                        for r in 0..<rows { out[r] = base[r * o.lda + p] }
                        for r in rows..<mr { out[r] = 0 }
                        out += mr
                    }
                }
            }
            i += mr
        }
    }

    /// Packs op(B)[p0 ..< p0+kc, j0 ..< j0+nc] as ceil(nc/16) panels of kc x 16.
    static func packB(_ o: MatmulOperands, p0: Int, kc: Int, j0: Int, nc: Int,
                      into dst: UnsafeMutablePointer<Float>) {
        typealias V = SIMD8<Float>
        var out = dst
        var j = 0
        while j < nc {
            let cols = Swift.min(nr, nc - j)
            if o.transB {
                // B(p, j) = b[j*ldb + p]: transpose 8 x 8 blocks through registers.
                let base = o.b + (j0 + j) * o.ldb + p0
                if cols == nr {
                    var p = 0
                    while p + 8 <= kc {
                        transpose8x8(base + p, o.ldb, out + p * nr, nr)
                        transpose8x8(base + 8 * o.ldb + p, o.ldb, out + p * nr + 8, nr)
                        p += 8
                    }
                    while p < kc {
                        for col in 0..<nr { out[p * nr + col] = base[col * o.ldb + p] }
                        p += 1
                    }
                } else {
                    for p in 0..<kc {
                        for col in 0..<cols { out[p * nr + col] = base[col * o.ldb + p] }
                        for col in cols..<nr { out[p * nr + col] = 0 }
                    }
                }
            } else {
                // B(p, j) = b[p*ldb + j]: each k step is a contiguous run of columns.
                var src = o.b + p0 * o.ldb + (j0 + j)
                if cols == nr {
                    for p in 0..<kc {
                        let raw = UnsafeRawPointer(src)
                        let dstRaw = UnsafeMutableRawPointer(out + p * nr)
                        dstRaw.storeBytes(of: raw.loadUnaligned(as: V.self), as: V.self)
                        dstRaw.storeBytes(of: raw.loadUnaligned(fromByteOffset: 32, as: V.self),
                                          toByteOffset: 32, as: V.self)
                        src += o.ldb
                    }
                } else {
                    for p in 0..<kc {
                        for col in 0..<cols { out[p * nr + col] = src[col] }
                        for col in cols..<nr { out[p * nr + col] = 0 }
                        src += o.ldb
                    }
                }
            }
            out += kc * nr
            j += nr
        }
    }

    /// dst[p*ldd + r] = src[r*lds + p] for an 8 x 8 block (rows r of src become columns).
    @inline(__always)
    static func transpose8x8(_ src: UnsafePointer<Float>, _ lds: Int,
                             _ dst: UnsafeMutablePointer<Float>, _ ldd: Int) {
        typealias V = SIMD8<Float>
        @inline(__always) func row(_ r: Int) -> V { UnsafeRawPointer(src + r * lds).loadUnaligned(as: V.self) }
        let r0 = row(0), r1 = row(1), r2 = row(2), r3 = row(3)
        let r4 = row(4), r5 = row(5), r6 = row(6), r7 = row(7)
        // Unpack pairs, then quads, then halves (the classic AVX 8x8 transpose).
        let t0 = V(r0[0], r1[0], r0[1], r1[1], r0[4], r1[4], r0[5], r1[5])
        let t1 = V(r0[2], r1[2], r0[3], r1[3], r0[6], r1[6], r0[7], r1[7])
        let t2 = V(r2[0], r3[0], r2[1], r3[1], r2[4], r3[4], r2[5], r3[5])
        let t3 = V(r2[2], r3[2], r2[3], r3[3], r2[6], r3[6], r2[7], r3[7])
        let t4 = V(r4[0], r5[0], r4[1], r5[1], r4[4], r5[4], r4[5], r5[5])
        let t5 = V(r4[2], r5[2], r4[3], r5[3], r4[6], r5[6], r4[7], r5[7])
        let t6 = V(r6[0], r7[0], r6[1], r7[1], r6[4], r7[4], r6[5], r7[5])
        let t7 = V(r6[2], r7[2], r6[3], r7[3], r6[6], r7[6], r6[7], r7[7])
        let u0 = V(t0[0], t0[1], t2[0], t2[1], t0[4], t0[5], t2[4], t2[5])
        let u1 = V(t0[2], t0[3], t2[2], t2[3], t0[6], t0[7], t2[6], t2[7])
        let u2 = V(t1[0], t1[1], t3[0], t3[1], t1[4], t1[5], t3[4], t3[5])
        let u3 = V(t1[2], t1[3], t3[2], t3[3], t1[6], t1[7], t3[6], t3[7])
        let u4 = V(t4[0], t4[1], t6[0], t6[1], t4[4], t4[5], t6[4], t6[5])
        let u5 = V(t4[2], t4[3], t6[2], t6[3], t4[6], t4[7], t6[6], t6[7])
        let u6 = V(t5[0], t5[1], t7[0], t7[1], t5[4], t5[5], t7[4], t7[5])
        let u7 = V(t5[2], t5[3], t7[2], t7[3], t5[6], t5[7], t7[6], t7[7])
        @inline(__always) func store(_ p: Int, _ v: V) {
            UnsafeMutableRawPointer(dst + p * ldd).storeBytes(of: v, as: V.self)
        }
        store(0, V(u0[0], u0[1], u0[2], u0[3], u4[0], u4[1], u4[2], u4[3]))
        store(1, V(u1[0], u1[1], u1[2], u1[3], u5[0], u5[1], u5[2], u5[3]))
        store(2, V(u2[0], u2[1], u2[2], u2[3], u6[0], u6[1], u6[2], u6[3]))
        store(3, V(u3[0], u3[1], u3[2], u3[3], u7[0], u7[1], u7[2], u7[3]))
        store(4, V(u0[4], u0[5], u0[6], u0[7], u4[4], u4[5], u4[6], u4[7]))
        store(5, V(u1[4], u1[5], u1[6], u1[7], u5[4], u5[5], u5[6], u5[7]))
        store(6, V(u2[4], u2[5], u2[6], u2[7], u6[4], u6[5], u6[6], u6[7]))
        store(7, V(u3[4], u3[5], u3[6], u3[7], u7[4], u7[5], u7[6], u7[7]))
    }
}
