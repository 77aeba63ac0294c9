// libFuzzer target: a run folder's state under `rnn-train --resume` (RunSetup, then the
// Trainer's restore; optionally one training step and its checkpoint).
//
// An input is a run folder: byte 0 holds flags, then config.json and log.csv, each behind a
// little-endian UInt16 length, and the rest is last.ckpt. Flags: bit 0 replaces the
// checkpoint's last 8 bytes by the correct checksum (so mutations reach its header and
// tensors), bits 1 and 2 write config.json and log.csv at all, bit 3 resumes with
// `training.batch_size=3`, bit 4 with `training.epochs=3`, bit 5 accepts changed data, bit 6
// trains one step (a stop already requested) and writes a checkpoint. The checkpoints of the
// seeds name data files in a fixed folder, /tmp/rnn-fuzz-run-data, which this target writes
// (scripts/fuzz_run_folder_seeds.sh makes the seeds from a real interrupted run on that data).
// Checks: nothing traps, and the folder's lock is free again after every input.
import Foundation
@testable import RNNKit

private let dataFolder = "/tmp/rnn-fuzz-run-data"
private let runFolder = FuzzScratch(name: "run_folder").path + "-dir"
private let prepared: Void = {
    try? FileManager.default.createDirectory(atPath: dataFolder, withIntermediateDirectories: true)
    var train = "", dev = ""
    for i in 0..<24 {
        let label = ["sports", "finance", "tech"][i % 3]
        train += "\(label) text \(i) \(String(repeating: "ab", count: i % 5))\t\(label)\n"
        if i < 6 { dev += "\(label) dev \(i)\t\(label)\n" }
    }
    try? train.write(toFile: dataFolder + "/train.tsv", atomically: true, encoding: .utf8)
    try? dev.write(toFile: dataFolder + "/dev.tsv", atomically: true, encoding: .utf8)
}()

private func take(_ bytes: inout ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
    guard bytes.count >= 2 else { return nil }
    let length = Int(bytes[bytes.startIndex]) | Int(bytes[bytes.startIndex + 1]) << 8
    bytes = bytes.dropFirst(2)
    let part = bytes.prefix(length)
    bytes = bytes.dropFirst(part.count)
    return part
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRunFolder(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = prepared
    guard size >= 1 else { return 0 }
    let flags = data[0]
    var rest = ArraySlice(UnsafeBufferPointer(start: data + 1, count: size - 1))
    guard let config = take(&rest), let epochLog = take(&rest) else { return 0 }
    var checkpoint = Array(rest)
    if flags & 1 != 0 && checkpoint.count >= Checkpoint.checksumLength {
        let dataEnd = checkpoint.count - Checkpoint.checksumLength
        let sum = Checkpoint.fnv1a64(checkpoint[0..<dataEnd]).littleEndian
        withUnsafeBytes(of: sum) { for i in 0..<8 { checkpoint[dataEnd + i] = $0[i] } }
    }

    let files = FileManager.default
    try? files.removeItem(atPath: runFolder)
    try? files.createDirectory(atPath: runFolder, withIntermediateDirectories: true)
    let folder = RunDirectory(path: runFolder)
    func write(_ bytes: [UInt8], _ name: String) {
        guard files.createFile(atPath: folder.file(name), contents: Data(bytes)) else { fatalError("harness: cannot write \(name)") }
    }
    if flags & 2 != 0 { write(Array(config), RunDirectory.configFile) }
    if flags & 4 != 0 { write(Array(epochLog), RunDirectory.logFile) }
    write(checkpoint, RunDirectory.lastCheckpoint)

    var request = RunRequest()
    request.resumeDirectory = runFolder
    request.threads = 1
    if flags & 8 != 0 { request.overrides.append("training.batch_size=3") }
    if flags & 16 != 0 { request.overrides.append("training.epochs=3") }
    request.acceptChangedData = flags & 32 != 0
    if let setup = try? RunSetup(request, log: { _ in }) {
        let stop = StopRequest()
        if let trainer = try? Trainer(setup: setup, stop: stop, log: { _ in }), flags & 64 != 0 {
            stop.request("SIGINT")
            _ = try? trainer.run()
        }
        setup.release()
    }
    // Whatever happened, the folder must not stay locked.
    do {
        let lock = try RunLock.acquire(folder: runFolder, log: { _ in })
        lock.release()
    } catch {
        fatalError("the run folder stays locked after an input: \(error)")
    }
    return 0
}
