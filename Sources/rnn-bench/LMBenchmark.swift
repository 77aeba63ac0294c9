import Foundation
import RNNKit

/// `rnn-bench lm`: language-model pretraining throughput (tokens per second) of a
/// `task: "language_model"` config, on the trainer's own step (forward, tied softmax over the
/// vocabulary, backward, clipping, Adam), after warm-up, with the config's AWD-LSTM regularisers
/// off. scripts/bench_lm.sh runs it next to the same model in PyTorch (scripts/torch_lm.py).
enum LMBenchmark {
    static let usage = """
        USAGE: rnn-bench lm --config LM.json [--data FILE] [--threads N] [--batches N] [--warmup N]
          Prints one JSON line: tokens_per_s (input tokens of the timed batches per second), tokens_per_cpu_s,
          predictions_per_s, the vocabulary size and the thread count.
        """

    static func main(_ args: [String]) -> Int32 {
        var config: String?, data: String?, threads = 1, batches = 20, warmup = 3
        var i = 0
        while i < args.count {
            let flag = args[i]
            if flag == "-h" || flag == "--help" { print(usage); return 0 }
            guard i + 1 < args.count else { FileHandle.standardError.write(Data("\(flag) needs a value\n\(usage)\n".utf8)); return 2 }
            let value = args[i + 1]
            switch flag {
            case "--config": config = value
            case "--data": data = value
            case "--threads": threads = Int(value) ?? 1
            case "--batches": batches = Int(value) ?? 20
            case "--warmup": warmup = Int(value) ?? 3
            default: FileHandle.standardError.write(Data("unknown option \(flag)\n\(usage)\n".utf8)); return 2
            }
            i += 2
        }
        guard let config else { FileHandle.standardError.write(Data("--config is required\n\(usage)\n".utf8)); return 2 }
        do {
            // PyTorch's model (scripts/torch_lm.py) has no AWD-LSTM regularisers: switch ours off so
            // both sides time the same work whatever the pretraining config regularises.
            var overrides = ["data.dev=null", "data.holdout_every=0", "model.embedding_dropout=0", "model.token_dropout=0",
                             "model.locked_dropout=0", "model.weight_drop=0"]
            if let data { overrides.append("data.train=\"\(URL(fileURLWithPath: data).standardizedFileURL.path)\"") }
            let run = try RunConfig.load(path: config, overrides: overrides)
            Parallel.threadCount = threads
            var rng = RandomSource(seed: run.training.seed)
            let task = try TrainingTasks.make(config: run, resume: nil, initRandom: &rng, log: { _ in })
            var dropout = rng.split()
            let t = run.training
            let order = Batcher(lengths: task.trainLengths, batchSize: t.batchSize, lengthBuckets: t.lengthBuckets, seed: t.seed)
                .batches(epoch: 0).filter { $0.count == t.batchSize }
            let step = TrainingStep(task: task, training: t)
            var started = 0.0, cpuStarted = 0.0, tokens = 0, predictions = 0
            for n in 0..<(warmup + batches) {
                let batch = task.trainingBatch(order[n % order.count])
                if n == warmup { started = ModelBenchmark.now(); cpuStarted = ModelBenchmark.cpuSeconds() }
                _ = try step.run(batch, learningRate: Float(t.lr), rng: &dropout)
                if n >= warmup {
                    tokens += batch.lengths.reduce(0, +)
                    predictions += batch.lengths.reduce(0) { $0 + max($1 - 1, 0) } * (run.model.bidirectional ? 2 : 1)
                }
            }
            let seconds = ModelBenchmark.now() - started
            let result: [String: Any] = [
                "impl": "ours", "threads": threads, "batch_size": t.batchSize, "dim": run.embedding.dim,
                "vocab": (task as? LanguageModelTask)?.vocabulary.count ?? 0,
                "tokens_per_s": Double(tokens) / seconds,
                "tokens_per_cpu_s": Double(tokens) / (ModelBenchmark.cpuSeconds() - cpuStarted),
                "predictions_per_s": Double(predictions) / seconds,
            ]
            let json = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
            print(String(decoding: json, as: UTF8.self))
            return 0
        } catch {
            FileHandle.standardError.write(Data("rnn-bench lm: \(error)\n".utf8))
            return 1
        }
    }
}
