import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KlartekstApp
import KlartekstCore
import KlartekstPipeline
import KlartekstStore
import KlartekstTestSupport
import Logging
import Prometheus
import ServiceLifecycle
import Testing

/// A worker in-process on the real sample (SQLite): it plans and runs the analysis and the
/// search index from the queue, retries a failing job with backoff until it is dead, and the
/// operators see it all on `/drift/koe` and in `/metrics`, where they can queue a dead job again.
@Suite("Workers and the operators' queue page")
struct WorkerTests {
    typealias H = AnalysisHarness

    /// Runs a runner until `done` holds (at most 2 minutes: the whole suite runs in parallel on 2 cores), then shuts it down gracefully.
    func work(_ runner: JobRunner, until done: @escaping @Sendable () async throws -> Bool) async throws {
        let group = ServiceGroup(configuration: .init(services: [runner], logger: H.logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let deadline = ContinuousClock.now + .seconds(120)
            while try await !done(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test("a worker plans and runs the sample's analysis and index; a failing job backs off, dies, and an operator retries it")
    func workerAndQueuePage() async throws {
        try await H.withSample { store in
            var config = AnalysisWebTests.config()
            config.jobsPollMs = 20
            config.jobsPlanSeconds = 1
            config.syncSchedule = "off"
            let workers = try await Workers.make(config: config, store: store, stages: [.analyze, .index], concurrency: 2, logger: H.logger, owner: "test-worker")
            let publicItems = try await store.analysisInputs(municipality: nil, itemKey: nil).filter { $0.status == .public }.count
            try await work(workers.runner) {
                let stats = try await store.queueStats()
                let analyze = stats.first { $0.stage == .analyze }
                let backlog = try await store.searchBacklog(limit: 1)
                return analyze?.done == publicItems && backlog.isEmpty && stats.allSatisfy { $0.waiting + $0.running == 0 }
            }
            await workers.close()
            #expect(try await store.queueStats().first { $0.stage == .analyze }?.done == publicItems)
            let key = try await H.kalundborgKey(store)
            #expect(try await store.analyses(itemKey: key).contains { $0.prompt == "summary" && $0.status == .published })
            #expect(try await store.search(SearchRequest(query: .parse("hjemløse"), today: "2026-11-30")).hits.first?.itemKey == key)
            #expect(try await store.workers(seenWithin: 60).isEmpty, "a worker that stops removes its row")

            // A job whose work keeps failing: retried after a backoff, then dead with its error.
            try await store.enqueue([NewJob(stage: .extract, key: "extract:missing:v1", payload: String(repeating: "0", count: 64), maxAttempts: 2)])
            let extract = StageWorker(stage: .extract) { job in
                throw JobError("the stored file \(job.payload.prefix(8)) is missing")
            }
            let runner = JobRunner(
                queue: store, stages: [extract],
                options: .init(owner: "flaky", concurrency: 1, leaseSeconds: 5, pollSeconds: 0.02, backoff: JobBackoff(base: 0.2, cap: 1)),
                logger: H.logger)
            try await work(runner) { try await store.queueStats().first { $0.stage == .extract }?.dead == 1 }
            let dead = try #require(try await store.jobs(status: .dead, stage: .extract, limit: 5).first)
            #expect(dead.attempts == 2 && dead.lastError?.contains("is missing") == true && dead.owner == "flaky")
            #expect(try await store.queueStats().first { $0.stage == .extract }?.failedLastHour == 2)

            // The operators' page and /metrics.
            try await store.heartbeat(WorkerInfo(
                id: "gpu-host:42:abc", host: "gpu-host", pid: 42, stages: [.analyze], concurrency: 8, jobsDone: 3,
                backends: [BackendStatus(url: "http://gpu1:8080/v1", weight: 2, concurrency: 4, healthy: false, failures: 3, lastError: "<b>refused</b>")]))
            let app = try await App.buildApplication(config: config, store: store, metrics: PrometheusCollectorRegistry(), logger: H.logger)
            try await app.test(.router) { client in
                try await client.execute(uri: "/drift/koe", method: .get) { response in #expect(response.status == .unauthorized) }
                var csrf = ""
                try await client.execute(uri: "/drift/koe", method: .get, headers: [.authorization: AnalysisWebTests.basic]) { response in
                    #expect(response.status == .ok && response.headers[.cacheControl] == "no-store")
                    let body = String(buffer: response.body)
                    #expect(body.contains("<h1>Arbejdskø</h1>") && body.contains("Analyse (sprogmodel)"))
                    #expect(body.contains("extract:missing:v1") && body.contains("is missing"))
                    #expect(body.contains("gpu-host:42:abc") && body.contains("Taget ud:") && body.contains("http://gpu1:8080/v1"))
                    #expect(body.contains("&lt;b&gt;refused&lt;/b&gt;") && !body.contains("<b>refused</b>"), "errors are escaped")
                    csrf = try #require(body.firstMatch(of: /name="csrf" value="([^"]+)"/).map { String($0.output.1) })
                }
                let form: HTTPFields = [.authorization: AnalysisWebTests.basic, .contentType: "application/x-www-form-urlencoded"]
                try await client.execute(uri: "/drift/koe/\(dead.id)/igen", method: .post, headers: form, body: ByteBuffer(string: "csrf=forged")) { response in
                    #expect(response.status == .forbidden)
                }
                let encoded = csrf.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? csrf
                try await client.execute(uri: "/drift/koe/\(dead.id)/igen", method: .post, headers: form, body: ByteBuffer(string: "csrf=\(encoded)")) { response in
                    #expect(response.status == .seeOther && response.headers[.location] == "/drift/koe?besked=igen")
                }
                try await client.execute(uri: "/drift/koe/\(dead.id)/igen", method: .post, headers: form, body: ByteBuffer(string: "csrf=\(encoded)")) { response in
                    #expect(response.status == .notFound, "no longer dead")
                }
                try await client.execute(uri: "/metrics", method: .get) { response in
                    let body = String(buffer: response.body)
                    #expect(body.contains(#"klartekst_queue_jobs{stage="analyze",status="done"} \#(publicItems)"#), "\(body.prefix(3000))")
                    #expect(body.contains(#"klartekst_queue_jobs{stage="extract",status="ready"} 1"#))
                    #expect(body.contains(#"klartekst_llm_backend_up{worker="gpu-host:42:abc",backend="http://gpu1:8080/v1"} 0"#))
                }
            }
        }
    }

    @Test("a worker checks current analyses without starting its model backend")
    func modelNotCalledForCurrentWork() async throws {
        let server = ScriptedModelServer()
        try await server.start()
        defer { Task { await server.stop() } }
        server.script([], fallback: { body in
            let system = ((body["messages"] as? [[String: Any]])?.first?["content"] as? String) ?? ""
            return system.contains(ScriptedModelServer.summaryPrompt) ? .content(H.goodSummary) : ScriptedModelServer.groundedRelevance(body)
        })
        try await H.withSample { store in
            var config = AnalysisWebTests.config()
            config.jobsPollMs = 20
            config.jobsPlanSeconds = 1
            config.syncSchedule = "off"
            config.llmBackend = server.baseURL
            config.llmModel = "scripted-model"
            let items = try await store.analysisInputs(municipality: nil, itemKey: nil).filter { $0.status == .public }.map(\.itemKey)
            func runWorker(until done: Int) async throws -> Bool {
                let workers = try await Workers.make(config: config, store: store, stages: [.analyze], concurrency: 2, logger: H.logger)
                try await work(workers.runner) { try await store.queueStats().first { $0.stage == .analyze }?.done == done }
                let started = await workers.modelStarted()
                await workers.close()
                return started
            }
            #expect(try await runWorker(until: items.count), "new work starts the backend")
            let served = server.served
            #expect(served >= items.count * 2, "every public item analysed through the server (\(served) requests)")
            let key = try await H.kalundborgKey(store)
            #expect(try await store.analyses(itemKey: key).contains { $0.prompt == "summary" && $0.status == .published && $0.model == "scripted-model" })

            // The same items queued again: every result is current, so the model is not even started.
            try await store.enqueue(items.map { NewJob(stage: .analyze, key: "again:\($0)", payload: $0) })
            #expect(try await runWorker(until: items.count * 2) == false, "current work does not start the backend")
            #expect(server.served == served, "no request for current work")
        }
    }
}
