import Foundation
import KlartekstCore
import KlartekstStore
import KlartekstTestSupport
import Logging

/// `klartekst-bench workers POSTGRES-URL KLARTEKST-BINARY [MEETINGS=6] [COUNTS=1,2,4] [JOBS-PER-WORKER=1]`:
/// 1. throughput of the whole pipeline (sync from four loopback portals → PDF text → analysis
///    without a model → search index) with 1, 2 and 4 `klartekst work` processes (one job at a time each)
///    on a fresh PostgreSQL database each, timed from the first job queued to the last finished;
/// 2. the coordination cost per job: claim (lease) + complete of no-op jobs, one claimer and
///    four at once, on PostgreSQL and SQLite — the database time a job pays for being queued.
enum BenchWorkers {
    static func run(_ args: [String]) async throws {
        guard args.count >= 2 else {
            print("usage: klartekst-bench workers POSTGRES-URL KLARTEKST-BINARY [MEETINGS=6] [COUNTS=1,2,4] [JOBS-PER-WORKER=1]")
            return
        }
        let base = args[0]
        let binary = URL(fileURLWithPath: args[1])
        let meetings = args.dropFirst(2).first.flatMap(Int.init) ?? 6
        let counts = (args.dropFirst(3).first ?? "1,2,4").split(separator: ",").compactMap { Int($0) }
        let perWorker = args.dropFirst(4).first.flatMap(Int.init) ?? 1
        let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })

        let workload = try await WorkerWorkload(meetingsPerPortal: meetings)
        print("workload: \(workload.items) items, \(workload.documents) attachment PDFs from 4 portals on loopback; each worker runs \(perWorker) job(s) at once; \(ProcessInfo.processInfo.activeProcessorCount) cores")
        var baseline: Double?
        for n in counts {
            let name = "kt_bench_workers_\(n)_\(Int(Date().timeIntervalSince1970))"
            try await admin(base, "CREATE DATABASE \(name)")
            var components = URLComponents(string: base)!
            components.path = "/" + name
            let url = components.string!
            let store = try await SQLStore.open(url: url, logger: logger)
            try await store.migrate()
            let dir = try Fixtures.temporaryDirectory("klartekst-bench-workers")
            let config = try workload.configure(dir, leaseSeconds: 60, pollMs: 50, planSeconds: 1)
            let workers = try (0..<n).map {
                try WorkerProcess(
                    binary: binary, database: url, config: config, concurrency: perWorker, log: dir.appendingPathComponent("worker-\($0).log"))
            }
            var quiet = 0
            while quiet < 6 {
                try await Task.sleep(for: .milliseconds(500))
                let stats = try await store.queueStats()
                quiet = stats.allSatisfy { $0.waiting + $0.running == 0 } && stats.contains { $0.done > 0 } ? quiet + 1 : 0
                if let dead = workers.first(where: { !$0.isRunning }) { print("a worker stopped:\n\(dead.logTail)") ; break }
            }
            for w in workers { await w.stop(SIGTERM) }
            let span = try await store.jobSpan()
            let stats = try await store.queueStats()
            await store.close()
            try await admin(base, "DROP DATABASE \(name) WITH (FORCE)")
            try? FileManager.default.removeItem(at: dir)
            let seconds = Double(span.lastFinishedMs - span.firstCreatedMs) / 1000
            let rate = Double(span.jobs) / seconds
            if baseline == nil { baseline = rate }
            let perStage = stats.filter { $0.done > 0 }.map { "\($0.stage.rawValue) \($0.done)" }.joined(separator: ", ")
            print(String(
                format: "%d worker process(es): %d jobs (%@) in %.1f s → %.1f jobs/s, %.0f items/s; ×%.2f of one worker",
                n, span.jobs, perStage, seconds, rate, Double(workload.items) / seconds, rate / baseline!))
        }
        await workload.stop()

        // The coordination cost: claim + complete of no-op jobs.
        for url in [base, nil] {
            let name = "kt_bench_claims_\(Int(Date().timeIntervalSince1970))"
            var storeURL: String
            var dir: URL?
            if url != nil {
                try await admin(base, "CREATE DATABASE \(name)")
                var components = URLComponents(string: base)!
                components.path = "/" + name
                storeURL = components.string!
            } else {
                dir = try Fixtures.temporaryDirectory("klartekst-bench-claims")
                storeURL = "sqlite:" + dir!.appendingPathComponent("claims.sqlite").path
            }
            let store = try await SQLStore.open(url: storeURL, logger: logger)
            try await store.migrate()
            for claimers in [1, 4] {
                let jobs = 4000
                try await store.enqueue((0..<jobs).map { NewJob(stage: .extract, key: "c\(claimers)-\($0)", payload: "x") })
                let clock = ContinuousClock()
                let started = clock.now
                let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
                    for c in 0..<claimers {
                        group.addTask {
                            var mine: [Double] = []
                            while true {
                                let t0 = clock.now
                                guard let job = try await store.claim(stage: .extract, owner: "bench-\(c)", limit: 1, leaseSeconds: 60).first else { return mine }
                                guard try await store.complete(job.id, owner: "bench-\(c)", milliseconds: 0) else { throw JobError("lost a lease") }
                                let d = clock.now - t0
                                mine.append(Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15)
                            }
                        }
                    }
                    var all: [Double] = []
                    for try await l in group { all += l }
                    return all.sorted()
                }
                let total = clock.now - started
                let seconds = Double(total.components.seconds) + Double(total.components.attoseconds) / 1e18
                let mean = latencies.reduce(0, +) / Double(latencies.count)
                print(String(
                    format: "%@, %d claimer(s): %d jobs claimed+completed in %.2f s → %.0f jobs/s; per job (claim + complete): mean %.2f ms, p50 %.2f ms, p99 %.2f ms",
                    store.backendName, claimers, latencies.count, seconds, Double(latencies.count) / seconds, mean,
                    latencies[latencies.count / 2], latencies[min(latencies.count - 1, latencies.count * 99 / 100)]))
            }
            await store.close()
            if url != nil { try await admin(base, "DROP DATABASE \(name) WITH (FORCE)") }
            if let dir { try? FileManager.default.removeItem(at: dir) }
        }
    }

    static func admin(_ url: String, _ sql: String) async throws { try await TestBackend.admin(url, sql) }
}
