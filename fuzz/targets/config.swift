// libFuzzer target: the config parser (JSON syntax, decoding, validation, resolution).
//
// The first byte, when it is 0x01, splits the rest at the first 0x00 into a
// document and one `--set`-style override (section.field=value), so the
// override path is fuzzed too; otherwise the whole input is the document.
import Foundation
@testable import RNNKit

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var overrides: [String] = []
    if bytes.first == 0x01 {
        bytes.removeFirst()
        if let zero = bytes.firstIndex(of: 0) {
            overrides = [String(decoding: bytes[(zero + 1)...], as: UTF8.self)]
            bytes.removeSubrange(zero...)
        }
    }
    if let config = try? RunConfig.parse(bytes: bytes, path: "/fuzz/config.json", overrides: overrides, checkFiles: false) {
        // What a checkpoint stores must parse back to the same config.
        let again = try? RunConfig.parse(json: config.resolvedJSON(), path: "/fuzz/config.json")
        if again != config { fatalError("resolved config does not round-trip:\n\(config.resolvedJSON())") }
    }
    return 0
}
