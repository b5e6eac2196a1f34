import Foundation
import KlartekstCore

/// The job queue in portable SQL. PostgreSQL: claims lock rows with `FOR UPDATE SKIP LOCKED`, so
/// any number of workers on any machines claim different jobs without waiting for each other.
/// SQLite: the write transaction is exclusive (`BEGIN IMMEDIATE`), which gives the same result
/// for the processes of one machine. Every change of a leased job checks that the caller still
/// holds the lease, so a worker whose lease expired cannot complete a job another worker took.
extension SQLStore: JobQueue {
    /// The database's clock in milliseconds since 1970.
    var nowMs: String {
        db.dialect == .sqlite
            ? "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)"
            : "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)"
    }

    var skipLocked: String { db.dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : "" }

    /// One statement that writes: on PostgreSQL sent alone (autocommit: atomic, one round trip
    /// instead of BEGIN/…/COMMIT); on SQLite in a write transaction.
    func writeStatement(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        db.dialect == .postgres ? try await db.read { try await $0.query(sql, binds) } : try await db.transaction { try await $0.query(sql, binds) }
    }

    public func enqueue(_ jobs: [NewJob]) async throws -> Int {
        guard !jobs.isEmpty else { return 0 }
        var added = 0
        for chunk in stride(from: 0, to: jobs.count, by: 200).map({ Array(jobs[$0..<min(jobs.count, $0 + 200)]) }) {
            let now = nowMs
            var binds: [SQLValue] = []
            var rows: [String] = []
            for j in chunk {
                rows.append("(?, ?, ?, 'queued', 0, ?, \(now), 0, \(now), \(now))")
                binds += [.text(j.stage.rawValue), .text(j.key), .text(j.payload), .int(Int64(max(1, j.maxAttempts)))]
            }
            added += try await writeStatement(
                """
                INSERT INTO job (stage, job_key, payload, status, attempts, max_attempts, not_before, completions, created_ms, updated_ms)
                VALUES \(rows.joined(separator: ", ")) ON CONFLICT (stage, job_key) DO NOTHING RETURNING id
                """, binds
            ).count
        }
        return added
    }

    public func claim(stage: JobStage, owner: String, limit: Int, leaseSeconds: Double) async throws -> [ClaimedJob] {
        guard limit > 0 else { return [] }
        let now = nowMs
        let lease = Int64(leaseSeconds * 1000)
        let skip = skipLocked
        let columns = "id, stage, job_key, payload, attempts, max_attempts"
        var claimed: [SQLRow] = []
        // Expired leases, at most once a second per stage and process (a crashed worker's jobs
        // wait for their lease anyway): a lease that expired on the last attempt means the job
        // killed its worker every time — dead; the others are taken over here.
        if leaseSweeps.due(stage) {
            claimed = try await db.transaction { exec in
                try await exec.execute(
                    """
                    UPDATE job SET status = 'dead', updated_ms = \(now),
                        last_error = 'the worker stopped without finishing (lease expired) on every attempt; last: ' || COALESCE(lease_owner, 'unknown')
                    WHERE id IN (SELECT id FROM job WHERE stage = ? AND status = 'running' AND lease_until < \(now) AND attempts >= max_attempts
                        LIMIT 100\(skip))
                    """, .text(stage.rawValue))
                return try await exec.query(
                    """
                    UPDATE job SET lease_owner = ?, lease_until = \(now) + ?, attempts = attempts + 1, started_ms = \(now), updated_ms = \(now)
                    WHERE id IN (SELECT id FROM job WHERE stage = ? AND status = 'running' AND lease_until < \(now) ORDER BY lease_until
                        LIMIT ?\(skip))
                    RETURNING \(columns)
                    """, .text(owner), .int(lease), .text(stage.rawValue), .int(Int64(limit)))
            }
        }
        if claimed.count < limit {
            claimed += try await writeStatement(
                """
                UPDATE job SET status = 'running', lease_owner = ?, lease_until = \(now) + ?, attempts = attempts + 1,
                    started_ms = \(now), updated_ms = \(now)
                WHERE id IN (SELECT id FROM job WHERE stage = ? AND status = 'queued' AND not_before <= \(now) ORDER BY not_before, id
                    LIMIT ?\(skip))
                RETURNING \(columns)
                """, [.text(owner), .int(lease), .text(stage.rawValue), .int(Int64(limit - claimed.count))])
        }
        return claimed.compactMap { r in
            guard let id = r.int("id"), let stage = JobStage(rawValue: r.string("stage") ?? "") else { return nil }
            return ClaimedJob(
                id: Int64(id), stage: stage, key: r.string("job_key") ?? "", payload: r.string("payload") ?? "", attempt: r.int("attempts") ?? 1,
                maxAttempts: r.int("max_attempts") ?? 1)
        }.sorted { $0.id < $1.id }
    }

