import Foundation
import RNNKit

/// `rnn-bench model`: training/inference throughput, batch-1 latency and peak memory of
/// the reference models, through the library exactly as `rnn-train` uses it. Prints one
/// JSON object on stdout (the keys of scripts/torch_reference.py); progress goes to stderr.
enum ModelBenchmark {
    static let help = """
        USAGE: rnn-bench model --data FILE --model textrnn|textrcnn --what train|infer|latency|memory
                               [--config FILE] [--threads N] [--batches N] [--warmup N] [--pad-to T]

        OPTIONS:
          --data FILE     training data (TSV as in the THUCNews configs)
          --model NAME    textrnn or textrcnn: loads configs/thucnews_NAME.json unless --config is given
          --config FILE   the run config whose model, vocabulary and optimizer are measured
          --what WHAT     train (examples/s over N batches after warm-up: forward, loss, backward,
                          clip, optimizer step: the trainer's TrainingStep), infer (examples/s at batch 128, no dropout, no caches),
                          latency (ms per sentence at batch 1, mean and median), memory (peak RSS
                          of loading the data and training N batches). infer and latency measure
                          the plain path (*_plain) and then, as rnn-predict runs, with the first
                          layer's input projection looked up per token (the headline figure)
          --threads N     Parallel.threadCount (default 2)
          --batches N     timed batches (default 30; latency runs 20x as many sentences)
          --warmup N      untimed batches first (default 5)
          --pad-to T      run every batch over T steps (PyTorch pads to 32); the mask keeps the
                          real lengths, so results are unchanged and only the work grows
        """

    struct Options {
        var data = ""
        var model = ""
        var config: String?
        var what = ""
        var threads = 2
        var batches = 30
        var warmup = 5
        var padTo = 0
    }

    static func fail(_ message: String) -> Int32 {
        FileHandle.standardError.write(Data("Error: \(message)\n".utf8))
        return 2
    }

