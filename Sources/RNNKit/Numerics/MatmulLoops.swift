import Foundation

/// The blocking loops (Goto/BLIS): for each NC-wide column block of C, for each
/// KC-deep slice of k, pack B once; for each MC-tall row block pack A; then run the
/// micro-kernel over the 6 x 16 tiles. Threads split C into disjoint column or row
/// ranges (whole micropanels) and run these loops independently; k is never split,
/// and the block sizes are constants, so results do not depend on the thread count.
extension MatmulCore {
    static let kcBlock = 320   // B micropanel kc x 16 (20 KiB) + A micropanel (7.5 KiB) stay in L1
    static let mcBlock = 144   // packed A block mc x kc (180 KiB) stays in L2; multiple of 6
    static let ncBlock = 2048  // packed B block kc x nc (2.5 MiB) stays in L3; multiple of 16

    /// Below this many multiply-adds per task, another thread is not worth its start-up.
    static let minMACsPerTask = 1 << 20

    /// `packedB`: B already packed (`PackedMatmulB`); its panels are read instead of packing.
    static func blocked(_ o: MatmulOperands, packedB: PackedMatmulB? = nil) {
        let mPanels = (o.m + mr - 1) / mr
        let nPanels = (o.n + nr - 1) / nr
        let macs = o.m * o.n * o.k
        var tasks = Swift.min(Parallel.threadCount, Swift.max(1, macs / minMACsPerTask))
        // Splitting rows repeats the packing of B in every task, splitting columns that of A:
        // split the longer side of C.
        let splitRows = o.m >= o.n ? mPanels >= 2 : nPanels < 2
        tasks = Swift.min(tasks, splitRows ? mPanels : nPanels)
        // Fewer than 6 rows (a batch-1 step): one task. Such a product streams B once,
        // with too few multiply-adds per value to repay the start of a second thread.
        if o.m < mr { tasks = 1 }
        if tasks <= 1 {
            run(o, rows: 0..<o.m, cols: 0..<o.n, packedB: packedB)
            return
        }
        let panels = splitRows ? mPanels : nPanels
        let perTask = (panels + tasks - 1) / tasks
        Parallel.forEach(tasks: tasks) { task in
            let first = task * perTask
            let last = Swift.min(panels, first + perTask)
            guard first < last else { return }
            if splitRows {
                run(o, rows: (first * mr)..<Swift.min(o.m, last * mr), cols: 0..<o.n, packedB: packedB)
            } else {
                run(o, rows: 0..<o.m, cols: (first * nr)..<Swift.min(o.n, last * nr), packedB: packedB)
            }
        }
    }

