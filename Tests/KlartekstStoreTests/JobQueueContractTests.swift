import Foundation
import KlartekstApp
import KlartekstCore
import KlartekstPipeline
import KlartekstStore
import KlartekstTestSupport
import Logging
import Testing

/// The job queue on SQLite and PostgreSQL: work named by its content is queued once, leases keep
/// concurrent workers apart, an expired lease passes the job on (and the old holder can no
/// longer finish it), failures back off and end dead for an operator to retry.
@Suite("Store contract: job queue")
struct JobQueueContractTests {
    @Test("the same work is queued once; claims take the oldest ready jobs and lease them", arguments: TestBackend.available)
    func enqueueAndClaim(backend: TestBackend) async throws {
        try await backend.withStore { store, _ in
            let jobs = (0..<5).map { NewJob(stage: .extract, key: "extract:doc\($0):v1", payload: "doc\($0)") }
            #expect(try await store.enqueue(jobs) == 5)
            #expect(try await store.enqueue(jobs + [NewJob(stage: .extract, key: "extract:doc5:v1", payload: "doc5")]) == 1, "known keys are skipped")
            #expect(try await store.enqueue([NewJob(stage: .analyze, key: "extract:doc0:v1")]) == 1, "keys are per stage")

            let a = try await store.claim(stage: .extract, owner: "A", limit: 2, leaseSeconds: 60)
            #expect(a.map(\.payload) == ["doc0", "doc1"])
            #expect(a.allSatisfy { $0.attempt == 1 && $0.maxAttempts == 5 })
            let b = try await store.claim(stage: .extract, owner: "B", limit: 10, leaseSeconds: 60)
            #expect(b.map(\.payload) == ["doc2", "doc3", "doc4", "doc5"])
            #expect(try await store.claim(stage: .extract, owner: "C", limit: 10, leaseSeconds: 60).isEmpty)

            #expect(try await store.complete(a[0].id, owner: "B", milliseconds: 5) == false, "only the lease holder completes")
            #expect(try await store.complete(a[0].id, owner: "A", milliseconds: 5))
            #expect(try await store.complete(a[0].id, owner: "A", milliseconds: 5) == false, "a done job is not completed twice")
            try await store.release(a[1].id, owner: "A")
            let again = try await store.claim(stage: .extract, owner: "C", limit: 10, leaseSeconds: 60)
            #expect(again.map(\.payload) == ["doc1"])
            #expect(again.first?.attempt == 1, "a released job's attempt does not count")

            let stats = try await store.queueStats()
            let extract = try #require(stats.first { $0.stage == .extract })
            #expect(extract.done == 1 && extract.running == 5 && extract.waiting == 0)
            #expect(extract.doneLastHour == 1)
            #expect(stats.first { $0.stage == .analyze }?.ready == 1)
            #expect(try await store.jobs(status: .done, stage: .extract, limit: 10).map(\.key) == ["extract:doc0:v1"])
        }
    }

    @Test("an expired lease passes the job to another worker; the first can no longer finish it", arguments: TestBackend.available)
    func leaseExpiry(backend: TestBackend) async throws {
        try await backend.withStore { store, _ in
            try await store.enqueue([NewJob(stage: .sync, key: "sync:kalundborg:1", payload: "kalundborg", maxAttempts: 2)])
            // A lease of a minute: however loaded the machine, B's claim comes before it ends.
            let first = try #require(try await store.claim(stage: .sync, owner: "dead-worker", limit: 1, leaseSeconds: 60).first)
            #expect(try await store.claim(stage: .sync, owner: "B", limit: 1, leaseSeconds: 60).isEmpty, "leased")
            // Expired but not yet claimed: the holder can still extend it.
            _ = try await store.extendLeases([first.id], owner: "dead-worker", leaseSeconds: 0.2)
            try await Task.sleep(for: .milliseconds(400))
            #expect(try await store.extendLeases([first.id], owner: "dead-worker", leaseSeconds: 60) == [first.id], "still held until claimed")
            #expect(try await store.claim(stage: .sync, owner: "B", limit: 1, leaseSeconds: 60).isEmpty, "the extended lease holds")
            _ = try await store.extendLeases([first.id], owner: "dead-worker", leaseSeconds: 0.2)
            // Claims look for expired leases at most once a second per process.
            try await Task.sleep(for: .milliseconds(1100))
            let second = try #require(try await store.claim(stage: .sync, owner: "B", limit: 1, leaseSeconds: 0.2).first)
            #expect(second.id == first.id && second.attempt == 2)
            #expect(try await store.complete(first.id, owner: "dead-worker", milliseconds: 1) == false)
            #expect(try await store.extendLeases([first.id], owner: "dead-worker", leaseSeconds: 60).isEmpty)
            #expect(try await store.fail(first.id, owner: "dead-worker", error: "late", retryAfter: 0, permanent: false) == nil)

            // B dies too, on the last attempt: the job is dead, with why, for an operator.
            try await Task.sleep(for: .milliseconds(1100))
            #expect(try await store.claim(stage: .sync, owner: "C", limit: 1, leaseSeconds: 60).isEmpty)
            let dead = try await store.jobs(status: .dead, stage: .sync, limit: 10)
            #expect(dead.count == 1 && dead.first?.lastError?.contains("lease expired") == true, "\(dead)")
            #expect(try await store.retryDead(first.id))
            #expect(try await store.retryDead(first.id) == false, "no longer dead")
            let third = try #require(try await store.claim(stage: .sync, owner: "C", limit: 1, leaseSeconds: 60).first)
            #expect(third.attempt == 1)
            #expect(try await store.complete(third.id, owner: "C", milliseconds: 1))
        }
    }

