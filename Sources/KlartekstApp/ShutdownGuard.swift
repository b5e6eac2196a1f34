import Dispatch
import Foundation
import KlartekstCore
import Logging
import Synchronization

/// The process's last word on stopping, independent of Swift concurrency and NIO: once the first
/// SIGTERM or SIGINT arrives (the service group starts its graceful shutdown on the same signal),
/// the process has `graceSeconds` plus 10 s to end; after that it exits with status 1 and says
/// so, whatever still runs (a hung subprocess, an event loop, a pool that never closes). A second
/// signal exits at once. The timers run on their own dispatch queue, so a busy or wedged
/// executor cannot hold them up.
public final class ShutdownGuard: @unchecked Sendable {
    /// The seconds after `graceSeconds` the process still has for closing stores and pools.
    public static let closingSeconds = 10.0

    private let queue = DispatchQueue(label: "klartekst.shutdown-guard")
    private var sources: [any DispatchSourceSignal] = []
    private var signals = 0
    private let graceSeconds: Double
    private let logger: Logger
    /// What is still running, for the line logged when the deadline passes.
    private let describe: @Sendable () -> String

    private nonisolated(unsafe) static var installed: ShutdownGuard?
    /// What the process is doing while it stops ("running", "closing the workers", …), for the
    /// line logged when the deadline passes.
    private static let phase = Mutex("running")

    /// Records what the stopping process does now.
    public static func enter(_ phase: String) { Self.phase.withLock { $0 = phase } }

    /// Runs `operation`, waiting at most `seconds` for it: a close that hangs (a pool, a client
    /// whose connections never finish closing) is logged and left behind, so the process still
    /// exits; everything that matters (leases, the store's writes) is settled before closing.
    public static func bounded(_ what: String, seconds: Double, logger: Logger, _ operation: @escaping @Sendable () async -> Void) async {
        enter(what)
        if !(await Deadline.wait(seconds: seconds, operation)) {
            logger.warning("\(what) did not finish within \(Int(seconds)) s; exiting without waiting for it")
        }
    }

    private init(graceSeconds: Double, logger: Logger, describe: @escaping @Sendable () -> String) {
        self.graceSeconds = graceSeconds
        self.logger = logger
        self.describe = describe
    }

    /// Arms the guard for this process (once; later calls are ignored).
    public static func arm(graceSeconds: Double, logger: Logger, describe: @escaping @Sendable () -> String = { "" }) {
        guard installed == nil else { return }
        let guardian = ShutdownGuard(graceSeconds: graceSeconds, logger: logger, describe: describe)
        installed = guardian
        guardian.queue.sync {
            for signo in [SIGTERM, SIGINT] {
                // The service group ignores the default action too; both sources see each signal.
                signal(signo, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: signo, queue: guardian.queue)
                source.setEventHandler { [guardian] in guardian.received(signo) }
                source.resume()
                guardian.sources.append(source)
            }
        }
    }

    private func received(_ signo: Int32) {
        signals += 1
        if signals > 1 {
            logger.warning("second signal: exiting now", metadata: ["signal": "\(signo)"])
            Self.exitNow(1)
        }
        let deadline = graceSeconds + Self.closingSeconds
        queue.asyncAfter(deadline: .now() + deadline) { [self] in
            let running = describe()
            var metadata: Logger.Metadata = ["phase": "\(Self.phase.withLock { $0 })"]
            if !running.isEmpty { metadata["still_running"] = "\(running)" }
            logger.error("did not stop within \(Int(deadline)) s of the signal: exiting", metadata: metadata)
            Self.exitNow(1)
        }
    }

    /// Flushes stdout and stderr and ends the process without running exit handlers, which may
    /// wait for threads that never finish.
    public static func exitNow(_ code: Int32) -> Never {
        fflush(nil)  // every open output stream
        _exit(code)
    }
}
