import Foundation
import RNNKit

/// `rnn-bench gemm [--threads N] [--repeat R] [--csv]`: GFLOPS of `matmul` on square
/// sizes and on the shapes the models use, at 1 thread and at N threads.
enum GemmBenchmark {
    struct Shape {
        let name: String
        let m: Int, k: Int, n: Int
        let transA: Transpose, transB: Transpose
        var flags: String {
            (transA == .transpose ? "A^T" : "A") + "*" + (transB == .transpose ? "B^T" : "B")
        }
    }

    /// Square sizes, then the model shapes as (M x K x N). Forward projections use
    /// B^T since layers keep weights as [N, K]; the weight gradient uses A^T.
    static let shapes: [Shape] = [
        Shape(name: "square 256", m: 256, k: 256, n: 256, transA: .none, transB: .none),
        Shape(name: "square 512", m: 512, k: 512, n: 512, transA: .none, transB: .none),
        Shape(name: "square 1024", m: 1024, k: 1024, n: 1024, transA: .none, transB: .none),
        Shape(name: "square 2048", m: 2048, k: 2048, n: 2048, transA: .none, transB: .none),
        Shape(name: "128x428x512", m: 128, k: 428, n: 512, transA: .none, transB: .transpose),
        Shape(name: "128x384x512", m: 128, k: 384, n: 512, transA: .none, transB: .transpose),
        Shape(name: "4096x300x512", m: 4096, k: 300, n: 512, transA: .none, transB: .transpose),
        Shape(name: "128x556x1024", m: 128, k: 556, n: 1024, transA: .none, transB: .transpose),
        Shape(name: "4096x300x1024", m: 4096, k: 300, n: 1024, transA: .none, transB: .transpose),
        Shape(name: "300x4096x512 dW", m: 300, k: 4096, n: 512, transA: .transpose, transB: .none),
        Shape(name: "128x128x512 step", m: 128, k: 128, n: 512, transA: .none, transB: .none),
    ]

    static let help = """
        USAGE: rnn-bench gemm [--threads N] [--repeat R] [--csv]

        OPTIONS:
          --threads N   thread count of the second column (default 2)
          --repeat R    timed runs per shape; the best is reported (default 5)
          --csv         print CSV (shape,flags,m,k,n,gflops_1t,gflops_nt) instead of a table
        """

    static func main(_ args: [String]) -> Int32 {
        var threads = 2, repeats = 5, csv = false
        var i = 0
        func value(_ flag: String) -> Int? {
            i += 1
            guard i < args.count, let v = Int(args[i]), v > 0 else {
                FileHandle.standardError.write(Data("Error: \(flag) needs a positive integer\n".utf8))
                return nil
            }
            return v
        }
        while i < args.count {
            switch args[i] {
            case "--threads": guard let v = value("--threads") else { return 2 }; threads = v
            case "--repeat": guard let v = value("--repeat") else { return 2 }; repeats = v
            case "--csv": csv = true
            case "-h", "--help": print(help); return 0
            default:
                FileHandle.standardError.write(Data("Error: Unknown option '\(args[i])'\n\(help)\n".utf8))
                return 2
            }
            i += 1
        }
        if csv {
            print("shape,flags,m,k,n,gflops_1t,gflops_\(threads)t")
        } else {
            print("matmul GFLOPS (best of \(repeats)); cores available: \(Parallel.availableCores)")
            print(pad("shape", 18) + pad("op", 8) + lpad("1T", 9) + lpad("\(threads)T", 9) + lpad("scale", 8))
        }
        for shape in shapes {
            let one = gflops(shape, threads: 1, repeats: repeats)
            let many = gflops(shape, threads: threads, repeats: repeats)
            if csv {
                print("\(shape.name),\(shape.flags),\(shape.m),\(shape.k),\(shape.n),"
                      + String(format: "%.2f,%.2f", one, many))
            } else {
                print(pad(shape.name, 18) + pad(shape.flags, 8) + lpad(String(format: "%.1f", one), 9)
                      + lpad(String(format: "%.1f", many), 9) + lpad(String(format: "%.2fx", many / one), 8))
            }
        }
        return 0
    }

    /// Best GFLOPS over `repeats` timed runs, each long enough (>= ~50 ms) to time reliably.
    static func gflops(_ s: Shape, threads: Int, repeats: Int) -> Double {
        let saved = Parallel.threadCount
        Parallel.threadCount = threads
        defer { Parallel.threadCount = saved }
        var rng = RandomSource(seed: 1)
        let a = Tensor([s.m * s.k]), b = Tensor([s.k * s.n]), c = Tensor([s.m * s.n])
        for i in 0..<a.count { a[i] = rng.uniform(-1, 1) }
        for i in 0..<b.count { b[i] = rng.uniform(-1, 1) }
        let lda = s.transA == .none ? s.k : s.m
        let ldb = s.transB == .none ? s.n : s.k
        func once() {
            matmul(s.transA, s.transB, m: s.m, n: s.n, k: s.k, alpha: 1, a: a.data, lda: lda,
                   b: b.data, ldb: ldb, beta: 0, c: c.data, ldc: s.n)
        }
        once()  // warm-up: packing buffers, caches
        let flops = 2.0 * Double(s.m) * Double(s.n) * Double(s.k)
        var t0 = DispatchTime.now().uptimeNanoseconds
        once()
        let single = Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
        let calls = Swift.max(1, Int(0.05 / Swift.max(single, 1e-7)))
        var best = Double.infinity
        for _ in 0..<repeats {
            t0 = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<calls { once() }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9 / Double(calls)
            best = Swift.min(best, seconds)
        }
        return flops / best * 1e-9
    }

    static func pad(_ s: String, _ w: Int) -> String { s.count >= w ? s + " " : s + String(repeating: " ", count: w - s.count) }
    static func lpad(_ s: String, _ w: Int) -> String { s.count >= w ? " " + s : String(repeating: " ", count: w - s.count) + s }
}
