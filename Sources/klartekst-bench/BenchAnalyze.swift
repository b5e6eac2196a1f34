import AsyncHTTPClient
import Foundation
import KlartekstApp
import KlartekstCore
import KlartekstExtraction
import KlartekstLLM
import KlartekstPipeline
import KlartekstStore
import KlartekstTestSupport
import Logging
import NIOCore

/// `klartekst-bench analyze [MEETINGS] [CAPACITY] [LATENCY-MS]`: does the analysis stage keep a
/// parallel backend busy? A scripted OpenAI-compatible server on loopback serves CAPACITY
/// requests at once, each taking LATENCY ms. Measured in one run: (1) the backend's own
/// throughput — a bare HTTP client keeping CAPACITY requests in flight with the stage's request
/// bodies; (2) the analysis stage (relevance prompt, concurrency CAPACITY) over MEETINGS copies of
/// the Hvidovre agenda (18 public items each) in SQLite, writing every result; (3) a rerun of the
/// unchanged set (must make zero model calls).
enum BenchAnalyze {
    static func run(_ args: [String]) async throws {
        let meetings = args.first.flatMap(Int.init) ?? 10
        let capacity = args.dropFirst().first.flatMap(Int.init) ?? 4
        let latencyMs = args.dropFirst(2).first.flatMap(Int.init) ?? 100
        let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let (store, dir) = try await BenchAnalyze.temporaryStore("analyze", url: nil, logger: logger)
        defer { try? FileManager.default.removeItem(at: dir) }
        try await store.upsertMunicipalities(try Registry.bundled().municipalities.filter { $0.slug == "hvidovre" })
        let template = try Fixtures.hvidovreMeeting()
        for n in 0..<meetings {
            var m = template
            m.date = String(format: "2030-%02d-%02d", 1 + n / 28 % 12, 1 + n % 28)
            _ = try await store.save(MeetingParser.parse(m))
        }
        let server = ScriptedModelServer(latency: .milliseconds(latencyMs), capacity: capacity)
        try await server.start()
        server.script([], fallback: ScriptedModelServer.groundedRelevance)
        let library = try PromptLibrary.load(directory: Fixtures.root.appendingPathComponent("prompts"))
        let inputs = try await store.analysisInputs(municipality: "hvidovre", itemKey: nil).filter { $0.status == .public }
        let prompt = try BenchAnalyze.require(library.prompt("relevance@v1"))

        // (1) Baseline: the backend's own throughput with the same bodies and CAPACITY in flight.
        let bodies = try inputs.map { input -> Data in
            let values = ["municipality": input.municipalityName, "title": input.title, "source": prompt.source(for: input)]
            return try JSONSerialization.data(withJSONObject: [
                "model": "scripted", "max_tokens": prompt.maxTokens,
                "messages": [["role": "system", "content": Prompt.fill(prompt.system, values)], ["role": "user", "content": Prompt.fill(prompt.user, values)]],
            ])
        }
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let clock = ContinuousClock()
        let t0 = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            func add() {
                guard next < bodies.count else { return }
                let body = bodies[next]
                next += 1
                group.addTask {
                    var r = HTTPClientRequest(url: server.baseURL + "/v1/chat/completions")
                    r.method = .POST
                    r.headers.add(name: "Content-Type", value: "application/json")
                    r.body = .bytes(ByteBuffer(bytes: body))
                    let response = try await http.execute(r, timeout: .seconds(30))
                    _ = try await response.body.collect(upTo: 1 << 20)
                }
            }
            for _ in 0..<capacity { add() }
            while try await group.next() != nil { add() }
        }
        let baseline = seconds(clock.now - t0)
        try await http.shutdown()

        // (2) The stage, writing every result.
        let served0 = server.served
        let model = OpenAIChatModel(baseURL: server.baseURL, model: "scripted", dialect: .openAI, maxConcurrent: capacity, logger: logger)
        let stage = AnalyzeStage(store: store, library: library, backend: .model(model), concurrency: capacity, logger: logger)
        let t1 = clock.now
        let report = try await stage.run(municipality: "hvidovre", prompts: ["relevance@v1"])
        let staged = seconds(clock.now - t1)
        // (3) Unchanged rerun.
        let t2 = clock.now
        let rerun = try await stage.run(municipality: "hvidovre", prompts: ["relevance@v1"])
        let rerunSeconds = seconds(clock.now - t2)
        await model.shutdown()
        await server.stop()
        await store.close()

        let n = Double(inputs.count)
        print("items: \(inputs.count) public (\(meetings) meetings), backend capacity \(capacity), latency \(latencyMs) ms (ideal \(String(format: "%.1f", Double(capacity) * 1000 / Double(latencyMs))) req/s)")
        print(String(format: "backend alone:   %.2f s, %.1f requests/s", baseline, n / baseline))
        print(String(format: "analysis stage:  %.2f s, %.1f items/s, %d model calls, %d published, %d failed, max in flight %d", staged, n / staged,
            report.modelCalls, report.published, report.failed, server.maxConcurrentRequests))
        print(String(format: "stage ÷ backend throughput: %.1f %%", 100 * baseline / staged))
        print(String(format: "rerun unchanged: %.2f s, %d model calls, %d skipped (server saw %d requests in total during the stage runs)", rerunSeconds,
            rerun.modelCalls, rerun.skipped, server.served - served0))
    }

    /// A migrated store: the given database URL, or a new SQLite file in a temporary folder (returned for removal).
    static func temporaryStore(_ label: String, url: String?, logger: Logger) async throws -> (SQLStore, URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("klartekst-bench-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let store = try await SQLStore.open(url: url ?? "sqlite:" + dir.appendingPathComponent("bench.sqlite").path, logger: logger)
        try await store.migrate()
        return (store, dir)
    }

    static func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

    struct Missing: Error {}
    static func require<T>(_ v: T?) throws -> T {
        guard let v else { throw Missing() }
        return v
    }
}