    public func extendLeases(_ ids: [Int64], owner: String, leaseSeconds: Double) async throws -> Set<Int64> {
        guard !ids.isEmpty else { return [] }
        let now = nowMs
        let marks = Array(repeating: "?", count: ids.count).joined(separator: ", ")
        let rows = try await writeStatement(
            "UPDATE job SET lease_until = \(now) + ? WHERE status = 'running' AND lease_owner = ? AND id IN (\(marks)) RETURNING id",
            [.int(Int64(leaseSeconds * 1000)), .text(owner)] + ids.map { .int($0) })
        return Set(rows.compactMap { $0.int("id").map(Int64.init) })
    }

    public func complete(_ id: Int64, owner: String, milliseconds: Int) async throws -> Bool {
        let now = nowMs
        return try await !writeStatement(
            """
            UPDATE job SET status = 'done', completions = completions + 1, finished_ms = \(now), updated_ms = \(now), lease_until = NULL,
                started_ms = \(now) - ?
            WHERE id = ? AND lease_owner = ? AND status = 'running' RETURNING id
            """, [.int(Int64(milliseconds)), .int(id), .text(owner)]
        ).isEmpty
    }

    public func fail(_ id: Int64, owner: String, error: String, retryAfter: Double, permanent: Bool) async throws -> JobStatus? {
        let now = nowMs
        let message = String(error.prefix(2000))
        return try await db.transaction { exec in
            guard let row = try await exec.one(
                "SELECT attempts, max_attempts FROM job WHERE id = ? AND lease_owner = ? AND status = 'running'", .int(id), .text(owner))
            else { return nil }
            let attempts = row.int("attempts") ?? 1
            let status: JobStatus = permanent || attempts >= (row.int("max_attempts") ?? 1) ? .dead : .queued
            try await exec.execute(
                """
                UPDATE job SET status = ?, last_error = ?, not_before = \(now) + ?, lease_until = NULL, updated_ms = \(now),
                    lease_owner = CASE WHEN ? = 'dead' THEN lease_owner ELSE NULL END
                WHERE id = ?
                """, .text(status.rawValue), .text(message), .int(Int64(retryAfter * 1000)), .text(status.rawValue), .int(id))
            try await exec.execute(
                "INSERT INTO job_failure (job_id, stage, attempt, owner, error, at_ms) SELECT id, stage, attempts, ?, ?, \(now) FROM job WHERE id = ?",
                .text(owner), .text(message), .int(id))
            return status
        }
    }

    public func release(_ id: Int64, owner: String) async throws {
        let now = nowMs
        try await db.transaction { exec in
            try await exec.execute(
                """
                UPDATE job SET status = 'queued', attempts = attempts - 1, lease_owner = NULL, lease_until = NULL, updated_ms = \(now)
                WHERE id = ? AND lease_owner = ? AND status = 'running'
                """, .int(id), .text(owner))
        }
    }

    public func queueStats() async throws -> [QueueStats] {
        let now = nowMs
        let real = db.dialect == .sqlite ? "REAL" : "DOUBLE PRECISION"
        return try await db.read { exec in
            var stats = Dictionary(uniqueKeysWithValues: JobStage.allCases.map { ($0, QueueStats(stage: $0)) })
            for r in try await exec.query(
                """
                SELECT stage, status, CASE WHEN status = 'queued' AND not_before > \(now) THEN 1 ELSE 0 END AS delayed, COUNT(*) AS n,
                    \(now) - MIN(CASE WHEN status = 'queued' AND not_before <= \(now) THEN not_before END) AS waited
                FROM job GROUP BY stage, status, CASE WHEN status = 'queued' AND not_before > \(now) THEN 1 ELSE 0 END
                """, [])
            {
                guard let stage = JobStage(rawValue: r.string("stage") ?? ""), let status = JobStatus(rawValue: r.string("status") ?? "") else { continue }
                let n = r.int("n") ?? 0
                switch status {
                case .queued:
                    if r.int("delayed") == 1 { stats[stage]?.delayed += n } else { stats[stage]?.ready += n }
                case .running: stats[stage]?.running += n
                case .done: stats[stage]?.done += n
                case .dead: stats[stage]?.dead += n
                }
                if let waited = r.int("waited") {
                    let previous = stats[stage]?.oldestWaitingSeconds ?? 0
                    stats[stage]?.oldestWaitingSeconds = max(previous, Double(max(0, waited)) / 1000)
                }
            }
            for r in try await exec.query(
                """
                SELECT stage, COUNT(*) AS n, CAST(AVG(finished_ms - started_ms) AS \(real)) AS mean FROM job
                WHERE status = 'done' AND finished_ms > \(now) - 3600000 GROUP BY stage
                """, [])
            {
                guard let stage = JobStage(rawValue: r.string("stage") ?? "") else { continue }
                stats[stage]?.doneLastHour = r.int("n") ?? 0
                stats[stage]?.meanSecondsLastHour = r.double("mean").map { $0 / 1000 }
            }
            for r in try await exec.query(
                "SELECT stage, COUNT(*) AS n FROM job_failure WHERE at_ms > \(now) - 3600000 GROUP BY stage", [])
            {
                guard let stage = JobStage(rawValue: r.string("stage") ?? "") else { continue }
                stats[stage]?.failedLastHour = r.int("n") ?? 0
            }
            return JobStage.allCases.compactMap { stats[$0] }
        }
    }

