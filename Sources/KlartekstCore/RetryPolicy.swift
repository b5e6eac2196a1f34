import Foundation

/// What a polite client does after a request: a pure state machine, tested without I/O.
public struct RetryPolicy: Sendable {
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration

    public init(maxAttempts: Int = 5, baseDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(60)) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    public enum Outcome: Sendable, Equatable {
        case status(Int, retryAfter: String?)
        case timeout
        case connectionFailed
    }

    public enum Action: Sendable, Equatable {
        case retry(after: Duration)
        case giveUp(String)
    }

    /// - Parameters:
    ///   - attempt: the attempt that just failed, from 1.
    ///   - jitter: a number in 0..<1 (injected for determinism).
    ///   - now: for `Retry-After` given as an HTTP date.
    public func decide(attempt: Int, outcome: Outcome, jitter: Double, now: Date = Date()) -> Action {
        let retryable: Bool
        var requested: Duration?
        switch outcome {
        case .status(let code, let retryAfter):
            retryable = code == 429 || code == 408 || (500...599).contains(code) && code != 501
            requested = retryAfter.flatMap { Self.parseRetryAfter($0, now: now) }
            if !retryable { return .giveUp("HTTP \(code)") }
        case .timeout, .connectionFailed:
            retryable = true
        }
        guard retryable, attempt < maxAttempts else { return .giveUp("gave up after \(attempt) attempts (\(Self.describe(outcome)))") }
        // Exponential backoff with full jitter on the upper half: base·2^(n-1)·(0.5 + jitter/2).
        let exponential = baseDelay * (1 << min(attempt - 1, 20))
        var delay = min(exponential, maxDelay) * (0.5 + max(0, min(jitter, 1)) / 2)
        if let requested { delay = max(delay, min(requested, maxDelay * 5)) }
        return .retry(after: delay)
    }

    /// `Retry-After: 120` or an HTTP date.
    public static func parseRetryAfter(_ value: String, now: Date) -> Duration? {
        let v = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Int(v), seconds >= 0 { return .seconds(seconds) }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = f.date(from: v) else { return nil }
        return .milliseconds(max(0, Int(date.timeIntervalSince(now) * 1000)))
    }

    static func describe(_ o: Outcome) -> String {
        switch o {
        case .status(let c, _): "HTTP \(c)"
        case .timeout: "timeout"
        case .connectionFailed: "connection failed"
        }
    }
}

/// A per-host circuit breaker: after `threshold` consecutive failures the host is left alone for
/// `cooldown`, then one trial request is let through.
public struct CircuitBreaker: Sendable, Equatable {
    public enum State: Sendable, Equatable { case closed, open(until: Date), halfOpen }

    public private(set) var state: State = .closed
    public private(set) var consecutiveFailures = 0
    public var threshold: Int
    public var cooldown: TimeInterval

    public init(threshold: Int = 5, cooldown: TimeInterval = 300) {
        self.threshold = threshold
        self.cooldown = cooldown
    }

    public mutating func allows(at now: Date) -> Bool {
        switch state {
        case .closed, .halfOpen: return true
        case .open(let until):
            if now >= until {
                state = .halfOpen
                return true
            }
            return false
        }
    }

    public mutating func recordSuccess() {
        consecutiveFailures = 0
        state = .closed
    }

    public mutating func recordFailure(at now: Date) {
        consecutiveFailures += 1
        if state == .halfOpen || consecutiveFailures >= threshold {
            state = .open(until: now.addingTimeInterval(cooldown))
        }
    }
}
