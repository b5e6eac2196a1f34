import Foundation
import KlartekstCore
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// What a worker does for one stage: run a leased job, and (optionally) find new work in the data
/// and queue it. Planners on every worker may queue the same work at once: job keys make it one job.
public struct StageWorker: Sendable {
    public var stage: JobStage
    public var run: @Sendable (ClaimedJob) async throws -> Void
    public var plan: (@Sendable () async throws -> Int)?

    public init(stage: JobStage, plan: (@Sendable () async throws -> Int)? = nil, run: @escaping @Sendable (ClaimedJob) async throws -> Void) {
        self.stage = stage
        self.run = run
        self.plan = plan
    }
}

/// A worker: claims jobs of its stages from the shared queue (row leases), runs up to
/// `concurrency` at once, keeps their leases alive while they run, records success or failure
/// (with backoff, dead after the last attempt), plans new work every `planSeconds`, and reports
/// itself for the operator page. On graceful shutdown it stops claiming and lets running jobs
/// finish; when cancelled, running jobs give their leases back. A worker killed outright loses
/// only its leases: they expire and another worker claims the jobs.
public final class JobRunner: Service, @unchecked Sendable {
    public struct Options: Sendable {
        public var owner: String
        public var concurrency: Int
        public var leaseSeconds: Double
        public var pollSeconds: Double
        public var planSeconds: Double
        public var backoff: JobBackoff

        public init(
            owner: String = JobRunner.defaultOwner(), concurrency: Int = 2, leaseSeconds: Double = 60, pollSeconds: Double = 1,
            planSeconds: Double = 15, backoff: JobBackoff = JobBackoff()
        ) {
            self.owner = owner
            self.concurrency = max(1, concurrency)
            self.leaseSeconds = max(1, leaseSeconds)
            self.pollSeconds = max(0.01, pollSeconds)
            self.planSeconds = max(0.05, planSeconds)
            self.backoff = backoff
        }
    }

    public static func defaultOwner() -> String {
        "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(UUID().uuidString.prefix(8).lowercased())"
    }

    let queue: any JobQueue
    let workers: [JobStage: StageWorker]
    let order: [JobStage]
    let options: Options
    let logger: Logger
    let backends: @Sendable () async -> [BackendStatus]
    /// The running jobs' stage and key, readable without the actor (for a stopping process's last log line).
    let runningKeys = Mutex<[Int64: String]>([:])

    /// "stage key, …" of the jobs running now.
    public func runningSummary() -> String {
        runningKeys.withLock { $0.sorted { $0.key < $1.key }.map(\.value).joined(separator: ", ") }
    }
    let state = RunnerState()

    public init(
        queue: any JobQueue, stages: [StageWorker], options: Options, logger: Logger,
        backends: @escaping @Sendable () async -> [BackendStatus] = { [] }
    ) {
        self.queue = queue
        self.workers = Dictionary(stages.map { ($0.stage, $0) }, uniquingKeysWith: { a, _ in a })
        self.order = stages.map(\.stage).sorted()
        self.options = options
        self.logger = logger
        self.backends = backends
    }

    public var owner: String { options.owner }

    public func run() async throws {
        await heartbeat()
        logger.notice(
            "worker started",
            metadata: ["worker": "\(options.owner)", "stages": "\(order.map(\.rawValue).joined(separator: ","))", "concurrency": "\(options.concurrency)"])
        // Leases and planning run beside the claim loop; once it ends (every running job
        // finished or given back) they are cancelled and waited for at most 10 s: a planner stuck
        // in a database call must not keep a stopping worker alive.
        let keep = Task { await self.keepLeases() }
        let plan = Task { await self.planLoop() }
        await claimLoop()
        keep.cancel()
        plan.cancel()
        if !(await Deadline.wait(seconds: 10, { _ = await keep.value; _ = await plan.value })) {
            logger.warning("the lease keeper or the planner did not stop within 10 s; stopping without them", metadata: ["worker": "\(options.owner)"])
        }
        // Also when cancelled (SIGINT, or SIGTERM after work.shutdown_seconds): a cancelled task's
        // database calls fail at once, so this runs in a task of its own.
        let queue = self.queue, owner = options.owner
        await Task { try? await queue.removeWorker(owner) }.value
        let (done, failed) = await state.totals()
        logger.notice("worker stopped", metadata: ["worker": "\(options.owner)", "done": "\(done)", "failed": "\(failed)"])
    }

    /// Plans once for every stage (also used by `klartekst work --once`).
    public func planAll() async -> Int {
        var added = 0
        for stage in order {
            guard let plan = workers[stage]?.plan else { continue }
            do {
                let n = try await plan()
                added += n
                if n > 0 { logger.info("queued work", metadata: ["stage": "\(stage.rawValue)", "jobs": "\(n)"]) }
            } catch {
                logger.warning("planning failed", metadata: ["stage": "\(stage.rawValue)", "error": "\(error)"])
            }
        }
        return added
    }