    public func jobs(status: JobStatus, stage: JobStage?, limit: Int) async throws -> [JobRecord] {
        try await db.read { exec in
            var sql = "SELECT id, stage, job_key, status, attempts, max_attempts, last_error, lease_owner, updated_ms, completions FROM job WHERE status = ?"
            var binds: [SQLValue] = [.text(status.rawValue)]
            if let stage {
                sql += " AND stage = ?"
                binds.append(.text(stage.rawValue))
            }
            sql += " ORDER BY updated_ms DESC, id DESC LIMIT ?"
            binds.append(.int(Int64(limit)))
            return try await exec.query(sql, binds).compactMap { r in
                guard let id = r.int("id"), let stage = JobStage(rawValue: r.string("stage") ?? ""),
                    let status = JobStatus(rawValue: r.string("status") ?? "")
                else { return nil }
                return JobRecord(
                    id: Int64(id), stage: stage, key: r.string("job_key") ?? "", status: status, attempts: r.int("attempts") ?? 0,
                    maxAttempts: r.int("max_attempts") ?? 0, lastError: r.string("last_error"), owner: r.string("lease_owner"),
                    updatedMs: Int64(r.int("updated_ms") ?? 0), completions: r.int("completions") ?? 0)
            }
        }
    }

    public func retryDead(_ id: Int64) async throws -> Bool {
        let now = nowMs
        return try await db.transaction { exec in
            try await !exec.query(
                """
                UPDATE job SET status = 'queued', attempts = 0, not_before = \(now), lease_owner = NULL, lease_until = NULL, updated_ms = \(now)
                WHERE id = ? AND status = 'dead' RETURNING id
                """, .int(id)
            ).isEmpty
        }
    }

    public func heartbeat(_ worker: WorkerInfo) async throws {
        let now = nowMs
        let backends = String(decoding: (try? JSONEncoder().encode(worker.backends)) ?? Data("[]".utf8), as: UTF8.self)
        try await db.transaction { exec in
            try await exec.execute(
                """
                INSERT INTO worker (id, host, pid, stages, concurrency, started_ms, seen_ms, jobs_done, jobs_failed, backends)
                VALUES (?, ?, ?, ?, ?, \(now), \(now), ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET seen_ms = excluded.seen_ms, jobs_done = excluded.jobs_done,
                    jobs_failed = excluded.jobs_failed, backends = excluded.backends
                """, .text(worker.id), .text(worker.host), .int(Int64(worker.pid)), .text(worker.stages.map(\.rawValue).joined(separator: ",")),
                .int(Int64(worker.concurrency)), .int(Int64(worker.jobsDone)), .int(Int64(worker.jobsFailed)), .text(backends))
        }
    }

    public func removeWorker(_ id: String) async throws {
        try await db.transaction { exec in try await exec.execute("DELETE FROM worker WHERE id = ?", .text(id)) }
    }

    public func workers(seenWithin seconds: Double) async throws -> [WorkerInfo] {
        let now = nowMs
        return try await db.read { exec in
            try await exec.query(
                "SELECT * FROM worker WHERE seen_ms > \(now) - ? ORDER BY host, started_ms, id", .int(Int64(seconds * 1000))
            ).map { r in
                WorkerInfo(
                    id: r.string("id") ?? "", host: r.string("host") ?? "", pid: r.int("pid") ?? 0,
                    stages: (r.string("stages") ?? "").split(separator: ",").compactMap { JobStage(rawValue: String($0)) },
                    concurrency: r.int("concurrency") ?? 0, startedMs: Int64(r.int("started_ms") ?? 0), seenMs: Int64(r.int("seen_ms") ?? 0),
                    jobsDone: r.int("jobs_done") ?? 0, jobsFailed: r.int("jobs_failed") ?? 0,
                    backends: (try? JSONDecoder().decode([BackendStatus].self, from: Data((r.string("backends") ?? "[]").utf8))) ?? [])
            }
        }
    }

    // MARK: Planning (work found in the data, queued by its content key)