    /// Computes C[rows, cols] with one workspace (taken from the pool, returned after).
    ///
    /// Fewer than 6 rows in all (a batch-1 step, or the last rows of a row-split task):
    /// A is read as stored, since each of its values feeds a single panel and packing
    /// would cost more than it saves; B too when it is stored untransposed and not
    /// prepacked (full 16-column panels read straight from B's rows). The short-rows
    /// kernel rounds exactly like the 6 x 16 one, so nothing changes bitwise.
    static func run(_ o: MatmulOperands, rows: Range<Int>, cols: Range<Int>, packedB: PackedMatmulB? = nil) {
        let workspace = MatmulWorkspace.acquire()
        defer { MatmulWorkspace.release(workspace) }
        let aPack = workspace.aPack, bPack = workspace.bPack, scratch = workspace.scratch
        let kcSlice = kSliceDepth(o.k)
        let shortRows = rows.count < mr
        let unpackedB = shortRows && !o.transB && packedB == nil
        var jc = cols.lowerBound
        while jc < cols.upperBound {
            let nc = Swift.min(ncBlock, cols.upperBound - jc)
            var pc = 0
            while pc < o.k {
                let kc = Swift.min(kcSlice, o.k - pc)
                let first = pc == 0
                let bBlock: UnsafePointer<Float>
                if let packedB {
                    bBlock = packedB.panels(p0: pc, kc: kc, jc: jc)
                } else if unpackedB {
                    bBlock = o.b + pc * o.ldb + jc   // not packed: panels are addressed below
                } else {
                    packB(o, p0: pc, kc: kc, j0: jc, nc: nc, into: bPack)
                    bBlock = UnsafePointer(bPack)
                }
                var ic = rows.lowerBound
                while ic < rows.upperBound {
                    let mc = Swift.min(mcBlock, rows.upperBound - ic)
                    if !shortRows { packA(o, i0: ic, mc: mc, p0: pc, kc: kc, into: aPack) }
                    var jr = 0
                    while jr < nc {
                        let cols = Swift.min(nr, nc - jr)
                        var bPanel = bBlock + jr * kc
                        var bStep = nr
                        if unpackedB {
                            if cols == nr {
                                bPanel = bBlock + jr
                                bStep = o.ldb
                            } else {
                                // Past the last full panel: pack it, zero-padded, as usual.
                                packB(o, p0: pc, kc: kc, j0: jc + jr, nc: cols, into: bPack)
                                bPanel = UnsafePointer(bPack)
                            }
                        }
                        var ir = 0
                        while ir < mc {
                            let rowsHere = Swift.min(mr, mc - ir)
                            let aPanel = aPack + ir * kc
                            let cTile = o.c + (ic + ir) * o.ldc + (jc + jr)
                            if rowsHere == mr && cols == nr {
                                kernel6x16(kc: kc, a: aPanel, b: bPanel, c: cTile, ldc: o.ldc,
                                           alpha: o.alpha, beta: o.beta, first: first)
                            } else if rowsHere < mr {
                                let operands: ShortRowsOperands
                                if !shortRows {
                                    operands = ShortRowsOperands(a: aPanel, aRow: 1, aStep: mr, b: bPanel, bStep: bStep)
                                } else if o.transA {
                                    // A(i, p) = a[p*lda + i]
                                    operands = ShortRowsOperands(a: o.a + pc * o.lda + (ic + ir), aRow: 1, aStep: o.lda,
                                                                 b: bPanel, bStep: bStep)
                                } else {
                                    // A(i, p) = a[i*lda + p]
                                    operands = ShortRowsOperands(a: o.a + (ic + ir) * o.lda + pc, aRow: o.lda, aStep: 1,
                                                                 b: bPanel, bStep: bStep)
                                }
                                shortRowsKernel(rows: rowsHere, cols: cols, kc: kc, operands, c: cTile, ldc: o.ldc,
                                                alpha: o.alpha, beta: o.beta, first: first)
                            } else {
                                edgeKernel(kc: kc, a: aPanel, b: bPanel, c: cTile, ldc: o.ldc,
                                           rows: rowsHere, cols: cols, alpha: o.alpha, beta: o.beta,
                                           first: first, scratch: scratch)
                            }
                            ir += mr
                        }
                        jr += nr
                    }
                    ic += mc
                }
                pc += kc
            }
            jc += nc
        }
    }

    /// The depth of the k slices: k in equal slices of at most kcBlock (with kcBlock = 320:
    /// 300 is one slice, 400 -> 200 + 200, not 320 + 80): a short last slice would pay a full load/store of C for few
    /// multiply-adds. Depends on k only, and every path (blocked, direct, prepacked)
    /// slices k this way, so an element of C rounds the same on each.
    static func kSliceDepth(_ k: Int) -> Int {
        let kSlices = Swift.max(1, (k + kcBlock - 1) / kcBlock)
        return Swift.max(1, (k + kSlices - 1) / kSlices)
    }
}

/// Packing buffers for one running task. Kept in a lock-guarded free list and reused,
/// so a matmul call allocates nothing once the list holds one workspace per concurrent
/// task (calls from several threads at once, e.g. the two directions of a
/// bidirectional layer, each take their own).
final class MatmulWorkspace {
    let aPack: UnsafeMutablePointer<Float>
    let bPack: UnsafeMutablePointer<Float>
    let scratch: UnsafeMutablePointer<Float>

    private init() {
        func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
            let raw = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.stride, alignment: 64)
            return raw.initializeMemory(as: Float.self, repeating: 0, count: count)
        }
        aPack = allocate(MatmulCore.mcBlock * MatmulCore.kcBlock)
        bPack = allocate(MatmulCore.kcBlock * MatmulCore.ncBlock)
        scratch = allocate(MatmulCore.mr * MatmulCore.nr)
    }

    deinit {
        aPack.deallocate(); bPack.deallocate(); scratch.deallocate()
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var free: [MatmulWorkspace] = {
        var list: [MatmulWorkspace] = []
        list.reserveCapacity(64)
        return list
    }()

    static func acquire() -> MatmulWorkspace {
        lock.lock()
        let reused = free.popLast()
        lock.unlock()
        return reused ?? MatmulWorkspace()
    }

    static func release(_ workspace: MatmulWorkspace) {
        lock.lock()
        free.append(workspace)
        lock.unlock()
    }
}
