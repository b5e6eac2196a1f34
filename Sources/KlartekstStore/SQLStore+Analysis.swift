import Foundation
import KlartekstCore

extension SQLStore {
    public func analysisInputs(municipality: String?, itemKey: String?) async throws -> [AnalysisInput] {
        try await db.read { exec in
            var sql = """
                SELECT i.identity_key, i.title, i.status, i.current_revision, i.id, i.number, m.name AS municipality_name,
                    c.name AS committee_name, g.municipality
                FROM item i JOIN meeting g ON g.id = i.meeting_id JOIN committee c ON c.id = g.committee_id
                JOIN municipality m ON m.slug = g.municipality WHERE 1 = 1
                """
            var binds: [SQLValue] = []
            if let municipality {
                sql += " AND g.municipality = ?"
                binds.append(.text(municipality))
            }
            if let itemKey {
                sql += " AND i.identity_key = ?"
                binds.append(.text(itemKey))
            }
            sql += " ORDER BY i.identity_key"
            var out: [AnalysisInput] = []
            for r in try await exec.query(sql, binds) {
                guard let revision = try await exec.one(
                    "SELECT id FROM item_revision WHERE item_id = ? AND revision = ?", .int(Int64(r.int("id") ?? 0)),
                    .int(Int64(r.int("current_revision") ?? 1)))?.int("id")
                else { continue }
                let sections = try await self.sections(revisionID: revision, exec)
                let texts = try await exec.query(
                    """
                    SELECT p.body FROM attachment a
                    JOIN document_file f ON f.municipality = ? AND f.kind = 'attachment' AND f.portal_id = a.portal_id
                    JOIN page_text p ON p.sha256 = f.sha256
                    WHERE a.revision_id = ? ORDER BY a.ordinal, p.page
                    """, .text(r.string("municipality") ?? ""), .int(Int64(revision))
                ).compactMap { $0.string("body") }
                var input = AnalysisInput(
                    itemKey: r.string("identity_key") ?? "", municipalityName: r.string("municipality_name") ?? "",
                    committee: r.string("committee_name") ?? "", title: r.string("title") ?? "",
                    status: ItemStatus(rawValue: r.string("status") ?? "") ?? .public, sections: sections,
                    attachmentText: texts.joined(separator: "\n\n"))
                input.municipality = r.string("municipality") ?? ""
                input.number = r.string("number") ?? ""
                out.append(input)
            }
            return out
        }
    }

    public func hasAnalysis(itemKey: String, prompt: String, version: Int, topic: String, model: String, inputHash: String) async throws -> Bool {
        try await db.read { exec in
            try await exec.one(
                """
                SELECT 1 AS x FROM analysis WHERE item_key = ? AND prompt = ? AND prompt_version = ? AND topic = ? AND model = ? AND input_hash = ?
                """, .text(itemKey), .text(prompt), .int(Int64(version)), .text(topic), .text(model), .text(inputHash)) != nil
        }
    }

    public func saveAnalysis(_ a: StoredAnalysis) async throws {
        let now = Self.iso(self.now())
        try await db.transaction { exec in
            try await exec.execute(
                """
                INSERT INTO analysis (item_key, prompt, prompt_version, topic, model, backend, input_hash, status, result, problems,
                    prompt_tokens, completion_tokens, seconds, edited, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (item_key, prompt, prompt_version, topic, model, input_hash) DO UPDATE SET status = excluded.status,
                    result = excluded.result, problems = excluded.problems, edited = excluded.edited
                    WHERE analysis.reviewed_at IS NULL
                """, .text(a.itemKey), .text(a.prompt), .int(Int64(a.promptVersion)), .text(a.topic), .text(a.model), .text(a.backend),
                .text(a.inputHash), .text(a.status.rawValue), .text(a.result), .text(a.problems.joined(separator: "\n")),
                .int(Int64(a.promptTokens)), .int(Int64(a.completionTokens)), .double(a.seconds), SQLValue(a.edited), .text(now))
        }
    }

    public func analyses(itemKey: String) async throws -> [StoredAnalysis] {
        try await db.read { exec in
            try await exec.query(
                "SELECT * FROM analysis WHERE item_key = ? ORDER BY prompt, topic, prompt_version DESC, id DESC", .text(itemKey)
            ).map(Self.storedAnalysis)
        }
    }

    public func analysis(id: Int64) async throws -> StoredAnalysis? {
        try await db.read { exec in
            try await exec.one("SELECT * FROM analysis WHERE id = ?", .int(id)).map(Self.storedAnalysis)
        }
    }

