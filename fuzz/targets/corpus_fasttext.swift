// libFuzzer target: CorpusReader on a fasttext file (the input's bytes, written to a temporary file).
//
// The first byte chooses the reader's options (bit 0: invalid UTF-8 is an error;
// bit 1: unknown labels are skipped; bit 2: read as dev data, with labels fixed
// by a training file's; bit 3: a classes file gives the labels); the rest is
// the file.
import Foundation
@testable import RNNKit

private let scratch = FuzzScratch(name: "corpus_fasttext")
private let classes = FuzzScratch(name: "corpus_fasttext-classes")
private let classesWritten: Bool = { classes.write(Array("a\nb\n__label__c\n3\n".utf8)); return true }()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCorpus(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let options = data[0]
    scratch.write(Array(UnsafeBufferPointer(start: data + 1, count: size - 1)))
    _ = classesWritten
    var config = DataConfig(train: scratch.path, format: .fasttext, classes: options & 8 != 0 ? classes.path : nil)
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
