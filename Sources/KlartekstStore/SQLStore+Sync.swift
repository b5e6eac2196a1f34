import Foundation
import KlartekstCore

extension SQLStore: SyncStateStore {
    public func recordDiscovered(_ meetings: [SyncMeetingState]) async throws -> Int {
        let now = Self.iso(self.now())
        return try await db.transaction { exec in
            var pending = 0
            for m in meetings {
                let existing = try await exec.one(
                    "SELECT fingerprint, state FROM sync_meeting WHERE municipality = ? AND portal_id = ?", .text(m.municipality),
                    .text(m.portalID))
                if let existing {
                    if existing.string("fingerprint") != m.fingerprint {
                        try await exec.execute(
                            """
                            UPDATE sync_meeting SET fingerprint = ?, committee = ?, meeting_date = ?, state = 'pending', attempts = 0,
                                last_error = NULL, updated_at = ?
                            WHERE municipality = ? AND portal_id = ?
                            """, .text(m.fingerprint), .text(m.committee), SQLValue(m.date), .text(now), .text(m.municipality),
                            .text(m.portalID))
                        pending += 1
                    } else if existing.string("state") != "done" {
                        pending += 1
                    }
                } else {
                    try await exec.execute(
                        """
                        INSERT INTO sync_meeting (municipality, portal_id, committee, meeting_date, fingerprint, state, attempts, updated_at)
                        VALUES (?, ?, ?, ?, ?, 'pending', 0, ?)
                        """, .text(m.municipality), .text(m.portalID), .text(m.committee), SQLValue(m.date), .text(m.fingerprint),
                        .text(now))
                    pending += 1
                }
            }
            return pending
        }
    }

    public func pendingMeetings(municipality: String) async throws -> [SyncMeetingState] {
        try await db.read { exec in
            try await exec.query(
                """
                SELECT municipality, portal_id, committee, meeting_date, fingerprint, state, attempts, last_error FROM sync_meeting
                WHERE municipality = ? AND state <> 'done'
                ORDER BY (CASE WHEN meeting_date IS NULL THEN 1 ELSE 0 END), meeting_date DESC, portal_id
                """, .text(municipality)
            ).map {
                SyncMeetingState(
                    municipality: $0.string("municipality") ?? "", portalID: $0.string("portal_id") ?? "",
                    committee: $0.string("committee") ?? "", date: $0.string("meeting_date"), fingerprint: $0.string("fingerprint") ?? "",
                    state: SyncMeetingState.State(rawValue: $0.string("state") ?? "") ?? .pending, attempts: $0.int("attempts") ?? 0,
                    lastError: $0.string("last_error"))
            }
        }
    }

    public func markMeeting(municipality: String, portalID: String, state: SyncMeetingState.State, error: String?) async throws {
        let now = Self.iso(self.now())
        try await db.transaction { exec in
            try await exec.execute(
                """
                UPDATE sync_meeting SET state = ?, last_error = ?, updated_at = ?,
                    attempts = CASE WHEN ? = 'failed' THEN attempts + 1 ELSE attempts END
                WHERE municipality = ? AND portal_id = ?
                """, .text(state.rawValue), SQLValue(error), .text(now), .text(state.rawValue), .text(municipality), .text(portalID))
        }
    }

    public func validators(url: String) async throws -> CacheValidators? {
        try await db.read { exec in
            try await exec.one("SELECT etag, last_modified FROM http_cache WHERE url = ?", .text(url)).map {
                CacheValidators(etag: $0.string("etag"), lastModified: $0.string("last_modified"))
            }
        }
    }

    public func setValidators(url: String, _ validators: CacheValidators, sha256: String?) async throws {
        let now = Self.iso(self.now())
        try await db.transaction { exec in
            try await exec.execute(
                """
                INSERT INTO http_cache (url, etag, last_modified, sha256, fetched_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (url) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified,
                    sha256 = excluded.sha256, fetched_at = excluded.fetched_at
                """, .text(url), SQLValue(validators.etag), SQLValue(validators.lastModified), SQLValue(sha256), .text(now))
        }
    }

    public func cachedSHA(url: String) async throws -> String? {
        try await db.read { exec in try await exec.one("SELECT sha256 FROM http_cache WHERE url = ?", .text(url))?.string("sha256") }
    }

    public func filesToFetch(municipality: String, maxAttempts: Int) async throws -> [FileRef] {
        try await db.read { exec in
            let attachments = try await exec.query(
                """
                SELECT DISTINCT a.portal_id FROM attachment a
                JOIN item_revision r ON r.id = a.revision_id JOIN item i ON i.id = r.item_id JOIN meeting g ON g.id = i.meeting_id
                LEFT JOIN document_file f ON f.municipality = g.municipality AND f.kind = 'attachment' AND f.portal_id = a.portal_id
                WHERE g.municipality = ? AND a.has_pdf = 1 AND a.portal_id IS NOT NULL AND r.revision = i.current_revision
                    AND (f.portal_id IS NULL OR (f.sha256 IS NULL AND f.attempts < ?))
                ORDER BY a.portal_id
                """, .text(municipality), .int(Int64(maxAttempts))
            ).compactMap { $0.string("portal_id") }
            let presentations = try await exec.query(
                """
                SELECT DISTINCT i.presentation_document_id AS portal_id FROM item i JOIN meeting g ON g.id = i.meeting_id
                LEFT JOIN document_file f ON f.municipality = g.municipality AND f.kind = 'presentation'
                    AND f.portal_id = i.presentation_document_id
                WHERE g.municipality = ? AND i.presentation_document_id IS NOT NULL AND i.status = 'public'
                    AND (f.portal_id IS NULL OR (f.sha256 IS NULL AND f.attempts < ?))
                ORDER BY i.presentation_document_id
                """, .text(municipality), .int(Int64(maxAttempts))
            ).compactMap { $0.string("portal_id") }
            return attachments.map { FileRef(municipality: municipality, kind: .attachment, portalID: $0) }
                + presentations.map { FileRef(municipality: municipality, kind: .presentation, portalID: $0) }
        }
    }

