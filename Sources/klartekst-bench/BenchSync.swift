import AsyncHTTPClient
import Foundation
import KlartekstApp
import KlartekstCore
import KlartekstPipeline
import KlartekstSources
import KlartekstStore
import KlartekstTestSupport
import Logging
import NIOCore

/// `swift run -c release klartekst-bench sync [meetings] [sqlite|postgres-url]`:
/// sync throughput against a local fake portal with politeness off, and, in the same run, the
/// same requests by a bare HTTP client doing nothing with the answers (the baseline).
@main
struct BenchMain {
    static func main() async throws {
        var args = Array(CommandLine.arguments.dropFirst())
        if args.first == "votes" {
            try await BenchVotes.run(Array(args.dropFirst()))
            return
        }
        if args.first == "search-corpus" {
            try await BenchSearch.run(Array(args.dropFirst()))
            return
        }
        if args.first == "workers" {
            try await BenchWorkers.run(Array(args.dropFirst()))
            return
        }
        if args.first == "analyze" {
            try await BenchAnalyze.run(Array(args.dropFirst()))
            return
        }
        guard args.first == "sync" else {
            print("usage: klartekst-bench sync [MEETINGS=200] [DATABASE-URL]\n       klartekst-bench analyze [MEETINGS=10] [CAPACITY=4] [LATENCY-MS=100]\n       klartekst-bench votes [ANSWERS=20000] [PARTICIPANTS=500] [CONCURRENCY=32] [DATABASE-URL]\n       klartekst-bench search-corpus [ITEMS=1000000] DATABASE-URL [SEED=1]\n       klartekst-bench workers POSTGRES-URL KLARTEKST-BINARY [MEETINGS=6] [COUNTS=1,2,4]")
            return
        }
        args.removeFirst()
        let count = args.first.flatMap(Int.init) ?? 200
        let databaseArg = args.dropFirst().first
        let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })

        // A portal with `count` meetings, each the real 22-item Hvidovre agenda under new ids.
        let (meetings, files) = try FakePortal.generated(meetings: count)
        let portal = FakePortal(meetings: meetings, files: files)
        try await portal.start()
        let dir = try Fixtures.temporaryDirectory("klartekst-bench")
        defer { try? FileManager.default.removeItem(at: dir) }
        let registry = Registry(municipalities: [
            Municipality(slug: "hvidovre", name: "Hvidovre Kommune", portalBaseURL: portal.baseURL, portalKind: "firstagenda")
        ])
        let dbURL = databaseArg ?? "sqlite:" + dir.appendingPathComponent("bench.sqlite").path
        let store = try await SQLStore.open(url: dbURL, logger: logger)
        try await store.migrate()
        let config = AppConfig(databaseURL: dbURL, blobsPath: dir.appendingPathComponent("blobs").path)

        let clock = ContinuousClock()
        let t0 = clock.now
        let runner = try SyncRunner(config: config, store: store, registry: registry, logger: logger, politeness: .unlimited())
        let reports = await runner.run(try runner.targets(["hvidovre"]), options: .init(since: "2000-01-01", fileConcurrency: 8))
        await runner.shutdown()
        let elapsed = clock.now - t0
        let r = reports[0]
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let requests = portal.requests.count
        let items = try await store.counts().items
        print(String(format: "klartekst sync: %d meetings (%d items), %d files, %.1f MB in %.2f s → %.1f meetings/s, %.0f items/s, %.0f requests/s, %.2f MB/s",
            r.meetingsStored, items, r.filesStored, Double(r.bytes) / 1e6, seconds, Double(r.meetingsStored) / seconds,
            Double(items) / seconds, Double(requests) / seconds, Double(r.bytes) / 1e6 / seconds))
        if let fatal = r.fatal { print("  error: \(fatal)") }
        if r.meetingsFailed + r.filesFailed > 0 { print("  failed: \(r.meetingsFailed) meetings, \(r.filesFailed) files; \(r.errors.prefix(3))") }

        // Baseline: the same requests by a bare client (8 in flight), answers thrown away.
        let paths = portal.requests.map(\.path)
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let b0 = clock.now
        var bytes = 0
        try await withThrowingTaskGroup(of: Int.self) { group in
            var it = paths.makeIterator()
            func next() -> Bool {
                guard let p = it.next() else { return false }
                group.addTask {
                    var req = HTTPClientRequest(url: portal.baseURL + p)
                    req.method = .GET
                    let resp = try await http.execute(req, timeout: .seconds(30))
                    var n = 0
                    var target = resp.status.code == 302 ? resp.headers.first(name: "Location") : nil
                    n += try await resp.body.collect(upTo: 1 << 30).readableBytes
                    if let t = target {
                        let r2 = try await http.execute(HTTPClientRequest(url: t), timeout: .seconds(30))
                        n += try await r2.body.collect(upTo: 1 << 30).readableBytes
                        target = nil
                    }
                    return n
                }
                return true
            }
            for _ in 0..<8 where next() {}
            while let n = try await group.next() {
                bytes += n
                _ = next()
            }
        }
        try await http.shutdown()
        let be = clock.now - b0
        let bs = Double(be.components.seconds) + Double(be.components.attoseconds) / 1e18
        print(String(format: "baseline bare HTTP GETs of the same %d paths: %.2f s → %.0f requests/s, %.2f MB/s", paths.count, bs, Double(paths.count) / bs, Double(bytes) / 1e6 / bs))
        print(String(format: "ratio: klartekst sync takes %.2f× the time of fetching alone", seconds / bs))
        await store.close()
        await portal.stop()
    }
}
