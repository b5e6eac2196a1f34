import Foundation
import KlartekstCore
import KlartekstLLM
import KlartekstPipeline
import KlartekstStore
import KlartekstTestSupport
import Logging
import Testing

/// Several OpenAI-compatible endpoints as one backend, against real servers on loopback: requests
/// follow the weights, a failing endpoint is taken out and comes back after it recovers, a
/// closed port is skipped, and with no endpoint left the analysis waits (nothing stored).
@Suite("Language-model endpoint pool")
struct ModelPoolTests {
    typealias H = AnalysisHarness

    static let answer = ScriptedModelServer.Reply.content(#"{"ok": true}"#)

    func ask(_ pool: ModelPool) async throws -> ModelAnswer {
        try await pool.complete(system: "s", user: "u", schema: ["type": "object"], schemaName: "t", maxTokens: 10)
    }

    @Test("endpoints parse from the configuration, with clear errors")
    func parse() throws {
        let list = try ModelPool.Endpoint.parseList("http://gpu1:8080/v1;weight=3;concurrency=4, https://api.example/v1", defaultConcurrency: 2)
        #expect(list == [.init(url: "http://gpu1:8080/v1", weight: 3, concurrency: 4), .init(url: "https://api.example/v1", weight: 1, concurrency: 2)])
        #expect(throws: ModelPool.PoolError.self) { try ModelPool.Endpoint.parseList("gpu1:8080") }
        #expect(throws: ModelPool.PoolError.self) { try ModelPool.Endpoint.parseList("http://a;weight=0") }
        #expect(throws: ModelPool.PoolError.self) { try ModelPool.Endpoint.parseList("http://a;speed=3") }
        #expect(throws: ModelPool.PoolError.self) { try ModelPool.Endpoint.parseList(" , ") }
    }

    @Test("requests follow the weights; a failing endpoint is taken out, skipped, and back after its cooldown")
    func spreadAndRecovery() async throws {
        let heavy = ScriptedModelServer()
        let light = ScriptedModelServer()
        for s in [heavy, light] {
            try await s.start()
            s.script([], fallback: { _ in Self.answer })
        }
        defer { Task { await heavy.stop(); await light.stop() } }
        // A port nobody listens on: connection refused.
        let closed = "http://127.0.0.1:9"
        let pool = ModelPool.http(
            model: "m", endpoints: [.init(url: heavy.baseURL, weight: 2, concurrency: 2), .init(url: light.baseURL, weight: 1), .init(url: closed)],
            apiKey: nil, dialect: .openAI, timeout: .seconds(5), logger: H.logger, baseCooldown: 8)
        defer { Task { await pool.shutdown() } }

        for _ in 0..<12 { _ = try await ask(pool) }
        var status = await pool.status()
        #expect(status[2].failures == 1 && status[2].requests == 1, "the closed port failed once and was not tried again: \(status[2])")
        #expect(status[2].lastError?.contains("did not answer") == true)
        #expect(heavy.served == 8 && light.served == 4, "2:1 by weight (\(heavy.served):\(light.served))")

        // The light endpoint breaks (503 twice: the client's own retry, then the pool moves on).
        // Its cooldown (8 s) is long enough that these six requests end inside it even on a
        // loaded CI machine (with 2 s, a slow run let it back in before the sixth: CI, session 6).
        light.script([.status(503, "busy"), .status(503, "busy")], fallback: { _ in Self.answer })
        let before = heavy.served
        for _ in 0..<6 { _ = try await ask(pool) }
        status = await pool.status()
        #expect(status[1].failures == 1 && status[1].lastError?.contains("503") == true, "\(status[1])")
        #expect(heavy.served - before == 6, "every request answered by the healthy endpoint")

        // After the cooldown it is tried again, answers, and gets its share back.
        try await Task.sleep(for: .milliseconds(8300))
        let lightBefore = light.served
        for _ in 0..<6 { _ = try await ask(pool) }
        status = await pool.status()
        // At least one of 6 (its share is 1 of 4; the closed port's own cooldown may also end here
        // on a slow machine, and its retries land on the others).
        #expect(status[1].healthy && light.served - lightBefore >= 1, "recovered: \(light.served - lightBefore) of 6")
        #expect(status[0].meanSeconds != nil && status[0].p95Seconds != nil && status[0].requests >= 14)
    }

    @Test("no endpoint answering: ModelUnavailable, and the analysis stores nothing (its job is retried later)")
    func allDown() async throws {
        let pool = ModelPool.http(
            model: "m", endpoints: [.init(url: "http://127.0.0.1:9"), .init(url: "http://127.0.0.1:7")], apiKey: nil, dialect: .openAI,
            timeout: .seconds(5), logger: H.logger)
        defer { Task { await pool.shutdown() } }
        await #expect(throws: ModelUnavailable.self) { _ = try await ask(pool) }
        try await H.withSample { store in
            let stage = AnalyzeStage(store: store, library: try H.library(), backend: .model(pool), logger: H.logger)
            let key = try await H.kalundborgKey(store)
            await #expect(throws: ModelUnavailable.self) { _ = try await stage.run(itemKey: key, prompts: ["summary@v1"]) }
            #expect(try await store.analyses(itemKey: key).isEmpty)
        }
    }
}
