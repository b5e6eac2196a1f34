import AsyncHTTPClient
import Foundation
import KlartekstCore
import Logging
import NIOCore
import NIOHTTP1

/// How politely to talk to a portal. Conservative defaults; all configurable.
public struct Politeness: Sendable {
    public var userAgent: String
    /// At most this many requests in flight per host.
    public var maxConcurrentPerHost: Int
    /// At least this long between the starts of two requests to one host.
    public var minInterval: Duration
    public var requestTimeout: Duration
    public var retry: RetryPolicy
    public var breakerThreshold: Int
    public var breakerCooldown: TimeInterval

    public init(
        userAgent: String = "Klartekst/0.1 (+https://github.com/klartekst/klartekst; open-source reader of public agendas)",
        maxConcurrentPerHost: Int = 2, minInterval: Duration = .milliseconds(500), requestTimeout: Duration = .seconds(60),
        retry: RetryPolicy = RetryPolicy(), breakerThreshold: Int = 8, breakerCooldown: TimeInterval = 600
    ) {
        self.userAgent = userAgent
        self.maxConcurrentPerHost = maxConcurrentPerHost
        self.minInterval = minInterval
        self.requestTimeout = requestTimeout
        self.retry = retry
        self.breakerThreshold = breakerThreshold
        self.breakerCooldown = breakerCooldown
    }

    /// No waiting between requests (benchmarks against a local fake portal only).
    public static func unlimited(userAgent: String = "Klartekst-bench") -> Politeness {
        Politeness(
            userAgent: userAgent, maxConcurrentPerHost: 8, minInterval: .zero, retry: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(10)))
    }
}

/// The HTTP side of every connector: per-host politeness (concurrency, interval), a cookie jar,
/// conditional requests, backoff with jitter on 429/5xx/timeouts (honouring Retry-After) and a
/// circuit breaker per host. One instance per process; `shutdown()` when done.
public final class PoliteHTTPClient: Sendable {
    let http: HTTPClient
    let politeness: Politeness
    let hosts = HostTable()
    let logger: Logger
    let random: @Sendable () -> Double

    public init(politeness: Politeness = Politeness(), logger: Logger, random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        var config = HTTPClient.Configuration()
        config.redirectConfiguration = .disallow
        config.timeout = .init(connect: .seconds(15), read: .seconds(60))
        config.decompression = .enabled(limit: .ratio(50))
        self.http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
        self.politeness = politeness
        self.logger = logger
        self.random = random
    }

    public func shutdown() async {
        try? await http.shutdown()
    }

    /// One raw exchange after politeness and retries; redirects are returned, not followed.
    public struct Exchange: Sendable {
        public var status: Int
        public var headers: [(String, String)]
        public var body: Data

        public func header(_ name: String) -> String? {
            headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
        }
    }

    /// Sends a GET with retries and politeness. Throws ``FetchError`` when giving up.
    public func get(_ url: String, headers extra: [(String, String)] = [], maxBytes: Int) async throws -> Exchange {
        guard let parsed = URL(string: url), let host = parsed.host else { throw FetchError(.invalid, url: url, "not a URL") }
        let hostKey = parsed.port.map { "\(host):\($0)" } ?? host
        var attempt = 0
        while true {
            attempt += 1
            try await hosts.acquire(hostKey, politeness: politeness, url: url)
            let outcome: RetryPolicy.Outcome
            do {
                let exchange = try await send(url, hostKey: hostKey, headers: extra, maxBytes: maxBytes)
                await hosts.release(hostKey)
                if exchange.status == 429 || (500...599).contains(exchange.status) {
                    outcome = .status(exchange.status, retryAfter: exchange.header("Retry-After"))
                    await hosts.recordFailure(hostKey, politeness: politeness)
                } else {
                    await hosts.recordSuccess(hostKey, cookies: exchange.headers.filter { $0.0.lowercased() == "set-cookie" }.map(\.1))
                    return exchange
                }
            } catch let error as FetchError {
                await hosts.release(hostKey)
                if error.code == .tooLarge || error.code == .invalid { throw error }
                outcome = error.code == .timeout ? .timeout : .connectionFailed
                await hosts.recordFailure(hostKey, politeness: politeness)
            } catch {
                await hosts.release(hostKey)
                throw error
            }
            switch politeness.retry.decide(attempt: attempt, outcome: outcome, jitter: random()) {
            case .retry(let delay):
                logger.debug("retrying", metadata: ["url": "\(url)", "attempt": "\(attempt)", "delay": "\(delay)"])
                try await Task.sleep(for: delay)
            case .giveUp(let reason):
                switch outcome {
                case .status(let code, _): throw FetchError(.http, url: url, "HTTP \(code): \(reason)")
                case .timeout: throw FetchError(.timeout, url: url, reason)
                case .connectionFailed: throw FetchError(.connection, url: url, reason)
                }
            }
        }
    }

