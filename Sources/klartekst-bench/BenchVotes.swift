import AsyncHTTPClient
import Foundation
import Hummingbird
import KlartekstApp
import KlartekstCore
import KlartekstLLM
import KlartekstStore
import KlartekstTestSupport
import Logging
import NIOCore
import Prometheus

/// `klartekst-bench votes [ANSWERS=20000] [PARTICIPANTS=500] [CONCURRENCY=32] [DATABASE-URL]`:
/// answers per second and latency through the real server on loopback (SQLite by default): every
/// participant has a real signed cookie and CSRF token (from a GET of the item page), answers go
/// through the form route with CSRF, rate limits (set high) and the store write. Each participant
/// answers in order, so the final rows and tally are known exactly and checked. Baseline in the
/// same run: the same server answering `/favicon.ico` (no database) at the same concurrency.
enum BenchVotes {
    static func run(_ args: [String]) async throws {
        let answers = args.first.flatMap(Int.init) ?? 20_000
        let participantCount = args.dropFirst().first.flatMap(Int.init) ?? 500
        let concurrency = args.dropFirst(2).first.flatMap(Int.init) ?? 32
        let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let url = args.dropFirst(3).first
        let (store, dir) = try await BenchAnalyze.temporaryStore("votes", url: url, logger: logger)
        defer { try? FileManager.default.removeItem(at: dir) }
        let importer = ImportService(store: store, registry: try Registry.bundled(), limitBytes: 64 << 20, logger: logger)
        _ = await importer.importPaths([Fixtures.sampleDirectory.path])
        guard let meeting = try await store.municipality(slug: "kalundborg")?.meetings.first,
            let itemKey = try await store.analysisInputs(municipality: "kalundborg", itemKey: nil).first?.itemKey
        else { throw BenchAnalyze.Missing() }
        let path = "/kommune/kalundborg/moede/\(meeting.slug)/punkt/4"

        var config = AppConfig(port: try EmbeddedModelServer.freePort())
        config.securitySecrets = ["bench-secret-0123456789abcdef"]
        config.votesPerAddress = 10_000_000
        config.votesPerParticipant = 100_000
        config.votesBurstMinimum = 10_000_000
        config.promptsPath = Fixtures.root.appendingPathComponent("prompts").path
        let app = try await App.buildApplication(config: config, store: store, metrics: PrometheusCollectorRegistry(), logger: logger)
        let serverTask = Task { try await app.runService() }
        let base = "http://127.0.0.1:\(config.port)"
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow, connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: concurrency)))

        // Participants: cookie + token from the item page, as a browser gets them.
        var participants: [(cookie: String, csrf: String)] = []
        for attempt in 0..<100 {
            if (try? await http.execute(HTTPClientRequest(url: base + "/healthz"), timeout: .seconds(1)))?.status == .ok { break }
            if attempt == 99 { throw BenchAnalyze.Missing() }
            try await Task.sleep(for: .milliseconds(100))
        }
        for _ in 0..<participantCount {
            let response = try await http.execute(HTTPClientRequest(url: base + path), timeout: .seconds(30))
            let body = String(buffer: try await response.body.collect(upTo: 1 << 22))
            guard let cookie = response.headers.first(name: "set-cookie")?.split(separator: ";").first,
                let csrf = body.firstMatch(of: /name="csrf" value="([^"]+)"/)?.output.1
            else { throw BenchAnalyze.Missing() }
            participants.append((String(cookie), String(csrf)))
        }
        let choices = ["agree", "disagree", "pass"]
        let known = participants

        // Baseline: the same server, a route without the database.
        let baseline = try await drive(http, count: answers, concurrency: concurrency) { _ in
            var r = HTTPClientRequest(url: base + "/favicon.ico")
            r.method = .GET
            return r
        }

        // Answers: worker w sends for participants w, w+C, …, each participant's answers in order.
        var expectedLast: [Int: String] = [:]
        var plan: [[(Int, String)]] = Array(repeating: [], count: concurrency)
        for n in 0..<answers {
            let p = n % participantCount
            let choice = choices[(n / participantCount + p) % 3]
            plan[p % concurrency].append((p, choice))
            expectedLast[p] = choice
        }
        let votes = try await drive(http, plan: plan) { p, choice in
            var r = HTTPClientRequest(url: base + path + "/svar")
            r.method = .POST
            r.headers.add(name: "Cookie", value: known[p].cookie)
            r.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            let token = known[p].csrf.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            r.body = .bytes(ByteBuffer(string: "csrf=\(token)&choice=\(choice)"))
            return r
        }
        try await http.shutdown()
        serverTask.cancel()
        _ = try? await serverTask.value

        let counts = try await store.voteCounts(itemKey: itemKey, newSince: Date().addingTimeInterval(-86_400))
        await store.close()
        var expected: [VoteChoice: Int] = [:]
        for (_, c) in expectedLast { expected[VoteChoice(rawValue: c)!, default: 0] += 1 }
        let exact = counts.total == expectedLast.count && VoteChoice.allCases.allSatisfy { counts.count($0) == expected[$0] ?? 0 }
        print("\(answers) answers from \(participantCount) participants, \(concurrency) in flight, \(url?.hasPrefix("postgres") == true ? "PostgreSQL" : "SQLite")")
        print(baseline.line("baseline GET /favicon.ico (no database)"))
        print(votes.line("answers POST …/svar (CSRF, store write)"))
        print(String(format: "answers ÷ baseline throughput: %.1f %%", 100 * votes.perSecond / baseline.perSecond))
        print("non-303 answers: \(votes.failures); stored: \(counts.total) rows (expected \(expectedLast.count)); tally \(VoteChoice.allCases.map { "\($0.rawValue) \(counts.count($0))" }.joined(separator: ", ")); exact: \(exact ? "yes" : "NO")")
    }

    struct Result {
        var seconds: Double
        var latencies: [Double]
        var failures: Int
        var perSecond: Double { Double(latencies.count) / seconds }
        func percentile(_ p: Double) -> Double {
            let s = latencies.sorted()
            return s.isEmpty ? 0 : s[min(s.count - 1, Int(Double(s.count) * p))]
        }
        func line(_ name: String) -> String {
            String(format: "%@: %.0f requests/s, p50 %.2f ms, p99 %.2f ms, max %.1f ms, %.2f s", name, perSecond, percentile(0.5) * 1000, percentile(0.99) * 1000,
                (latencies.max() ?? 0) * 1000, seconds)
        }
    }

    static func drive(_ http: HTTPClient, count: Int, concurrency: Int, make: @escaping @Sendable (Int) -> HTTPClientRequest) async throws -> Result {
        var plan: [[(Int, String)]] = Array(repeating: [], count: concurrency)
        for n in 0..<count { plan[n % concurrency].append((n, "")) }
        return try await drive(http, plan: plan) { n, _ in make(n) }
    }

    static func drive(_ http: HTTPClient, plan: [[(Int, String)]], make: @escaping @Sendable (Int, String) -> HTTPClientRequest) async throws -> Result {
        let clock = ContinuousClock()
        let start = clock.now
        var all: [Double] = []
        var failures = 0
        try await withThrowingTaskGroup(of: ([Double], Int).self) { group in
            for work in plan {
                group.addTask {
                    var lat: [Double] = []
                    var bad = 0
                    for (n, s) in work {
                        let t = clock.now
                        let response = try await http.execute(make(n, s), timeout: .seconds(30))
                        _ = try await response.body.collect(upTo: 1 << 20)
                        if response.status.code != 303 && response.status.code != 204 { bad += 1 }
                        lat.append(BenchAnalyze.seconds(clock.now - t))
                    }
                    return (lat, bad)
                }
            }
            for try await (l, b) in group {
                all += l
                failures += b
            }
        }
        return Result(seconds: BenchAnalyze.seconds(clock.now - start), latencies: all, failures: failures)
    }
}
