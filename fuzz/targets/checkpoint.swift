// libFuzzer target: the checkpoint decoder (Checkpoint.decode, what Checkpoint.read runs on a file's bytes).
//
// Each input is decoded twice: as given (nearly always stopped by the checksum),
// and with its last 8 bytes replaced by the correct checksum, so that mutations
// reach the header JSON, the tensor table's range checks and the tensor copy.
// A checkpoint that decodes is then loaded as a model (TrainedModel.load) from
// a temporary file, which checks the stored config, vocabulary and shapes.
import Foundation
@testable import RNNKit

private let scratch = FuzzScratch(name: "checkpoint")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCheckpoint(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? Checkpoint.decode(bytes, path: "fuzz.ckpt")
    guard bytes.count >= Checkpoint.checksumLength else { return 0 }
    var fixed = bytes
    let dataEnd = fixed.count - Checkpoint.checksumLength
    let sum = Checkpoint.fnv1a64(fixed[0..<dataEnd]).littleEndian
    withUnsafeBytes(of: sum) { for i in 0..<8 { fixed[dataEnd + i] = $0[i] } }
    guard (try? Checkpoint.decode(fixed, path: "fuzz.ckpt")) != nil else { return 0 }
    scratch.write(fixed)
    _ = try? TrainedModel.load(checkpoint: scratch.path)
    return 0
}
