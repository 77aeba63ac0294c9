import Foundation

/// `rnn-export`: a checkpoint as a folder PyTorch and Hugging Face tools read (`ExportFolder`).
public enum ExportCommand {
    public static let spec = CommandSpec(
        name: "rnn-export",
        overview: "Write a trained model as a folder PyTorch reads: model.safetensors, config.json, vocab.txt.",
        usage: "rnn-export CHECKPOINT OUT_DIR [--overwrite]",
        arguments: [
            .init(name: "checkpoint", help: "A checkpoint written by rnn-train (best.ckpt or last.ckpt), or an export folder."),
            .init(name: "out-dir", help: "The folder to create (its parent must exist)."),
        ],
        options: [
            .init(flag: "overwrite", help: "Replace OUT_DIR when it exists and is not empty."),
        ],
        discussion: """
            Only the model is exported: weights under their PyTorch names (embedding.weight, lstm.weight_ih_l0, \
            fc.weight, ...), float32, in model.safetensors; hyper-parameters, id2label/label2id, the tokenizer and \
            the run config in config.json; the vocabulary in vocab.txt (one token per line; \\\\, \\n, \\r and a few \
            other line-breaking characters escaped). Not the optimizer state: an exported model cannot be resumed. \
            The folder is written to a temporary folder beside OUT_DIR and renamed, so OUT_DIR is never half written. \
            rnn-predict and rnn-eval accept the folder in place of a checkpoint. \
            Exit codes: 0 success, 1 runtime failure (e.g. disk full), 2 bad usage or input.
            """)

    public static func run(_ arguments: [String]) throws -> Int32 {
        let args = try spec.parseOrExit(arguments)
        let source = args.argument("checkpoint")!, target = args.argument("out-dir")!
        // Loading proves the checkpoint builds its model; the export holds exactly the model's tensors.
        let (trained, checkpoint) = try TrainedModel.load(checkpoint: source)
        var part = ExportFolder.modelPart(of: checkpoint)
        // The n-gram bag's table (fasttext, wide) is a weight like the others, though no Parameter.
        part.tensors = Checkpoint.tensors(from: trained.model.parameters) + Checkpoint.tensors(from: trained.model.sparseTables)
        try ExportFolder.write(part, to: target, overwrite: args.flag("overwrite"))
        let floats = part.tensors.reduce(0) { $0 + $1.values.count }
        Terminal.writeError("rnn-export: wrote \(target) (\(part.tensors.count) tensors, \(floats) weights, "
                            + "\(trained.labels.count) labels, \(trained.vocabulary.count) tokens)\n")
        return 0
    }
}
