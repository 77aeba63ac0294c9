import Foundation
import XCTest
@testable import RNNKit

extension XCTestCase {
    /// Trains `config` in this process as `rnn-train` would (a new run, or `--resume RUN_DIR`),
    /// with `threads` workers; `stopAfterSetup` acts as a Ctrl-C before the first step ends.
    @discardableResult
    func train(_ config: URL, overrides: [String] = [], threads: Int = 2, resume: String? = nil,
               stopAfterSetup: Bool = false) throws -> TrainingSummary {
        var request = RunRequest()
        request.configPath = resume == nil ? config.path : nil
        request.resumeDirectory = resume
        request.overrides = overrides
        request.threads = threads
        request.restart = resume == nil
        let stop = StopRequest()
        let setup = try RunSetup(request, log: { _ in })
        defer { setup.release() }
        let trainer = try Trainer(setup: setup, stop: stop, log: { _ in })
        if stopAfterSetup { stop.request("SIGINT") }
        defer { Parallel.threadCount = 0 }
        return try trainer.run()
    }
}