    /// Queues text extraction for every stored document without text from `version`.
    public func planExtractJobs(version: Int, maxAttempts: Int = 3) async throws -> Int {
        let now = nowMs
        return try await db.transaction { exec in
            try await exec.query(
                """
                INSERT INTO job (stage, job_key, payload, status, attempts, max_attempts, not_before, completions, created_ms, updated_ms)
                SELECT 'extract', 'extract:' || d.sha256 || ':v' || CAST(? AS TEXT), d.sha256, 'queued', 0, ?, \(now), 0, \(now), \(now)
                FROM (SELECT DISTINCT f.sha256 FROM document_file f
                    LEFT JOIN document_text t ON t.sha256 = f.sha256 AND t.extractor_version >= ?
                    WHERE f.sha256 IS NOT NULL AND t.sha256 IS NULL) d
                WHERE NOT EXISTS (SELECT 1 FROM job j WHERE j.stage = 'extract' AND j.job_key = 'extract:' || d.sha256 || ':v' || CAST(? AS TEXT))
                ON CONFLICT (stage, job_key) DO NOTHING RETURNING id
                """, .int(Int64(version)), .int(Int64(maxAttempts)), .int(Int64(version)), .int(Int64(version))
            ).count
        }
    }

    /// Queues the analysis of every public item whose revision, attachment texts, prompts or
    /// model changed since its last analysis job — once its municipality's sync has finished and
    /// every fetched attachment has its text (so an item is analysed once, with its attachments).
    /// - Parameter signature: identifies the prompts and model (``JobKeys/analyze``).
    public func planAnalyzeJobs(signature: String, maxAttempts: Int = 5) async throws -> Int {
        let now = nowMs
        return try await db.transaction { exec in
            try await exec.query(
                """
                INSERT INTO job (stage, job_key, payload, status, attempts, max_attempts, not_before, completions, created_ms, updated_ms)
                SELECT 'analyze', c.k, c.item, 'queued', 0, ?, \(now), 0, \(now), \(now) FROM (
                    SELECT i.identity_key AS item, 'analyze:' || i.identity_key || ':r' || CAST(i.current_revision AS TEXT) || ':t' || CAST((
                        SELECT COUNT(*) FROM attachment a
                        JOIN document_file f ON f.municipality = g.municipality AND f.kind = 'attachment' AND f.portal_id = a.portal_id
                        JOIN document_text t ON t.sha256 = f.sha256 WHERE a.revision_id = r.id) AS TEXT) || ':' || CAST(? AS TEXT) AS k
                    FROM item i JOIN meeting g ON g.id = i.meeting_id
                    JOIN item_revision r ON r.item_id = i.id AND r.revision = i.current_revision
                    WHERE i.status = 'public'
                        AND NOT EXISTS (SELECT 1 FROM job s WHERE s.stage = 'sync' AND s.status IN ('queued', 'running') AND s.payload = g.municipality)
                        AND NOT EXISTS (SELECT 1 FROM attachment a
                            JOIN document_file f ON f.municipality = g.municipality AND f.kind = 'attachment' AND f.portal_id = a.portal_id
                            LEFT JOIN document_text t ON t.sha256 = f.sha256
                            WHERE a.revision_id = r.id AND f.sha256 IS NOT NULL AND t.sha256 IS NULL)
                ) c
                WHERE NOT EXISTS (SELECT 1 FROM job j WHERE j.stage = 'analyze' AND j.job_key = c.k)
                ON CONFLICT (stage, job_key) DO NOTHING RETURNING id
                """, .int(Int64(maxAttempts)), .text(signature)
            ).count
        }
    }
}

extension SQLStore {
    /// How many jobs finished, from the first queued to the last finished (benchmarks).
    public func jobSpan() async throws -> (jobs: Int, firstCreatedMs: Int64, lastFinishedMs: Int64) {
        try await db.read { exec in
            let r = try await exec.one("SELECT COUNT(*) AS n, MIN(created_ms) AS a, MAX(finished_ms) AS b FROM job WHERE status = 'done'")
            return (r?.int("n") ?? 0, Int64(r?.int("a") ?? 0), Int64(r?.int("b") ?? 0))
        }
    }
}

extension SQLStore {
    /// Whether a job of the stage is queued or running (planners of one-at-a-time stages ask first).
    public func hasOpenJobs(stage: JobStage) async throws -> Bool {
        try await db.read { exec in
            try await exec.one(
                "SELECT 1 AS x FROM job WHERE stage = ? AND status IN ('queued', 'running') LIMIT 1", .text(stage.rawValue)) != nil
        }
    }
}

/// When a process last swept a stage for expired leases.
final class LeaseSweeps: @unchecked Sendable {
    let lock = NSLock()
    var last: [JobStage: ContinuousClock.Instant] = [:]

    /// True at most once a second per stage.
    func due(_ stage: JobStage) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        let now = ContinuousClock.now
        if let l = last[stage], now - l < .seconds(1) { return false }
        last[stage] = now
        return true
    }
}
