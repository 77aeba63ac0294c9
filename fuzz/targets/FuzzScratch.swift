// Shared by every fuzz target: one temporary file per process, rewritten per input.
import Foundation
@testable import RNNKit

final class FuzzScratch {
    let path: String

    init(name: String) {
        let folder = ProcessInfo.processInfo.environment["FUZZ_SCRATCH"] ?? NSTemporaryDirectory()
        path = (folder as NSString).appendingPathComponent("rnn-fuzz-\(name)-\(getpid())")
    }

    func write(_ bytes: [UInt8]) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { fatalError("fuzz harness: cannot create \(path)") }
        var done = 0
        bytes.withUnsafeBytes { raw in
            while done < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + done, raw.count - done)
                guard n > 0 else { fatalError("fuzz harness: cannot write \(path)") }
                done += n
            }
        }
        close(fd)
    }
}

/// The body of the three corpus-reader targets: the first byte chooses the reader's options
/// (bit 0: invalid UTF-8 is an error; bit 1: unknown labels are skipped; bit 2: read as dev
/// data, with labels fixed by a training file's; bit 3: a classes file gives the labels); the
/// rest is the file. Checks that labels are in range and the summary counts what was read.
final class CorpusFuzzer {
    let format: DataConfig.Format
    let scratch: FuzzScratch
    let classes: FuzzScratch
    private var classesWritten = false

    init(format: DataConfig.Format) {
        self.format = format
        scratch = FuzzScratch(name: "corpus_\(format.rawValue)")
        classes = FuzzScratch(name: "corpus_\(format.rawValue)-classes")
    }

    func run(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
        guard size >= 1 else { return 0 }
        if !classesWritten { classes.write(Array("a\nb\n__label__c\n3\n".utf8)); classesWritten = true }
        let options = data[0]
        scratch.write(Array(UnsafeBufferPointer(start: data + 1, count: size - 1)))
        var config = DataConfig(train: scratch.path, format: format, classes: options & 8 != 0 ? classes.path : nil)
        config.invalidUTF8 = options & 1 != 0 ? .error : .replace
        config.unknownLabels = options & 2 != 0 ? .skip : .error
        guard var labels = try? CorpusReader.initialLabels(for: config) else { fatalError("classes file rejected") }
        if options & 4 != 0 && !labels.isFixed { _ = labels.add("a"); _ = labels.add("b") }
        var count = 0
        var largest = -1
        let summary = try? CorpusReader.forEachExample(path: scratch.path, config: config, labels: &labels,
                                                       allowNewLabels: options & 4 == 0, log: { _ in }) { example in
            if example.label < 0 { fatalError("negative label \(example.label)") }
            largest = max(largest, example.label)
            count += 1
        }
        if largest >= labels.count { fatalError("label \(largest) out of range (\(labels.count) classes)") }
        if let summary, summary.examples != count { fatalError("summary counts \(summary.examples), body saw \(count)") }
        return 0
    }
}
