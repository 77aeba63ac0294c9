import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns SIGINT and SIGTERM into a polite request to stop.
///
/// The training loop polls `requestedBy` after each step: it finishes the step
/// (and the epoch, when that was its last batch), writes a checkpoint and exits
/// with a message on how to resume. A second signal while the first is being
/// honoured ends the process at once (exit 130), the way people expect a second
/// Ctrl-C to work.
public final class StopRequest: @unchecked Sendable {
    private let lock = NSLock()
    private var signalName: String?
    private var sources: [DispatchSourceSignal] = []

    public init() {}

    /// The name of the signal received, if any ("SIGINT", "SIGTERM").
    public var requestedBy: String? {
        lock.lock(); defer { lock.unlock() }
        return signalName
    }

    /// Requests a stop as if a signal had arrived (used by tests and the trainer's test seam).
    public func request(_ name: String) {
        lock.lock()
        let second = signalName != nil
        if !second { signalName = name }
        lock.unlock()
        if second {
            Terminal.writeError("\nrnn-train: second \(name), stopping now without a checkpoint\n")
            exit(130)
        }
    }

    /// Starts listening for SIGINT and SIGTERM.
    public func install() {
        for (sig, name) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [weak self] in self?.request(name) }
            source.resume()
            sources.append(source)
        }
    }

    /// Restores the default signal behaviour.
    public func uninstall() {
        for s in sources { s.cancel() }
        sources.removeAll()
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