    func planLoop() async {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            _ = await planAll()
            await state.wake()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(Int64(self.options.planSeconds * 1000))) }
        }
    }

    func claimLoop() async {
        await withDiscardingTaskGroup { group in
            var rotation = 0
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                let free = await state.waitForFreeSlot(options.concurrency)
                if Task.isCancelled || Task.isShuttingDownGracefully { break }
                var claimed: [ClaimedJob] = []
                for step in 0..<order.count {
                    let stage = order[(rotation + step) % order.count]
                    let clock = ContinuousClock()
                    let started = clock.now
                    do {
                        claimed = try await queue.claim(stage: stage, owner: options.owner, limit: free, leaseSeconds: options.leaseSeconds)
                    } catch {
                        logger.warning("claiming failed", metadata: ["stage": "\(stage.rawValue)", "error": "\(error)"])
                    }
                    let took = (clock.now - started).components
                    Timer(label: "klartekst_job_claim_seconds").recordNanoseconds(took.seconds * 1_000_000_000 + took.attoseconds / 1_000_000_000)
                    if !claimed.isEmpty { break }
                }
                rotation += 1
                if claimed.isEmpty {
                    await state.sleep(seconds: options.pollSeconds)
                    continue
                }
                for job in claimed {
                    await state.started(job.id)
                    group.addTask { await self.execute(job) }
                }
            }
        }
    }

    func execute(_ job: ClaimedJob) async {
        let clock = ContinuousClock()
        let started = clock.now
        let stage = job.stage.rawValue
        runningKeys.withLock { $0[job.id] = "\(stage) \(job.key)" }
        defer { _ = runningKeys.withLock { $0.removeValue(forKey: job.id) } }
        do {
            guard let worker = workers[job.stage] else { throw JobError("this worker does not run stage \(stage)") }
            try await worker.run(job)
            let elapsed = clock.now - started
            let ms = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
            if try await queue.complete(job.id, owner: options.owner, milliseconds: ms) {
                await state.finished(job.id, ok: true)
                Counter(label: "klartekst_jobs_total", dimensions: [("stage", stage), ("result", "done")]).increment()
                Timer(label: "klartekst_job_seconds", dimensions: [("stage", stage)]).recordMilliseconds(ms)
            } else {
                await state.finished(job.id, ok: false)
                logger.warning("lease lost before the job finished; another worker runs it", metadata: ["job": "\(job.id)", "key": "\(job.key)"])
                Counter(label: "klartekst_jobs_total", dimensions: [("stage", stage), ("result", "lease_lost")]).increment()
            }
        } catch {
            await state.finished(job.id, ok: false)
            if Task.isCancelled || error is CancellationError {
                // In a task of its own: the cancelled job's task cannot reach the database.
                let queue = self.queue, owner = options.owner, id = job.id
                let released = await Task { (try? await queue.release(id, owner: owner)) != nil }.value
                logger.notice(
                    released ? "job cancelled; its lease is given back" : "job cancelled; giving its lease back failed (it expires)",
                    metadata: ["job": "\(job.id)", "key": "\(job.key)"])
                return
            }
            let permanent = (error as? JobError)?.permanent ?? false
            let delay = options.backoff.delay(afterAttempt: job.attempt, id: job.id)
            let status = try? await queue.fail(job.id, owner: options.owner, error: "\(error)", retryAfter: delay, permanent: permanent)
            Counter(label: "klartekst_jobs_total", dimensions: [("stage", stage), ("result", status == .dead ? "dead" : "failed")]).increment()
            logger.warning(
                status == .dead ? "job failed for the last time (dead)" : "job failed; will retry",
                metadata: [
                    "job": "\(job.id)", "key": "\(job.key)", "attempt": "\(job.attempt)/\(job.maxAttempts)", "retry_in_s": "\(Int(delay))",
                    "error": "\(error)",
                ])
        }
    }

    /// Extends the leases of running jobs and reports the worker, every third of a lease (at
    /// least every 10 s, so the operator page stays current).
    func keepLeases() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(Int64(min(options.leaseSeconds / 3, 10) * 1000)))
            if Task.isCancelled { return }
            let running = await state.running()
            if !running.isEmpty {
                do {
                    let held = try await queue.extendLeases(Array(running), owner: options.owner, leaseSeconds: options.leaseSeconds)
                    for lost in running.subtracting(held) {
                        logger.warning(
                            "lease lost: it expired before this worker renewed it, or the job was finished or claimed elsewhere; the job's result is not recorded by this worker",
                            metadata: ["job": "\(lost)", "worker": "\(options.owner)"])
                    }
                } catch {
                    logger.warning("extending leases failed", metadata: ["error": "\(error)"])
                }
            }
            await heartbeat()
        }
    }

    func heartbeat() async {
        let (done, failed) = await state.totals()
        let info = WorkerInfo(
            id: options.owner, host: ProcessInfo.processInfo.hostName, pid: Int(ProcessInfo.processInfo.processIdentifier), stages: order,
            concurrency: options.concurrency, jobsDone: done, jobsFailed: failed, backends: await backends())
        do { try await queue.heartbeat(info) } catch { logger.warning("worker heartbeat failed", metadata: ["error": "\(error)"]) }
    }
}

/// The runner's running jobs and counters; wakes the claim loop when a slot frees or work is planned.
actor RunnerState {
    var inFlight = Set<Int64>()
    var done = 0
    var failed = 0
    var waiter: CheckedContinuation<Void, Never>?

    func started(_ id: Int64) { inFlight.insert(id) }

    func finished(_ id: Int64, ok: Bool) {
        inFlight.remove(id)
        if ok { done += 1 } else { failed += 1 }
        wake()
    }

    func running() -> Set<Int64> { inFlight }
    func totals() -> (Int, Int) { (done, failed) }

    func wake() {
        waiter?.resume()
        waiter = nil
    }

    /// Waits until fewer than `concurrency` jobs run; returns the free slots.
    func waitForFreeSlot(_ concurrency: Int) async -> Int {
        while inFlight.count >= concurrency {
            await withCheckedContinuation { c in
                waiter?.resume()
                waiter = c
            }
        }
        return concurrency - inFlight.count
    }

    /// Sleeps up to `seconds`, or until woken (a slot freed, work planned, shutdown).
    func sleep(seconds: Double) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [weak self] in
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(Int64(seconds * 1000))) }
                await self?.wake()
            }
            await withCheckedContinuation { c in
                waiter?.resume()
                waiter = c
            }
            group.cancelAll()
        }
    }
}