    public func reviewQueue(limit: Int) async throws -> [ReviewEntry] {
        try await db.read { exec in
            try await exec.query(
                """
                SELECT a.*, g.municipality AS item_municipality, g.slug AS meeting_slug, i.number AS item_number, i.title AS item_title
                FROM analysis a JOIN item i ON i.identity_key = a.item_key JOIN meeting g ON g.id = i.meeting_id
                WHERE a.status IN ('pendingReview', 'failed')
                ORDER BY CASE a.status WHEN 'pendingReview' THEN 0 ELSE 1 END, a.created_at, a.id LIMIT ?
                """, .int(Int64(limit))
            ).map {
                ReviewEntry(
                    analysis: Self.storedAnalysis($0), municipality: $0.string("item_municipality") ?? "",
                    meetingSlug: $0.string("meeting_slug") ?? "", number: $0.string("item_number") ?? "", title: $0.string("item_title") ?? "")
            }
        }
    }

    public func review(id: Int64, status: StoredAnalysis.Status, editedResult: String?, reviewer: String) async throws -> Bool {
        let now = Self.iso(self.now())
        return try await db.transaction { exec in
            guard let row = try await exec.one("SELECT result, original_result, edited FROM analysis WHERE id = ?", .int(id)) else { return false }
            if let editedResult {
                // The model's own answer is kept once, however often an operator edits.
                let original = row.bool("edited") ? row.string("original_result") : row.string("result")
                try await exec.execute(
                    """
                    UPDATE analysis SET status = ?, result = ?, original_result = ?, edited = 1, problems = '', reviewed_by = ?, reviewed_at = ?
                    WHERE id = ?
                    """, .text(status.rawValue), .text(editedResult), SQLValue(original), .text(reviewer), .text(now), .int(id))
            } else {
                try await exec.execute(
                    "UPDATE analysis SET status = ?, reviewed_by = ?, reviewed_at = ? WHERE id = ?", .text(status.rawValue), .text(reviewer),
                    .text(now), .int(id))
            }
            return true
        }
    }

    static func storedAnalysis(_ r: SQLRow) -> StoredAnalysis {
        StoredAnalysis(
            itemKey: r.string("item_key") ?? "", prompt: r.string("prompt") ?? "", promptVersion: r.int("prompt_version") ?? 0,
            topic: r.string("topic") ?? "", model: r.string("model") ?? "", backend: r.string("backend") ?? "",
            inputHash: r.string("input_hash") ?? "", status: StoredAnalysis.Status(rawValue: r.string("status") ?? "") ?? .failed,
            result: r.string("result") ?? "", problems: (r.string("problems") ?? "").split(separator: "\n").map(String.init),
            promptTokens: r.int("prompt_tokens") ?? 0, completionTokens: r.int("completion_tokens") ?? 0,
            seconds: r.double("seconds") ?? 0, createdAt: r.string("created_at") ?? "", edited: r.bool("edited"),
            id: r.int("id").map(Int64.init), originalResult: r.string("original_result"), reviewedBy: r.string("reviewed_by"),
            reviewedAt: r.string("reviewed_at"))
    }

    public func topicItems(topic: String, limit: Int) async throws -> [TopicItem] {
        let candidates = try await db.read { exec in
            try await exec.query(
                """
                SELECT i.identity_key, i.id, i.number, i.title, i.current_revision, g.municipality, m.name AS municipality_name, g.slug AS meeting_slug,
                    g.meeting_date, c.name AS committee
                FROM item i JOIN meeting g ON g.id = i.meeting_id JOIN committee c ON c.id = g.committee_id JOIN municipality m ON m.slug = g.municipality
                WHERE i.identity_key IN (SELECT item_key FROM analysis WHERE prompt = 'relevance' AND topic = ? AND status = 'published')
                ORDER BY g.meeting_date DESC, i.sorting LIMIT ?
                """, .text(topic), .int(Int64(limit)))
        }
        return try await topicItemRows(candidates).filter { $0.isRelevant(to: topic) }
    }

    public func latestDecidedItems(municipality: String?, limit: Int) async throws -> [TopicItem] {
        let rows = try await db.read { exec in
            try await exec.query(
                """
                SELECT i.identity_key, i.id, i.number, i.title, i.current_revision, g.municipality, m.name AS municipality_name, g.slug AS meeting_slug,
                    g.meeting_date, c.name AS committee
                FROM item i JOIN meeting g ON g.id = i.meeting_id JOIN committee c ON c.id = g.committee_id JOIN municipality m ON m.slug = g.municipality
                WHERE i.status = 'public' AND (? = '' OR g.municipality = ?) AND EXISTS (
                    SELECT 1 FROM item_revision r JOIN section s ON s.revision_id = r.id
                    WHERE r.item_id = i.id AND r.revision = i.current_revision AND s.kind = 'decision' AND s.committee IS NULL AND s.body_text <> '')
                ORDER BY g.meeting_date DESC, g.id DESC, i.sorting LIMIT ?
                """, .text(municipality ?? ""), .text(municipality ?? ""), .int(Int64(limit)))
        }
        return try await topicItemRows(rows)
    }