    @Test("a failure backs off; the last attempt (or a permanent error) leaves the job dead", arguments: TestBackend.available)
    func failureBackoff(backend: TestBackend) async throws {
        try await backend.withStore { store, _ in
            try await store.enqueue([
                NewJob(stage: .analyze, key: "analyze:a", payload: "a", maxAttempts: 2), NewJob(stage: .analyze, key: "analyze:b", payload: "b"),
                NewJob(stage: .analyze, key: "analyze:c", payload: "c"),
            ])
            let jobs = try await store.claim(stage: .analyze, owner: "W", limit: 3, leaseSeconds: 60).sorted { $0.payload < $1.payload }
            #expect(jobs.map(\.payload) == ["a", "b", "c"])
            // No race with a loaded machine: "c" waits an hour (it must not come back however slow
            // the next statements are); "a" waits half a second (being late only makes it due).
            #expect(try await store.fail(jobs[0].id, owner: "W", error: "model down", retryAfter: 0.5, permanent: false) == .queued)
            #expect(try await store.fail(jobs[1].id, owner: "W", error: "no such item", retryAfter: 0, permanent: true) == .dead)
            #expect(try await store.fail(jobs[2].id, owner: "W", error: "rate limited", retryAfter: 3600, permanent: false) == .queued)
            var stats = try #require(try await store.queueStats().first { $0.stage == .analyze })
            #expect(stats.ready + stats.delayed == 2 && stats.dead == 1 && stats.failedLastHour == 3)
            try await Task.sleep(for: .milliseconds(600))
            let retried = try await store.claim(stage: .analyze, owner: "W", limit: 3, leaseSeconds: 60)
            #expect(retried.map(\.payload) == ["a"], "c waits for its backoff")
            #expect(retried.first?.attempt == 2)
            let a = try #require(retried.first)
            #expect(try await store.fail(a.id, owner: "W", error: "model down again", retryAfter: 0, permanent: false) == .dead)
            stats = try #require(try await store.queueStats().first { $0.stage == .analyze })
            #expect(stats.dead == 2 && stats.delayed == 1)
            let dead = try await store.jobs(status: .dead, stage: nil, limit: 10)
            #expect(Set(dead.compactMap(\.lastError)) == ["model down again", "no such item"])
        }
    }

