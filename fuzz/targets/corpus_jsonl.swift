// libFuzzer target: CorpusReader on a jsonl file (the input's bytes after the first, written to a
// temporary file; the first byte picks the options, see CorpusFuzzer in FuzzScratch.swift).
import Foundation
@testable import RNNKit

private let fuzzer = CorpusFuzzer(format: .jsonl)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCorpus(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    fuzzer.run(data, size)
}