    public func upcomingMeetings(municipality: String?, from: String, limit: Int) async throws -> [UpcomingMeeting] {
        try await db.read { exec in
            try await exec.query(
                """
                SELECT g.id, g.slug, g.meeting_date, g.starts_at, g.location, g.latest_kind, c.slug AS committee_slug, c.name AS committee_name,
                    (SELECT COUNT(*) FROM item i WHERE i.meeting_id = g.id) AS items, g.municipality, m.name AS municipality_name
                FROM meeting g JOIN committee c ON c.id = g.committee_id JOIN municipality m ON m.slug = g.municipality
                WHERE g.meeting_date >= ? AND (? = '' OR g.municipality = ?)
                ORDER BY g.meeting_date, g.starts_at, m.name, c.name LIMIT ?
                """, .text(from), .text(municipality ?? ""), .text(municipality ?? ""), .int(Int64(limit))
            ).map {
                UpcomingMeeting(
                    municipality: $0.string("municipality") ?? "", municipalityName: $0.string("municipality_name") ?? "",
                    meeting: Self.meetingSummary($0))
            }
        }
    }

    public func speech(analysisID: Int64, textHash: String, voice: String) async throws -> [UInt8]? {
        try await db.read { exec in
            guard let row = try await exec.one(
                "SELECT audio FROM speech WHERE analysis_id = ? AND text_hash = ? AND voice = ?", .int(analysisID), .text(textHash), .text(voice))
            else { return nil }
            if case .blob(let bytes) = row["audio"] { return bytes }
            return nil
        }
    }

    public func saveSpeech(analysisID: Int64, textHash: String, voice: String, audio: [UInt8]) async throws {
        let now = Self.iso(self.now())
        try await db.transaction { exec in
            try await exec.execute(
                """
                INSERT INTO speech (analysis_id, text_hash, voice, audio, created_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (analysis_id, text_hash, voice) DO NOTHING
                """, .int(analysisID), .text(textHash), .text(voice), .blob(audio), .text(now))
        }
    }

    /// Loads analyses and current sections for item rows (identity_key, id, current_revision, ...).
    func topicItemRows(_ candidates: [SQLRow]) async throws -> [TopicItem] {
        var out: [TopicItem] = []
        for r in candidates {
            let key = r.string("identity_key") ?? ""
            let analyses = try await self.analyses(itemKey: key)
            let sections: [Section] = try await db.read { exec in
                guard let revision = try await exec.one(
                    "SELECT id FROM item_revision WHERE item_id = ? AND revision = ?", .int(Int64(r.int("id") ?? 0)), .int(Int64(r.int("current_revision") ?? 1)))?
                    .int("id")
                else { return [] }
                return try await self.sections(revisionID: revision, exec)
            }
            let item = TopicItem(
                itemKey: key, municipality: r.string("municipality") ?? "", municipalityName: r.string("municipality_name") ?? "",
                meetingSlug: r.string("meeting_slug") ?? "", committee: r.string("committee") ?? "", date: r.string("meeting_date"),
                number: r.string("number") ?? "", title: r.string("title") ?? "", analyses: analyses, sections: sections)
            out.append(item)
        }
        return out
    }

    public func saveErrorReport(page: String, message: String) async throws {
        let now = Self.iso(self.now())
        try await db.transaction { exec in
            try await exec.execute(
                "INSERT INTO error_report (page, message, status, created_at) VALUES (?, ?, 'open', ?)", .text(page), .text(message), .text(now))
        }
    }

    public func openErrorReports(limit: Int) async throws -> [ErrorReport] {
        try await db.read { exec in
            try await exec.query("SELECT * FROM error_report WHERE status = 'open' ORDER BY id LIMIT ?", .int(Int64(limit))).map {
                ErrorReport(id: Int64($0.int("id") ?? 0), page: $0.string("page") ?? "", message: $0.string("message") ?? "", createdAt: $0.string("created_at") ?? "")
            }
        }
    }

    public func closeErrorReport(id: Int64, by: String) async throws -> Bool {
        try await db.transaction { exec in
            guard try await exec.one("SELECT id FROM error_report WHERE id = ? AND status = 'open'", .int(id)) != nil else { return false }
            try await exec.execute("UPDATE error_report SET status = 'closed', closed_by = ? WHERE id = ?", .text(by), .int(id))
            return true
        }
    }
}
