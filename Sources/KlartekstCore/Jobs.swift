import Foundation

/// The pipeline's stages, as work queued in the store and claimed by workers on any machine.
public enum JobStage: String, Sendable, CaseIterable, Codable, Comparable {
    case sync, extract, analyze, index, notify

    public static func < (a: JobStage, b: JobStage) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// "sync,extract" → [.sync, .extract]; unknown names are an error that names them.
    public static func parse(_ text: String) throws -> [JobStage] {
        var out: [JobStage] = []
        for raw in text.split(whereSeparator: { $0 == "," || $0 == " " }) where !raw.isEmpty {
            guard let stage = JobStage(rawValue: raw.lowercased()) else {
                throw JobError("unknown stage \"\(raw)\"; stages are \(allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if !out.contains(stage) { out.append(stage) }
        }
        guard !out.isEmpty else { throw JobError("no stage given; stages are \(allCases.map(\.rawValue).joined(separator: ", "))") }
        return out.sorted()
    }

    /// Danish names for the operator page.
    public var danish: String {
        switch self {
        case .sync: "Hentning fra portaler"
        case .extract: "Tekst fra bilag (PDF/OCR)"
        case .analyze: "Analyse (sprogmodel)"
        case .index: "Søgeindeks"
        case .notify: "Varsler (e-mail/webhook)"
        }
    }
}

public enum JobStatus: String, Sendable, CaseIterable, Codable {
    /// Waiting (possibly until `not_before`, after a failure).
    case queued
    /// Leased by a worker until `lease_until`.
    case running
    case done
    /// Failed `max_attempts` times: kept for an operator to read and retry.
    case dead
}

/// Work to add. The key names the work by its content (e.g. a document's sha256 and the extractor
/// version): adding a job whose key exists does nothing, so planners on every worker may add the
/// same work at the same time and it is done once.
public struct NewJob: Sendable, Equatable {
    public var stage: JobStage
    public var key: String
    public var payload: String
    public var maxAttempts: Int

    public init(stage: JobStage, key: String, payload: String = "", maxAttempts: Int = 5) {
        self.stage = stage
        self.key = key
        self.payload = payload
        self.maxAttempts = maxAttempts
    }
}

/// A job leased to one worker.
public struct ClaimedJob: Sendable, Equatable {
    public var id: Int64
    public var stage: JobStage
    public var key: String
    public var payload: String
    /// This attempt's number, from 1.
    public var attempt: Int
    public var maxAttempts: Int

    public init(id: Int64, stage: JobStage, key: String, payload: String, attempt: Int, maxAttempts: Int) {
        self.id = id
        self.stage = stage
        self.key = key
        self.payload = payload
        self.attempt = attempt
        self.maxAttempts = maxAttempts
    }
}

/// One row of the queue, for operators.
public struct JobRecord: Sendable, Equatable, Codable {
    public var id: Int64
    public var stage: JobStage
    public var key: String
    public var status: JobStatus
    public var attempts: Int
    public var maxAttempts: Int
    public var lastError: String?
    public var owner: String?
    /// Milliseconds since 1970 (the database's clock).
    public var updatedMs: Int64
    /// How many times the job was completed (never more than once).
    public var completions: Int

    public init(
        id: Int64, stage: JobStage, key: String, status: JobStatus, attempts: Int, maxAttempts: Int, lastError: String?, owner: String?,
        updatedMs: Int64, completions: Int = 0
    ) {
        self.completions = completions
        self.id = id
        self.stage = stage
        self.key = key
        self.status = status
        self.attempts = attempts
        self.maxAttempts = maxAttempts
        self.lastError = lastError
        self.owner = owner
        self.updatedMs = updatedMs
    }
}

/// The queue of one stage, as the operator page and `/metrics` show it.
public struct QueueStats: Sendable, Equatable, Codable {
    public var stage: JobStage
    /// Ready to run now.
    public var ready = 0
    /// Queued but waiting for their backoff to end.
    public var delayed = 0
    public var running = 0
    public var done = 0
    public var dead = 0
    /// Finished in the last hour (throughput) and failed attempts in the last hour.
    public var doneLastHour = 0
    public var failedLastHour = 0
    /// Seconds the oldest ready job has waited (0: none waiting).
    public var oldestWaitingSeconds = 0.0
    /// Mean run time of the jobs finished in the last hour, in seconds.
    public var meanSecondsLastHour: Double?

    public init(stage: JobStage) { self.stage = stage }

    public var waiting: Int { ready + delayed }
}

/// A worker process, as it reports itself (heartbeat) for the operator page.
public struct WorkerInfo: Sendable, Equatable, Codable {
    public var id: String
    public var host: String
    public var pid: Int
    public var stages: [JobStage]
    public var concurrency: Int
    public var startedMs: Int64
    public var seenMs: Int64
    public var jobsDone: Int
    public var jobsFailed: Int
    /// The language-model endpoints this worker uses, with their health and latency.
    public var backends: [BackendStatus]

    public init(
        id: String, host: String, pid: Int, stages: [JobStage], concurrency: Int, startedMs: Int64 = 0, seenMs: Int64 = 0, jobsDone: Int = 0,
        jobsFailed: Int = 0, backends: [BackendStatus] = []
    ) {
        self.id = id
        self.host = host
        self.pid = pid
        self.stages = stages
        self.concurrency = concurrency
        self.startedMs = startedMs
        self.seenMs = seenMs
        self.jobsDone = jobsDone
        self.jobsFailed = jobsFailed
        self.backends = backends
    }
}

/// One language-model endpoint as a worker sees it.
public struct BackendStatus: Sendable, Equatable, Codable {
    public var url: String
    public var weight: Int
    public var concurrency: Int
    public var healthy: Bool
    public var inFlight: Int
    public var requests: Int
    public var failures: Int
    /// Mean and 95th percentile latency of the last 200 successful requests, in seconds.
    public var meanSeconds: Double?
    public var p95Seconds: Double?
    public var lastError: String?

    public init(
        url: String, weight: Int, concurrency: Int, healthy: Bool, inFlight: Int = 0, requests: Int = 0, failures: Int = 0,
        meanSeconds: Double? = nil, p95Seconds: Double? = nil, lastError: String? = nil
    ) {
        self.url = url
        self.weight = weight
        self.concurrency = concurrency
        self.healthy = healthy
        self.inFlight = inFlight
        self.requests = requests
        self.failures = failures
        self.meanSeconds = meanSeconds
        self.p95Seconds = p95Seconds
        self.lastError = lastError
    }
}

/// The store's job queue. Implementations lease rows (PostgreSQL: `FOR UPDATE SKIP LOCKED`);
/// a worker that dies loses only its leases, which expire and are claimed again.
public protocol JobQueue: Sendable {
    /// Adds the jobs whose keys are new; returns how many were added.
    @discardableResult func enqueue(_ jobs: [NewJob]) async throws -> Int
    /// Leases up to `limit` ready jobs of one stage (oldest first), including jobs whose lease
    /// expired; a job whose lease expired on its last attempt becomes dead instead.
    func claim(stage: JobStage, owner: String, limit: Int, leaseSeconds: Double) async throws -> [ClaimedJob]
    /// Extends the leases `owner` still holds; returns the ids it holds.
    func extendLeases(_ ids: [Int64], owner: String, leaseSeconds: Double) async throws -> Set<Int64>
    /// Marks the job done if `owner` still holds its lease (false: the lease was lost and another
    /// worker has or will run it).
    @discardableResult func complete(_ id: Int64, owner: String, milliseconds: Int) async throws -> Bool
    /// Records a failed attempt: queued again after `retryAfter` seconds, or dead after the last
    /// attempt (or when `permanent`). Nil when the lease was lost.
    @discardableResult func fail(_ id: Int64, owner: String, error: String, retryAfter: Double, permanent: Bool) async throws -> JobStatus?
    /// Gives a job back without counting the attempt (a worker shutting down).
    func release(_ id: Int64, owner: String) async throws
    func queueStats() async throws -> [QueueStats]
    func jobs(status: JobStatus, stage: JobStage?, limit: Int) async throws -> [JobRecord]
    /// Queues a dead job again with its attempts reset; false when it is not dead.
    @discardableResult func retryDead(_ id: Int64) async throws -> Bool
    /// Records a worker's heartbeat (insert or update).
    func heartbeat(_ worker: WorkerInfo) async throws
    /// Removes a worker's row (clean shutdown).
    func removeWorker(_ id: String) async throws
    /// Workers seen in the last `seconds`.
    func workers(seenWithin seconds: Double) async throws -> [WorkerInfo]
}

/// How long a failed job waits before its next attempt: exponential from `base`, capped, with a
/// deterministic jitter from the job id so a burst of failures does not come back at once.
public struct JobBackoff: Sendable, Equatable {
    public var base: Double
    public var cap: Double

    public init(base: Double = 10, cap: Double = 3600) {
        self.base = base
        self.cap = cap
    }

    /// Seconds to wait after failed attempt `attempt` (from 1) of job `id`.
    public func delay(afterAttempt attempt: Int, id: Int64) -> Double {
        let exponential = min(cap, base * pow(2, Double(max(0, attempt - 1))))
        let jitter = Double((UInt64(bitPattern: id) &* 0x9E37_79B9_7F4A_7C15) % 1000) / 1000 * 0.25
        return min(cap, exponential * (1 + jitter))
    }
}

public struct JobError: Error, CustomStringConvertible, Sendable {
    public var description: String
    /// A failure that no retry will mend (bad payload, missing item): the job goes to dead at once.
    public var permanent: Bool

    public init(_ description: String, permanent: Bool = false) {
        self.description = description
        self.permanent = permanent
    }
}

/// Job keys: the content a job works on, so the same work is queued once.
public enum JobKeys {
    public static func sync(municipality: String, period: Date) -> String {
        "sync:\(municipality):\(Int64(period.timeIntervalSince1970))"
    }

    public static func extract(sha256: String, version: Int) -> String { "extract:\(sha256):v\(version)" }

    /// An item's analysis: its revision, how many attachment texts it has, the prompts and the model.
    public static func analyze(item: String, revision: Int, texts: Int, prompts: [String], model: String) -> String {
        "analyze:\(item):r\(revision):t\(texts):\(ContentHash.sha256(fields: prompts + [model]).prefix(16))"
    }

    public static func index(backlog: [SearchBacklogEntry]) -> String {
        "index:\(ContentHash.sha256(fields: backlog.flatMap { [$0.itemKey, $0.signature] }).prefix(24))"
    }

    public static func notify(period: Date) -> String { "notify:\(Int64(period.timeIntervalSince1970))" }
}
