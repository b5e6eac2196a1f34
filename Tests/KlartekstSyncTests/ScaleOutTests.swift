import Foundation
import KlartekstApp
import KlartekstCore
import KlartekstStore
import KlartekstTestSupport
import Logging
import Testing

/// The whole pipeline (sync from four portals, PDF text, analysis, search index) worked by
/// `klartekst work` processes against one PostgreSQL on loopback. Three workers are killed with
/// SIGKILL at random moments and started again; the result must equal one undisturbed worker's,
/// with every job done exactly once. The analysis uses the deterministic backend (no model: the
/// stand-in for the LLM); the generated PDFs have text layers, so no OCR runs.
@Suite("Scale-out: workers on PostgreSQL", .serialized)
struct ScaleOutTests {
    static let meetingsPerPortal = Int(ProcessInfo.processInfo.environment["KLARTEKST_SCALEOUT_MEETINGS"] ?? "") ?? 12

    struct Outcome {
        var digest: [String: String]
        var jobs: [JobRecord]
        var kills = 0
        var seconds = 0.0
        var stats: [QueueStats] = []
    }

    /// Runs `workers` processes until the queue is empty and stays empty, killing one at random
    /// every 1–8 s (then starting a new one) while `kills` > 0, so the kills land in every stage.
    func run(_ workload: WorkerWorkload, dir: URL, workers count: Int, kills: Int) async throws -> Outcome {
        try await TestBackend.postgres.withStore { store, url in
            // PDFs in the database: the workers share nothing but PostgreSQL, as on several machines.
            let config = try workload.configure(dir, blobs: "database")
            var running: [WorkerProcess] = []
            var started = 0
            func start() throws {
                started += 1
                running.append(try WorkerProcess(
                    binary: KillResumeTests.binary, database: url, config: config, log: dir.appendingPathComponent("worker-\(started).log")))
            }
            for _ in 0..<count { try start() }
            let clock = ContinuousClock()
            let begin = clock.now
            var outcome = Outcome(digest: [:], jobs: [])
            var quiet = 0
            var nextKill = clock.now + .milliseconds(Int.random(in: 1000...8000))
            while quiet < 6 {
                try await Task.sleep(for: .milliseconds(500))
                if clock.now - begin > .seconds(600) {
                    Issue.record("the workers did not finish within 10 minutes: \(try await store.queueStats())")
                    break
                }
                if outcome.kills < kills, clock.now >= nextKill {
                    let victim = running.remove(at: Int.random(in: 0..<running.count))
                    await victim.stop(SIGKILL)
                    outcome.kills += 1
                    try start()
                    nextKill = clock.now + .milliseconds(Int.random(in: 1000...8000))
                }
                let stats = try await store.queueStats()
                let busy = stats.reduce(0) { $0 + $1.waiting + $1.running }
                let done = stats.reduce(0) { $0 + $1.done }
                // Quiet: nothing queued or running across ≥ 3 planning rounds, and no more kills due.
                quiet = busy == 0 && done > 0 && outcome.kills >= kills ? quiet + 1 : 0
                for w in running where !w.isRunning {
                    Issue.record("a worker exited by itself (status \(w.process.terminationStatus)): \(w.logTail)")
                    return outcome
                }
            }
            outcome.seconds = Double((clock.now - begin).components.seconds)
            // SIGTERM: running jobs finish, then the process exits 0 (well within work.shutdown_seconds).
            for w in running {
                let stopped = await w.stop(SIGTERM, within: 45)
                #expect(stopped, "a worker did not exit within 45 s of SIGTERM: \(w.logTail)")
                #expect(w.process.terminationReason == .exit && w.process.terminationStatus == 0, "status \(w.process.terminationStatus): \(w.logTail)")
            }
            outcome.digest = try await store.contentDigest()
            outcome.stats = try await store.queueStats()
            for status in JobStatus.allCases {
                outcome.jobs += try await store.jobs(status: status, stage: nil, limit: 1_000_000)
            }
            return outcome
        }
    }

    @Test("3 workers killed at random and restarted: every job done exactly once, the same database as one worker")
    func killedWorkers() async throws {
        guard TestBackend.available.contains(.postgres) else { return }
        #expect(FileManager.default.isExecutableFile(atPath: KillResumeTests.binary.path), "build the klartekst executable first")
        // Each portal answer takes a moment, so kills land inside syncs too.
        let workload = try await WorkerWorkload(meetingsPerPortal: Self.meetingsPerPortal, delaySeconds: 0.001)
        let dir = try Fixtures.temporaryDirectory("klartekst-scaleout")
        defer { try? FileManager.default.removeItem(at: dir) }
        let single = try await run(workload, dir: dir.appendingPathComponent("single"), workers: 1, kills: 0)
        let chaos = try await run(workload, dir: dir.appendingPathComponent("three"), workers: 3, kills: 8)
        await workload.stop()

        // The workload: 4 portals × meetings × 22 items, 33 attachments (PDFs) per meeting.
        let (items, documents) = (workload.items, workload.documents)
        #expect(single.digest["item"]?.hasPrefix("\(items) rows") == true, "\(single.digest["item"] ?? "")")
        #expect(single.digest["document_text"]?.hasPrefix("\(documents) rows") == true, "\(single.digest["document_text"] ?? "")")
        #expect(single.digest["search_doc"]?.hasPrefix("\(items) rows") == true, "\(single.digest["search_doc"] ?? "")")
        #expect(single.digest["analysis"]?.hasPrefix("0 rows") == false)

        for outcome in [single, chaos] {
            #expect(outcome.jobs.allSatisfy { $0.status == .done }, "\(outcome.jobs.filter { $0.status != .done }.prefix(5))")
            #expect(outcome.jobs.allSatisfy { $0.completions == 1 }, "every job completed exactly once")
            #expect(outcome.jobs.filter { $0.stage == .sync }.count == WorkerWorkload.municipalities.count)
            #expect(outcome.jobs.filter { $0.stage == .extract }.count == documents)
        }
        #expect(chaos.kills == 8)
        // The kills hit running jobs: some were taken over after their lease expired.
        let takenOver = chaos.jobs.filter { $0.attempts > 1 }
        #expect(!takenOver.isEmpty, "no kill interrupted a job")
        for table in single.digest.keys.sorted() {
            #expect(chaos.digest[table] == single.digest[table], "\(table): \(chaos.digest[table] ?? "missing") vs \(single.digest[table] ?? "")")
        }
        print(
            "scale-out: \(items) items, \(documents) documents, \(single.jobs.count) jobs; one worker \(single.seconds) s; three workers with \(chaos.kills) kills \(chaos.seconds) s, \(takenOver.count) jobs taken over after a kill (\(Dictionary(grouping: takenOver, by: \.stage).mapValues(\.count)))")
        for q in single.stats where q.done > 0 {
            print("  \(q.stage.rawValue): \(q.done) jobs, mean \(String(format: "%.3f", q.meanSecondsLastHour ?? 0)) s (one worker)")
        }
    }
}
