import Foundation
import KlartekstCore
import Logging
import Metrics

/// Several OpenAI-compatible endpoints serving the same model, used as one: requests are spread
/// over the healthy endpoints by weight (smooth weighted round robin), never past an endpoint's
/// concurrency. An endpoint that fails (no answer, 429, 5xx) is taken out for
/// a cooldown that doubles with each failure in a row (5 s … 5 min) and the request moves on to
/// the next endpoint; after the cooldown one request tries it again, and a success puts it back.
/// When no endpoint is healthy the pool throws ``ModelUnavailable`` (the job is retried later).
public final class ModelPool: LanguageModel, @unchecked Sendable {
    public struct Endpoint: Sendable, Equatable {
        public var url: String
        public var weight: Int
        public var concurrency: Int

        public init(url: String, weight: Int = 1, concurrency: Int = 1) {
            self.url = url
            self.weight = max(1, weight)
            self.concurrency = max(1, concurrency)
        }

        /// `URL[;weight=N][;concurrency=N]`, several separated by commas or spaces.
        public static func parseList(_ text: String, defaultConcurrency: Int = 1) throws -> [Endpoint] {
            var out: [Endpoint] = []
            for entry in text.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\n" }) where !entry.isEmpty {
                let parts = entry.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
                guard let url = parts.first, url.hasPrefix("http://") || url.hasPrefix("https://") else {
                    throw PoolError("llm.endpoints: \"\(entry)\" does not start with an http(s):// URL")
                }
                var e = Endpoint(url: url, weight: 1, concurrency: defaultConcurrency)
                for option in parts.dropFirst() {
                    let kv = option.split(separator: "=", maxSplits: 1).map(String.init)
                    guard kv.count == 2, let n = Int(kv[1]), n >= 1, n <= 1024 else {
                        throw PoolError("llm.endpoints: \"\(option)\" in \"\(entry)\" must be weight=N or concurrency=N with N from 1 to 1024")
                    }
                    switch kv[0] {
                    case "weight": e.weight = n
                    case "concurrency": e.concurrency = n
                    default: throw PoolError("llm.endpoints: unknown option \"\(kv[0])\" (weight, concurrency)")
                    }
                }
                out.append(e)
            }
            guard !out.isEmpty else { throw PoolError("llm.endpoints is empty") }
            return out
        }
    }

    public struct PoolError: Error, CustomStringConvertible, Sendable {
        public var description: String
        init(_ d: String) { description = d }
    }

    public let modelID: String
    public var backendID: String {
        endpoints.count == 1 ? "openai-compatible \(endpoints[0].url)" : "pool of \(endpoints.count) openai-compatible endpoints"
    }
    let endpoints: [Endpoint]
    let clients: [any LanguageModel]
    let state: PoolState
    let logger: Logger
    let closeClients: @Sendable () async -> Void

    /// - Parameter clients: one model client per endpoint (in tests, any ``LanguageModel``).
    public init(
        modelID: String, endpoints: [Endpoint], clients: [any LanguageModel], logger: Logger, baseCooldown: Double = 5, maxCooldown: Double = 300,
        close: @escaping @Sendable () async -> Void = {}
    ) {
        precondition(endpoints.count == clients.count && !endpoints.isEmpty)
        self.modelID = modelID
        self.endpoints = endpoints
        self.clients = clients
        self.logger = logger
        self.closeClients = close
        self.state = PoolState(endpoints: endpoints, baseCooldown: baseCooldown, maxCooldown: maxCooldown)
    }

    /// Clients for the endpoints over HTTP, each with one retry of its own (the pool moves on).
    public static func http(
        model: String, endpoints: [Endpoint], apiKey: String?, dialect: OpenAIChatModel.Dialect = .auto, timeout: Duration, logger: Logger,
        baseCooldown: Double = 5, maxCooldown: Double = 300
    ) -> ModelPool {
        let clients = endpoints.map {
            OpenAIChatModel(
                baseURL: $0.url, model: model, apiKey: apiKey, dialect: dialect, timeout: timeout, maxConcurrent: $0.concurrency,
                retry: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(500)), logger: logger)
        }
        return ModelPool(
            modelID: model, endpoints: endpoints, clients: clients, logger: logger, baseCooldown: baseCooldown, maxCooldown: maxCooldown
        ) {
            for c in clients { await c.shutdown() }
        }
    }

    public func shutdown() async { await closeClients() }

    public func status() async -> [BackendStatus] { await state.status() }

    public func complete(system: String, user: String, schema: [String: Any], schemaName: String, maxTokens: Int) async throws -> ModelAnswer {
        var tried = Set<Int>()
        var lastError = ""
        while true {
            try Task.checkCancellation()
            guard let index = await state.acquire(excluding: tried) else {
                throw ModelUnavailable(
                    "no language-model endpoint is available (\(endpoints.count) configured\(lastError.isEmpty ? "" : "; last error: \(lastError)"))")
            }
            let clock = ContinuousClock()
            let started = clock.now
            do {
                let answer = try await clients[index].complete(system: system, user: user, schema: schema, schemaName: schemaName, maxTokens: maxTokens)
                let elapsed = clock.now - started
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                await state.succeeded(index, seconds: seconds)
                Timer(label: "klartekst_llm_request_seconds", dimensions: [("backend", endpoints[index].url)]).recordSeconds(seconds)
                return answer
            } catch let failure as OpenAIChatModel.Failure where failure.transient {
                lastError = failure.description
                tried.insert(index)
                let cooldown = await state.failed(index, error: failure.description)
                Counter(label: "klartekst_llm_failures_total", dimensions: [("backend", endpoints[index].url)]).increment()
                logger.warning(
                    "language-model endpoint failed; taken out", metadata: ["endpoint": "\(endpoints[index].url)", "seconds": "\(Int(cooldown))", "error": "\(failure)"])
            } catch {
                await state.finished(index)
                throw error
            }
        }
    }
}

