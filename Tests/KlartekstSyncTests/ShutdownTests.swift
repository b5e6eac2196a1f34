import Foundation
import KlartekstCore
import KlartekstStore
import KlartekstTestSupport
import Testing

/// `klartekst work` as a real process stops when told: on SIGTERM it claims nothing more, gives
/// its running jobs `work.shutdown_seconds`, then cancels them (their leases given back) and
/// exits 0; a second signal ends it at once.
@Suite("Stopping a worker", .serialized)
struct ShutdownTests {
    /// Starts one worker on a slow portal (every answer takes 0.3 s, so a sync job runs for
    /// many seconds) and returns once it runs a job.
    func startBusyWorker(
        _ workload: WorkerWorkload, store: SQLStore, url: String, dir: URL, shutdownSeconds: Int
    ) async throws -> WorkerProcess {
        let config = try workload.configure(dir, blobs: "database", leaseSeconds: 30)
        let worker = try WorkerProcess(
            binary: KillResumeTests.binary, database: url, config: config, stages: "sync", concurrency: 2,
            log: dir.appendingPathComponent("worker.log"), environment: ["KLARTEKST_WORK_SHUTDOWN_SECONDS": String(shutdownSeconds)])
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let running = try await store.queueStats().reduce(0) { $0 + $1.running }
            if running > 0 { return worker }
            #expect(worker.isRunning, "the worker exited early: \(worker.logTail)")
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("the worker ran no job within 60 s: \(worker.logTail)")
        return worker
    }

    @Test("SIGTERM with jobs in flight: they are cancelled after work.shutdown_seconds, their leases given back, exit 0", arguments: TestBackend.available)
    func gracefulWithinDeadline(backend: TestBackend) async throws {
        #expect(FileManager.default.isExecutableFile(atPath: KillResumeTests.binary.path), "build the klartekst executable first")
        let workload = try await WorkerWorkload(meetingsPerPortal: 2, delaySeconds: 0.3)
        defer { Task { await workload.stop() } }
        let dir = try Fixtures.temporaryDirectory("klartekst-stop")
        defer { try? FileManager.default.removeItem(at: dir) }
        try await backend.withStore { store, url in
            let worker = try await startBusyWorker(workload, store: store, url: url, dir: dir, shutdownSeconds: 2)
            let started = ContinuousClock.now
            let stopped = await worker.stop(SIGTERM, within: 30)
            let took = ContinuousClock.now - started
            #expect(stopped, "no exit within 30 s of SIGTERM: \(worker.logTail)")
            #expect(worker.process.terminationReason == .exit && worker.process.terminationStatus == 0, "status \(worker.process.terminationStatus): \(worker.logTail)")
            // 2 s for the jobs, then cancellation and closing: well under the guard's 2 + 10 s.
            #expect(took < .seconds(12), "took \(took)")
            #expect(took >= .seconds(1), "the running sync jobs were not given their time (\(took))")
            let stats = try await store.queueStats()
            #expect(stats.reduce(0) { $0 + $1.running } == 0, "a job is still leased to the stopped worker: \(stats)")
            #expect(try await store.workers(seenWithin: 120).isEmpty, "the stopped worker is still listed")
        }
    }

    @Test("a second SIGTERM ends a stopping worker at once", arguments: TestBackend.available)
    func secondSignal(backend: TestBackend) async throws {
        let workload = try await WorkerWorkload(meetingsPerPortal: 2, delaySeconds: 0.3)
        defer { Task { await workload.stop() } }
        let dir = try Fixtures.temporaryDirectory("klartekst-stop2")
        defer { try? FileManager.default.removeItem(at: dir) }
        try await backend.withStore { store, url in
            let worker = try await startBusyWorker(workload, store: store, url: url, dir: dir, shutdownSeconds: 120)
            kill(worker.process.processIdentifier, SIGTERM)
            try await Task.sleep(for: .milliseconds(500))
            #expect(worker.isRunning, "the worker should still be finishing its jobs: \(worker.logTail)")
            let started = ContinuousClock.now
            let stopped = await worker.stop(SIGTERM, within: 10)
            #expect(stopped)
            #expect(ContinuousClock.now - started < .seconds(3), "the second signal did not end it at once")
            #expect(worker.process.terminationStatus == 1)
            #expect(worker.logTail.contains("second signal"), "\(worker.logTail)")
        }
    }
}