    @Test("concurrent claimers never get the same job", arguments: TestBackend.available)
    func concurrentClaims(backend: TestBackend) async throws {
        try await backend.withStore { store, _ in
            try await store.enqueue((0..<400).map { NewJob(stage: .extract, key: "k\($0)", payload: "\($0)") })
            let claimed = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for w in 0..<8 {
                    group.addTask {
                        var mine: [Int64] = []
                        while true {
                            let jobs = try await store.claim(stage: .extract, owner: "w\(w)", limit: 3, leaseSeconds: 60)
                            if jobs.isEmpty { return mine }
                            for j in jobs {
                                #expect(try await store.complete(j.id, owner: "w\(w)", milliseconds: 0))
                                mine.append(j.id)
                            }
                        }
                    }
                }
                var all: [Int64] = []
                for try await ids in group { all += ids }
                return all
            }
            #expect(claimed.count == 400 && Set(claimed).count == 400)
            #expect(try await store.queueStats().first { $0.stage == .extract }?.done == 400)
        }
    }

    @Test("planning finds the sample's work once; workers report themselves", arguments: TestBackend.available)
    func planningAndWorkers(backend: TestBackend) async throws {
        try await backend.withStore { store, _ in
            let importer = ImportService(store: store, registry: try Registry.bundled(), limitBytes: 64 << 20, logger: Logger(label: "test"))
            _ = await importer.importPaths([Fixtures.sampleDirectory.path])
            // 23 items: 19 public (Hvidovre's closed and procedural items are not analysed).
            let publicItems = try await store.analysisInputs(municipality: nil, itemKey: nil).filter { $0.status == .public }.count
            #expect(try await store.planAnalyzeJobs(signature: "s1") == publicItems)
            #expect(try await store.planAnalyzeJobs(signature: "s1") == 0, "planned once")
            #expect(try await store.planAnalyzeJobs(signature: "s2") == publicItems, "new prompts or model: new work")
            #expect(try await store.planExtractJobs(version: 1) == 0, "the sample has no fetched files")

            // A municipality being synced is not analysed until its sync job ends.
            try await store.enqueue([NewJob(stage: .sync, key: "sync:kalundborg:1", payload: "kalundborg")])
            #expect(try await store.planAnalyzeJobs(signature: "s3") == publicItems - 1)

            try await store.heartbeat(WorkerInfo(
                id: "host:1:a", host: "host", pid: 1, stages: [.extract, .analyze], concurrency: 4, jobsDone: 7,
                backends: [BackendStatus(url: "http://gpu1:8080/v1", weight: 2, concurrency: 4, healthy: false, failures: 3)]))
            let workers = try await store.workers(seenWithin: 60)
            #expect(workers.count == 1 && workers[0].jobsDone == 7 && workers[0].stages == [.extract, .analyze])
            #expect(workers[0].backends.first?.healthy == false && workers[0].backends.first?.weight == 2)
            try await store.removeWorker("host:1:a")
            #expect(try await store.workers(seenWithin: 60).isEmpty)
        }
    }
}

/// Blobs kept in the database (`blobs.path = database`), for workers that share no folder.
@Suite("Store contract: blobs in the database")
struct DatabaseBlobStoreTests {
    @Test("put is idempotent, get returns the bytes, tools get a local file", arguments: TestBackend.available)
    func roundTrip(backend: TestBackend) async throws {
        try await backend.withStore { store, _ in
            let dir = try Fixtures.temporaryDirectory("klartekst-blob-cache")
            defer { try? FileManager.default.removeItem(at: dir) }
            let blobs = try DatabaseBlobStore(store: store, cacheDirectory: dir, cacheLimit: 2)
            let pdf = try Data(contentsOf: Fixtures.root.appendingPathComponent("Tests/Fixtures/documents").appendingPathComponent(
                try #require(try FileManager.default.contentsOfDirectory(atPath: Fixtures.root.appendingPathComponent("Tests/Fixtures/documents").path)
                    .sorted().first { $0.hasSuffix(".pdf") })))
            let sha = try await blobs.put(pdf)
            #expect(sha == ContentHash.sha256(pdf))
            #expect(try await blobs.put(pdf) == sha, "the same bytes twice: one row")
            #expect(await blobs.contains(sha))
            #expect(try await blobs.get(sha) == pdf)
            #expect(try await blobs.get(String(repeating: "0", count: 64)) == nil)
            #expect(try await blobs.get("../../etc/passwd") == nil)
            let file = try #require(await blobs.localFile(sha))
            #expect(try Data(contentsOf: file) == pdf)
            // The cache keeps only the newest files.
            for n in 0..<4 { _ = await blobs.localFile(try await blobs.put(Data("blob \(n)".utf8))) }
            let cached = try FileManager.default.subpathsOfDirectory(atPath: dir.path).filter { !$0.contains("/.") && $0.count > 60 }
            #expect(cached.count <= 2, "\(cached)")
            #expect(try Data(contentsOf: try #require(await blobs.localFile(sha))) == pdf, "fetched again when needed")
        }
    }
}