    static func main(_ args: [String]) -> Int32 {
        var o = Options()
        var i = 0
        while i < args.count {
            let flag = args[i]
            if flag == "-h" || flag == "--help" { print(help); return 0 }
            guard i + 1 < args.count else { return fail("\(flag) needs a value\n\(help)") }
            let value = args[i + 1]
            i += 2
            switch flag {
            case "--data": o.data = value
            case "--model": o.model = value
            case "--config": o.config = value
            case "--what": o.what = value
            case "--threads", "--batches", "--warmup", "--pad-to":
                guard let n = Int(value), n >= (flag == "--threads" || flag == "--batches" ? 1 : 0) else {
                    return fail("\(flag) needs a non-negative integer, got '\(value)'")
                }
                switch flag {
                case "--threads": o.threads = n
                case "--batches": o.batches = n
                case "--warmup": o.warmup = n
                default: o.padTo = n
                }
            default: return fail("unknown option '\(flag)'\n\(help)")
            }
        }
        guard !o.data.isEmpty else { return fail("--data FILE is required") }
        guard ["textrnn", "textrcnn"].contains(o.model) || o.config != nil else {
            return fail("--model must be textrnn or textrcnn (or give --config)")
        }
        guard ["train", "infer", "latency", "memory"].contains(o.what) else {
            return fail("--what must be train, infer, latency or memory")
        }
        do {
            let result = try run(o)
            let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return 0
        } catch let error as RNNError {
            return fail(error.description)
        } catch {
            return fail("\(error)")
        }
    }

    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }

    /// User + system CPU seconds of the process so far (the machine may be shared: wall-clock
    /// rates then understate, CPU time does not).
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6
    }

    static func peakRSSMegabytes() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024.0   // Linux: kilobytes
    }

    static func run(_ o: Options) throws -> [String: Any] {
        Parallel.threadCount = o.threads
        let configPath = o.config ?? "configs/thucnews_\(o.model).json"
        let dataPath = URL(fileURLWithPath: o.data).standardizedFileURL.path
        let classes = URL(fileURLWithPath: dataPath).deletingLastPathComponent().appendingPathComponent("classes.txt").path
        var overrides = ["data.train=\"\(dataPath)\"", "data.dev=null"]
        overrides.append(FileManager.default.fileExists(atPath: classes) ? "data.classes=\"\(classes)\"" : "data.classes=null")
        let config = try RunConfig.load(path: configPath, overrides: overrides)
        let data = try RunData.load(config: config, log: { _ in })
        var rng = RandomSource(seed: config.training.seed)
        let spec = ModelSpec(config: config, vocabularySize: data.vocabulary.count, classCount: data.labels.count,
                             padId: Int(data.vocabulary.padId))
        try spec.validate()
        let model = TextClassifier(spec: spec, rng: &rng)
        var dropoutRandom = rng.split()
        let t = config.training
        let padId = data.vocabulary.padId
        var result: [String: Any] = [
            "impl": "ours", "model": o.model, "what": o.what, "threads": o.threads, "pad_to": o.padTo,
            "vocab": data.vocabulary.count, "config": configPath,
        ]

        /// A batch over the given examples, run over `padTo` steps when that is longer.
        func makeBatch(_ indices: [Int]) -> Batch {
            let batch = data.train.batch(indices, padId: padId)
            guard o.padTo > batch.steps else { return batch }
            var ids = [Int32](repeating: padId, count: o.padTo * batch.size)
            for k in 0..<(batch.steps * batch.size) { ids[k] = batch.ids[k] }
            return Batch(ids: ids, lengths: batch.lengths, steps: o.padTo, labels: batch.labels)
        }

        switch o.what {
        case "train", "memory":
            let batcher = Batcher(lengths: data.train.lengths, batchSize: t.batchSize,
                                  lengthBuckets: t.lengthBuckets, seed: t.seed)
            // Full batches only, so every timed step does the same amount of work per example.
            let order = batcher.batches(epoch: 0).filter { $0.count == t.batchSize }
            let batches = (0..<(o.warmup + o.batches)).map { makeBatch(order[$0 % order.count]) }
            // The trainer's own step (optimizer, clipping, loss as the config says), at the base rate.
            let step = TrainingStep(task: try ClassificationTask(model: model, data: data, config: config), training: t)
            var started = 0.0, cpuStarted = 0.0, examples = 0, steps = 0
            for (n, batch) in batches.enumerated() {
                if n == o.warmup { started = now(); cpuStarted = cpuSeconds() }
                _ = try step.run(batch, learningRate: Float(t.lr), rng: &dropoutRandom)
                if n >= o.warmup { examples += batch.size; steps += batch.steps }
            }
            let seconds = now() - started
            result["examples_per_s"] = Double(examples) / seconds
            result["examples_per_cpu_s"] = Double(examples) / (cpuSeconds() - cpuStarted)
            result["mean_steps"] = Double(steps) / Double(o.batches)
            result["peak_rss_mb"] = peakRSSMegabytes()
        case "infer":
            // A plan without tables first, then with the first layer's input projection looked up
            // per token (as rnn-predict and rnn-eval run): the headline figure.
            let batcher = Batcher(lengths: data.train.lengths, batchSize: 128, lengthBuckets: t.lengthBuckets, seed: t.seed)
            let order = batcher.batches(epoch: 0).filter { $0.count == 128 }
            let batches = (0..<(o.warmup + o.batches)).map { makeBatch(order[$0 % order.count]) }
            func measure(_ plan: InferencePlan) -> (rate: Double, checksum: Float) {
                var started = 0.0, examples = 0
                var sink: Float = 0
                let workspace = plan.makeWorkspace()
                for (n, batch) in batches.enumerated() {
                    if n == o.warmup { started = now() }
                    let logits = plan.logits(batch, workspace: workspace)
                    sink += logits[0]
                    if n >= o.warmup { examples += batch.size }
                }
                return (Double(examples) / (now() - started), sink)
            }
            let plain = measure(model.makeInferencePlan(tables: false))
            let tableStart = now()
            let tablePlan = model.makeInferencePlan()
            result["table_build_ms"] = 1000 * (now() - tableStart)
            let table = measure(tablePlan)
            result["examples_per_s_plain"] = plain.rate
            result["examples_per_s"] = table.rate
            result["same_logits"] = plain.checksum.bitPattern == table.checksum.bitPattern
        default: // latency
            let reps = o.batches * 20
            let singles = (0..<(o.warmup + reps)).map { makeBatch([($0 * 7919) % data.train.count]) }
            func measure(_ plan: InferencePlan) -> (mean: Double, median: Double, checksum: Float) {
                var times = [Double]()
                var sink: Float = 0
                let workspace = plan.makeWorkspace()
                for (n, batch) in singles.enumerated() {
                    let start = now()
                    let logits = plan.logits(batch, workspace: workspace)
                    sink += logits[0]
                    if n >= o.warmup { times.append(now() - start) }
                }
                times.sort()
                return (1000 * times.reduce(0, +) / Double(times.count), 1000 * times[times.count / 2], sink)
            }
            let plain = measure(model.makeInferencePlan(tables: false))
            let table = measure(model.makeInferencePlan())
            result["latency_ms_plain"] = plain.mean
            result["median_ms_plain"] = plain.median
            result["latency_ms"] = table.mean
            result["median_ms"] = table.median
            result["same_logits"] = plain.checksum.bitPattern == table.checksum.bitPattern
        }
        result["cpu_s"] = cpuSeconds()
        return result
    }
}
