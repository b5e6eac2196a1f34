import Synchronization

/// Waiting with a bound for work that might never finish (a pool that does not close, a loop
/// stuck in a call): the work runs in a task of its own, and the wait ends after `seconds` even
/// if the work has not, leaving it behind. For stopping a process only, where leaving work
/// behind is the point.
public enum Deadline {
    /// Resumes a continuation once, with whichever answer comes first.
    final class Once: Sendable {
        let resumed = Mutex(false)
        let continuation: CheckedContinuation<Bool, Never>
        init(_ continuation: CheckedContinuation<Bool, Never>) { self.continuation = continuation }

        func resume(_ finished: Bool) {
            let first = resumed.withLock { r in
                defer { r = true }
                return !r
            }
            if first { continuation.resume(returning: finished) }
        }
    }

    /// Whether `operation` finished within `seconds`.
    @discardableResult
    public static func wait(seconds: Double, _ operation: @escaping @Sendable () async -> Void) async -> Bool {
        await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let once = Once(continuation)
            Task {
                await operation()
                once.resume(true)
            }
            Task {
                try? await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
                once.resume(false)
            }
        }
    }
}