    func send(_ url: String, hostKey: String, headers extra: [(String, String)], maxBytes: Int) async throws -> Exchange {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        request.headers.add(name: "User-Agent", value: politeness.userAgent)
        request.headers.add(name: "Accept", value: "application/json, application/pdf;q=0.9, */*;q=0.5")
        if let cookie = await hosts.cookieHeader(hostKey) { request.headers.add(name: "Cookie", value: cookie) }
        for (k, v) in extra { request.headers.add(name: k, value: v) }
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: .nanoseconds(politeness.requestTimeout.nanoseconds))
        } catch let error as HTTPClientError {
            if error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
                throw FetchError(.timeout, url: url, "timed out")
            }
            throw FetchError(.connection, url: url, "\(error)")
        } catch {
            throw FetchError(.connection, url: url, "\(error)")
        }
        if let length = response.headers.first(name: "Content-Length").flatMap(Int.init), length > maxBytes {
            throw FetchError(.tooLarge, url: url, "\(length) bytes is over the limit of \(maxBytes)")
        }
        let body: ByteBuffer
        do {
            body = try await response.body.collect(upTo: maxBytes)
        } catch is NIOTooManyBytesError {
            throw FetchError(.tooLarge, url: url, "more than \(maxBytes) bytes")
        } catch let error as HTTPClientError {
            if error == .deadlineExceeded || error == .readTimeout { throw FetchError(.timeout, url: url, "timed out while reading") }
            throw FetchError(.connection, url: url, "\(error)")
        } catch {
            throw FetchError(.connection, url: url, "\(error)")
        }
        return Exchange(
            status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
            body: Data(body.readableBytesView))
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (s, atto) = components
        return s * 1_000_000_000 + atto / 1_000_000_000
    }
}

/// Per-host state: in-flight count, last start, cookies, breaker.
actor HostTable {
    struct Host {
        var inFlight = 0
        var lastStart: ContinuousClock.Instant?
        var cookies: [String: String] = [:]
        var breaker: CircuitBreaker
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    var hosts: [String: Host] = [:]
    let clock = ContinuousClock()

    func acquire(_ key: String, politeness: Politeness, url: String) async throws {
        if hosts[key] == nil {
            hosts[key] = Host(breaker: CircuitBreaker(threshold: politeness.breakerThreshold, cooldown: politeness.breakerCooldown))
        }
        guard hosts[key]!.breaker.allows(at: Date()) else {
            throw FetchError(.circuitOpen, url: url, "the portal failed \(hosts[key]!.breaker.consecutiveFailures) times in a row; paused")
        }
        while hosts[key]!.inFlight >= politeness.maxConcurrentPerHost {
            await withCheckedContinuation { hosts[key]!.waiters.append($0) }
        }
        hosts[key]!.inFlight += 1
        // Space the starts of requests to one host: reserve the next slot, then wait for it.
        let now = clock.now
        var start = now
        if let last = hosts[key]!.lastStart, last + politeness.minInterval > now { start = last + politeness.minInterval }
        hosts[key]!.lastStart = start
        if start > now { try? await Task.sleep(until: start, clock: clock) }
    }

    func release(_ key: String) {
        hosts[key]?.inFlight -= 1
        if let w = hosts[key]?.waiters.first {
            hosts[key]!.waiters.removeFirst()
            w.resume()
        }
    }

    func recordSuccess(_ key: String, cookies: [String]) {
        hosts[key]?.breaker.recordSuccess()
        for c in cookies {
            let pair = c.split(separator: ";", maxSplits: 1).first.map(String.init) ?? c
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { continue }
            hosts[key]?.cookies[String(parts[0]).trimmingCharacters(in: .whitespaces)] = String(parts[1])
        }
    }

    func recordFailure(_ key: String, politeness: Politeness) {
        hosts[key]?.breaker.recordFailure(at: Date())
    }

    func cookieHeader(_ key: String) -> String? {
        guard let c = hosts[key]?.cookies, !c.isEmpty else { return nil }
        return c.keys.sorted().map { "\($0)=\(c[$0]!)" }.joined(separator: "; ")
    }
}