    public func markFile(_ file: FileRef, sha256: String?, size: Int?, contentType: String?, error: String?) async throws {
        let now = Self.iso(self.now())
        try await db.transaction { exec in
            try await exec.execute(
                """
                INSERT INTO document_file (municipality, kind, portal_id, sha256, size, content_type, attempts, last_error, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (municipality, kind, portal_id) DO UPDATE SET sha256 = excluded.sha256, size = excluded.size,
                    content_type = excluded.content_type, last_error = excluded.last_error, updated_at = excluded.updated_at,
                    attempts = document_file.attempts + excluded.attempts
                """, .text(file.municipality), .text(file.kind.rawValue), .text(file.portalID), SQLValue(sha256), SQLValue(size),
                SQLValue(contentType), .int(error == nil ? 0 : 1), SQLValue(error), .text(now))
        }
    }

    public func file(_ file: FileRef) async throws -> (sha256: String, size: Int, contentType: String)? {
        try await db.read { exec in
            guard let r = try await exec.one(
                "SELECT sha256, size, content_type FROM document_file WHERE municipality = ? AND kind = ? AND portal_id = ? AND sha256 IS NOT NULL",
                .text(file.municipality), .text(file.kind.rawValue), .text(file.portalID)),
                let sha = r.string("sha256")
            else { return nil }
            return (sha, r.int("size") ?? 0, r.string("content_type") ?? "application/pdf")
        }
    }

    public func health(municipality: String) async throws -> SourceHealth {
        try await db.read { exec in try await Self.health(municipality, exec) }
    }

    public func allHealth() async throws -> [SourceHealth] {
        try await db.read { exec in
            let slugs = try await exec.query(
                "SELECT municipality FROM source_health UNION SELECT municipality FROM sync_meeting ORDER BY 1"
            ).compactMap { $0.string("municipality") }
            var out: [SourceHealth] = []
            for s in slugs { out.append(try await Self.health(s, exec)) }
            return out
        }
    }

    static func health(_ municipality: String, _ exec: any SQLExecutor) async throws -> SourceHealth {
        var h = SourceHealth(municipality: municipality)
        if let r = try await exec.one("SELECT * FROM source_health WHERE municipality = ?", .text(municipality)) {
            h.lastStarted = r.string("last_started")
            h.lastSuccess = r.string("last_success")
            h.lastError = r.string("last_error")
            h.lastErrorAt = r.string("last_error_at")
            h.consecutiveFailures = r.int("consecutive_failures") ?? 0
        }
        if let r = try await exec.one(
            "SELECT COUNT(*) AS n, SUM(CASE WHEN state = 'done' THEN 1 ELSE 0 END) AS d FROM sync_meeting WHERE municipality = ?",
            .text(municipality))
        {
            h.meetingsKnown = r.int("n") ?? 0
            h.meetingsDone = r.int("d") ?? 0
        }
        if let r = try await exec.one(
            """
            SELECT SUM(CASE WHEN sha256 IS NOT NULL THEN 1 ELSE 0 END) AS ok, SUM(CASE WHEN sha256 IS NULL THEN 1 ELSE 0 END) AS bad
            FROM document_file WHERE municipality = ?
            """, .text(municipality))
        {
            h.filesStored = r.int("ok") ?? 0
            h.filesFailed = r.int("bad") ?? 0
        }
        return h
    }

    public func recordSyncStart(municipality: String) async throws {
        let now = Self.iso(self.now())
        try await db.transaction { exec in
            try await exec.execute(
                """
                INSERT INTO source_health (municipality, last_started, consecutive_failures) VALUES (?, ?, 0)
                ON CONFLICT (municipality) DO UPDATE SET last_started = excluded.last_started
                """, .text(municipality), .text(now))
        }
    }

    public func recordSyncEnd(municipality: String, error: String?) async throws {
        let now = Self.iso(self.now())
        try await db.transaction { exec in
            if let error {
                try await exec.execute(
                    """
                    UPDATE source_health SET last_error = ?, last_error_at = ?, consecutive_failures = consecutive_failures + 1
                    WHERE municipality = ?
                    """, .text(error), .text(now), .text(municipality))
            } else {
                try await exec.execute(
                    "UPDATE source_health SET last_success = ?, consecutive_failures = 0 WHERE municipality = ?", .text(now),
                    .text(municipality))
            }
        }
    }
}
