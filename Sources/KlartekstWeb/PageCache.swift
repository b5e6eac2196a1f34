import Foundation
import Hummingbird
import KlartekstCore

/// A short-lived cache of rendered pages ("micro-cache"): public pages are rendered at most once
/// per `ttl` per URL on a web node, and concurrent requests for a page being rendered wait for
/// that one rendering. Pages are at most `ttl` old; writes made through this web node clear it.
/// Personal parts (the answer box) are never cached; they are rendered per request.
public actor PageCache<Value: Sendable> {
    struct Entry { var value: Value; var expires: ContinuousClock.Instant }
    private var entries: [String: Entry] = [:]
    private var rendering: [String: Task<Value, Error>] = [:]
    private let ttl: Duration
    private let capacity: Int
    private let clock = ContinuousClock()
    private(set) var hits = 0
    private(set) var misses = 0

    public init(ttl: Duration, capacity: Int = 5000) {
        self.ttl = ttl
        self.capacity = max(1, capacity)
    }

    public var enabled: Bool { ttl > .zero }

    public func value(_ key: String, render: @escaping @Sendable () async throws -> Value) async throws -> Value {
        guard ttl > .zero else { return try await render() }
        let now = clock.now
        if let e = entries[key], e.expires > now {
            hits += 1
            return e.value
        }
        misses += 1
        if let running = rendering[key] { return try await running.value }
        let task = Task { try await render() }
        rendering[key] = task
        defer { rendering[key] = nil }
        let value = try await task.value
        if entries.count >= capacity { evictExpired(now) }
        if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        entries[key] = Entry(value: value, expires: clock.now.advanced(by: ttl))
        return value
    }

    public func clear() { entries.removeAll() }

    private func evictExpired(_ now: ContinuousClock.Instant) {
        entries = entries.filter { $0.value.expires > now }
    }
}

/// The item page without its answer box, and what the box needs.
struct CachedItem: Sendable {
    var page: ItemPage
    var question: String?
    var shell: String
    /// The answer box of someone who has not answered (the token left open), or nil when the item takes no answers.
    var openBox: String?
}

/// The caches of one web node.
public struct WebCaches: Sendable {
    let pages: PageCache<String>
    let items: PageCache<CachedItem>
    let municipalities: PageCache<[MunicipalitySummary]>

    public init(seconds: Int) {
        pages = PageCache(ttl: .seconds(seconds))
        items = PageCache(ttl: .seconds(seconds))
        municipalities = PageCache(ttl: .seconds(seconds))
    }

    /// The municipalities with collected items (counted over every item: worth keeping a moment).
    func storedMunicipalities(_ store: any KlartekstStore) async throws -> [MunicipalitySummary] {
        try await municipalities.value("all") { try await store.municipalities() }
    }

    /// After a write through this node (a review, an error report): show it at once.
    func clear() async {
        await pages.clear()
        await items.clear()
        await municipalities.clear()
    }
}

extension Request {
    /// The cache key: path and query.
    var cacheKey: String { uri.path + (uri.query.map { "?" + $0 } ?? "") }

    /// A query parameter as an HTML form sends it: `+` is a space, then percent-decoding
    /// (a literal plus arrives as %2B).
    func formQuery(_ name: String) -> String? { FormFields(uri.query)[name] }

    /// Every query parameter, decoded once (a search reads a dozen).
    var formFields: FormFields { FormFields(uri.query) }
}

/// The parameters of a query string as an HTML form sends them; the first of a repeated name.
struct FormFields {
    private var fields: [String: String] = [:]

    init(_ query: String?) {
        for pair in (query ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = parts.first.map(Self.decode) else { continue }
            if fields[name] == nil { fields[name] = parts.count > 1 ? Self.decode(parts[1]) : "" }
        }
    }

    subscript(name: String) -> String? { fields[name] }

    /// `+` is a space, then percent-decoding; text that is not valid percent-encoding stays as sent.
    static func decode(_ raw: Substring) -> String {
        guard raw.utf8.contains(where: { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "%") }) else { return String(raw) }
        let spaced = raw.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? String(raw)
    }
}