/// Endpoint health and load. `acquire` waits while every healthy endpoint is at its concurrency.
actor PoolState {
    struct Entry {
        var endpoint: ModelPool.Endpoint
        var inFlight = 0
        /// Smooth weighted round robin's running weight.
        var current = 0
        var failuresInRow = 0
        var downUntil: ContinuousClock.Instant?
        var requests = 0
        var failures = 0
        var latencies: [Double] = []
        var lastError: String?
    }

    var entries: [Entry]
    var waiters: [CheckedContinuation<Void, Never>] = []
    let baseCooldown: Double
    let maxCooldown: Double
    let clock = ContinuousClock()

    init(endpoints: [ModelPool.Endpoint], baseCooldown: Double, maxCooldown: Double) {
        entries = endpoints.map { Entry(endpoint: $0) }
        self.baseCooldown = baseCooldown
        self.maxCooldown = maxCooldown
    }

    func healthy(_ i: Int) -> Bool { entries[i].downUntil.map { $0 <= clock.now } ?? true }

    /// The index of the endpoint to use, holding one of its slots; nil when none is healthy.
    /// Among healthy endpoints with a free slot, smooth weighted round robin: over any run of
    /// requests each endpoint gets its weight's share, interleaved (not in bursts).
    func acquire(excluding tried: Set<Int>) async -> Int? {
        while true {
            let candidates = entries.indices.filter { !tried.contains($0) && healthy($0) }
            if candidates.isEmpty { return nil }
            let free = candidates.filter { entries[$0].inFlight < entries[$0].endpoint.concurrency }
            if !free.isEmpty {
                var best = free[0]
                for i in free {
                    entries[i].current += entries[i].endpoint.weight
                    if entries[i].current > entries[best].current { best = i }
                }
                entries[best].current -= free.reduce(0) { $0 + entries[$1].endpoint.weight }
                entries[best].inFlight += 1
                entries[best].requests += 1
                return best
            }
            await withCheckedContinuation { waiters.append($0) }
        }
    }

    func finished(_ i: Int) {
        entries[i].inFlight -= 1
        let woken = waiters
        waiters.removeAll()
        for w in woken { w.resume() }
    }

    func succeeded(_ i: Int, seconds: Double) {
        entries[i].failuresInRow = 0
        entries[i].downUntil = nil
        entries[i].latencies.append(seconds)
        if entries[i].latencies.count > 200 { entries[i].latencies.removeFirst(entries[i].latencies.count - 200) }
        finished(i)
    }

    /// Takes the endpoint out; returns the cooldown in seconds.
    func failed(_ i: Int, error: String) -> Double {
        entries[i].failuresInRow += 1
        entries[i].failures += 1
        entries[i].lastError = String(error.prefix(300))
        let cooldown = min(maxCooldown, baseCooldown * pow(2, Double(entries[i].failuresInRow - 1)))
        entries[i].downUntil = clock.now + .milliseconds(Int64(cooldown * 1000))
        finished(i)
        return cooldown
    }

    func status() -> [BackendStatus] {
        entries.indices.map { i in
            let e = entries[i]
            let sorted = e.latencies.sorted()
            return BackendStatus(
                url: e.endpoint.url, weight: e.endpoint.weight, concurrency: e.endpoint.concurrency, healthy: healthy(i), inFlight: e.inFlight,
                requests: e.requests, failures: e.failures, meanSeconds: sorted.isEmpty ? nil : sorted.reduce(0, +) / Double(sorted.count),
                p95Seconds: sorted.isEmpty ? nil : sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.95))], lastError: e.lastError)
        }
    }
}
