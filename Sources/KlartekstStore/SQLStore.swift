import Foundation
import KlartekstCore
import Logging

/// The one implementation of ``KlartekstStore``, written once in portable SQL over a driver
/// (``SQLiteDatabase`` or ``PostgresDatabase``).
public final class SQLStore: KlartekstStore {
    let db: any SQLDatabase
    let now: @Sendable () -> Date
    /// When this process last looked for expired leases, per stage (``claim`` does so once a second).
    let leaseSweeps = LeaseSweeps()
    /// The newest search document's id, for PostgreSQL's relevance window.
    let newestSearchID = NewestSearchID()
    /// PostgreSQL's statistics of the indexed words, for the relevance window's ranges.
    let lexemeStatistics = LexemeStatistics()

    public init(database: any SQLDatabase, now: @escaping @Sendable () -> Date = { Date() }) {
        self.db = database
        self.now = now
    }

    /// Opens the store named by a URL: `postgres://…` for PostgreSQL, `sqlite:PATH` or a plain
    /// file path for SQLite.
    public static func open(url: String, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) async throws -> SQLStore {
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            return SQLStore(database: try await PostgresDatabase.connectChecked(url: url, logger: logger), now: now)
        }
        var path = url
        if path.hasPrefix("sqlite://") { path = String(path.dropFirst("sqlite://".count)) }
        else if path.hasPrefix("sqlite:") { path = String(path.dropFirst("sqlite:".count)) }
        guard !path.isEmpty else { throw StoreError("empty database path") }
        return SQLStore(database: try SQLiteDatabase(path: path), now: now)
    }

    public var backendName: String { db.dialect == .sqlite ? "SQLite" : "PostgreSQL" }

    public func close() async { await db.close() }

    // MARK: Migrations

    public func migrate() async throws {
        let dialect = db.dialect
        try await db.withMigrationLock { exec in
            try await exec.execute(
                "CREATE TABLE IF NOT EXISTS klartekst_migration (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
            let applied = Set(try await exec.query("SELECT name FROM klartekst_migration").compactMap { $0.string("name") })
            for migration in Migrations.all where !applied.contains(migration.name) {
                for statement in migration.statements { if let sql = dialect.statement(statement) { try await exec.execute(sql) } }
                try await exec.execute(
                    "INSERT INTO klartekst_migration (name, applied_at) VALUES (?, ?)", .text(migration.name), .text(Self.iso(Date())))
            }
        }
    }

    public func appliedMigrations() async throws -> [String] {
        try await db.read { exec in
            try await exec.query("SELECT name FROM klartekst_migration ORDER BY name").compactMap { $0.string("name") }
        }
    }

    // MARK: Writes

    public func upsertMunicipalities(_ municipalities: [Municipality]) async throws {
        try await db.transaction { exec in
            for m in municipalities {
                try await exec.execute(
                    """
                    INSERT INTO municipality (slug, name, portal_base_url, portal_kind) VALUES (?, ?, ?, ?)
                    ON CONFLICT (slug) DO UPDATE SET name = excluded.name, portal_base_url = excluded.portal_base_url,
                        portal_kind = excluded.portal_kind
                    """, .text(m.slug), .text(m.name), SQLValue(m.portalBaseURL), .text(m.portalKind))
            }
        }
    }

    public func save(_ parsed: ParsedMeeting) async throws -> SaveReport {
        let importedAt = Self.iso(now())
        return try await db.transaction { exec in
            try await Self.save(parsed, importedAt: importedAt, exec)
        }
    }

    static func save(_ parsed: ParsedMeeting, importedAt: String, _ exec: any SQLExecutor) async throws -> SaveReport {
        let m = parsed.meeting
        var report = SaveReport(meetingKey: m.key)
        try await exec.execute(
            "INSERT INTO municipality (slug, name, portal_kind) VALUES (?, ?, 'unknown') ON CONFLICT (slug) DO NOTHING",
            .text(m.municipality), .text(m.municipality.capitalized))
        guard
            let committeeID = try await exec.one(
                """
                INSERT INTO committee (municipality, slug, name, portal_id) VALUES (?, ?, ?, ?)
                ON CONFLICT (municipality, slug) DO UPDATE SET name = excluded.name,
                    portal_id = COALESCE(excluded.portal_id, committee.portal_id)
                RETURNING id
                """, .text(m.municipality), .text(m.committeeSlug), .text(m.committeeName), SQLValue(m.committeePortalID)
            )?.int("id")
        else { throw StoreError("committee \(m.committeeName) was not stored") }

        // Insert-if-absent first, so concurrent writers of the same meeting never collide.
        try await exec.execute(
            """
            INSERT INTO meeting (identity_key, municipality, committee_id, slug, meeting_date, starts_at, location,
                latest_kind, participants)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (identity_key) DO NOTHING
            """, .text(m.key), .text(m.municipality), .int(Int64(committeeID)), .text(m.slug), SQLValue(m.date),
            SQLValue(m.startsAt), SQLValue(m.location), .text(m.documentKind.rawValue), .text(m.participants.joined(separator: "\n")))
        guard let existing = try await exec.one("SELECT id, latest_kind FROM meeting WHERE identity_key = ?", .text(m.key)),
            let meetingID = existing.int("id")
        else { throw StoreError("meeting \(m.key) was not stored") }
        let previousKind = existing.string("latest_kind").flatMap(DocumentKind.init(rawValue:)) ?? .agenda
        let latest = Self.rank(m.documentKind) >= Self.rank(previousKind) ? m.documentKind : previousKind
        try await exec.execute(
            """
            UPDATE meeting SET starts_at = COALESCE(?, starts_at), location = COALESCE(?, location), latest_kind = ?,
                participants = CASE WHEN ? = '' THEN participants ELSE ? END
            WHERE id = ?
            """, SQLValue(m.startsAt), SQLValue(m.location), .text(latest.rawValue),
            .text(m.participants.joined(separator: "\n")), .text(m.participants.joined(separator: "\n")), .int(Int64(meetingID)))

        let inserted = try await exec.query(
            """
            INSERT INTO meeting_document (meeting_id, content_hash, kind, name, finished, portal_meeting_id, imported_at)
            VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (meeting_id, content_hash) DO NOTHING RETURNING id
            """, .int(Int64(meetingID)), .text(parsed.contentHash), .text(m.documentKind.rawValue), .text(m.documentName),
            SQLValue(m.finished), SQLValue(m.portalMeetingID), .text(importedAt))
        report.documentIsNew = !inserted.isEmpty

        for parsedItem in parsed.items {
            try await saveItem(parsedItem, meeting: m, meetingID: meetingID, importedAt: importedAt, exec, &report)
        }
        return report
    }

    static func saveItem(
        _ p: ParsedItem, meeting m: IngestedMeeting, meetingID: Int, importedAt: String, _ exec: any SQLExecutor,
        _ report: inout SaveReport
    ) async throws {
        let item = p.item
        var caseID: Int?
        if let caseNumber = item.caseNumber, let caseSlug = item.caseSlug, p.status == .public {
            caseID = try await exec.one(
                """
                INSERT INTO case_file (municipality, case_number, slug) VALUES (?, ?, ?)
                ON CONFLICT (municipality, slug) DO UPDATE SET case_number = excluded.case_number RETURNING id
                """, .text(m.municipality), .text(caseNumber), .text(caseSlug))?.int("id")
        }
        let hash = item.contentHash
        let created = try await exec.one(
            """
            INSERT INTO item (identity_key, meeting_id, case_id, number, sorting, case_number, title, status, item_type,
                current_revision, portal_item_id, portal_meeting_id, presentation_document_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?) ON CONFLICT (identity_key) DO NOTHING RETURNING id
            """, .text(p.key), .int(Int64(meetingID)), SQLValue(caseID), .text(item.number), .int(Int64(item.sorting)),
            SQLValue(item.caseNumber), .text(item.title), .text(p.status.rawValue), .text(p.type.rawValue),
            SQLValue(item.portalID), SQLValue(m.portalMeetingID), SQLValue(item.presentationDocumentID))?.int("id")
        if let created {
            try await insertRevision(p, itemID: created, revision: 1, documentKind: m.documentKind, importedAt: importedAt, exec)
            report.itemsNew += 1
            return
        }
        let row = try await exec.one("SELECT id, portal_item_id FROM item WHERE identity_key = ?", .text(p.key))
        guard let itemID = row?.int("id") else { throw StoreError("item \(item.number) was not stored") }

        if let known = try await exec.one(
            "SELECT id, parser_version FROM item_revision WHERE item_id = ? AND content_hash = ?", .int(Int64(itemID)), .text(hash))
        {
            report.itemsUnchanged += 1
            let revisionID = known.int("id") ?? 0
            if (known.int("parser_version") ?? 0) < p.parserVersion {
                try await exec.execute("DELETE FROM section WHERE revision_id = ?", .int(Int64(revisionID)))
                try await insertSections(p.sections, revisionID: revisionID, exec)
                try await exec.execute(
                    "UPDATE item_revision SET parser_version = ? WHERE id = ?", .int(Int64(p.parserVersion)), .int(Int64(revisionID)))
                try await exec.execute(
                    "UPDATE item SET status = ?, item_type = ? WHERE id = ?", .text(p.status.rawValue), .text(p.type.rawValue),
                    .int(Int64(itemID)))
                report.sectionsRebuilt += 1
            }
            if let portalID = item.portalID, row?.string("portal_item_id") != portalID {
                // A republished meeting: same content under new GUIDs. Keep links working.
                try await exec.execute(
                    "UPDATE item SET portal_item_id = ?, portal_meeting_id = ?, presentation_document_id = ? WHERE id = ?",
                    .text(portalID), SQLValue(m.portalMeetingID), SQLValue(item.presentationDocumentID), .int(Int64(itemID)))
                for (i, a) in item.attachments.enumerated() {
                    try await exec.execute(
                        "UPDATE attachment SET portal_id = ? WHERE revision_id = ? AND ordinal = ?", SQLValue(a.portalID),
                        .int(Int64(revisionID)), .int(Int64(i + 1)))
                }
                report.linksRefreshed += 1
            }
            return
        }

        let next = (try await exec.one("SELECT MAX(revision) AS r FROM item_revision WHERE item_id = ?", .int(Int64(itemID)))?.int("r") ?? 0) + 1
        try await insertRevision(p, itemID: itemID, revision: next, documentKind: m.documentKind, importedAt: importedAt, exec)
        try await exec.execute(
            """
            UPDATE item SET current_revision = ?, title = ?, status = ?, item_type = ?, case_id = COALESCE(?, case_id),
                sorting = ?, portal_item_id = ?, portal_meeting_id = ?, presentation_document_id = ?
            WHERE id = ?
            """, .int(Int64(next)), .text(item.title), .text(p.status.rawValue), .text(p.type.rawValue), SQLValue(caseID),
            .int(Int64(item.sorting)), SQLValue(item.portalID), SQLValue(m.portalMeetingID), SQLValue(item.presentationDocumentID),
            .int(Int64(itemID)))
        report.itemsRevised += 1
    }

    static func insertRevision(
        _ p: ParsedItem, itemID: Int, revision: Int, documentKind: DocumentKind, importedAt: String, _ exec: any SQLExecutor
    ) async throws {
        guard
            let revisionID = try await exec.one(
                """
                INSERT INTO item_revision (item_id, revision, content_hash, document_kind, title, is_open, html, parser_version,
                    imported_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id
                """, .int(Int64(itemID)), .int(Int64(revision)), .text(p.item.contentHash), .text(documentKind.rawValue),
                .text(p.item.title), SQLValue(p.item.isOpen), .text(p.item.html), .int(Int64(p.parserVersion)), .text(importedAt)
            )?.int("id")
        else { throw StoreError("revision of item \(p.item.number) was not stored") }
        try await insertSections(p.sections, revisionID: revisionID, exec)
        for (i, a) in p.item.attachments.enumerated() {
            try await exec.execute(
                "INSERT INTO attachment (revision_id, ordinal, name, portal_id, has_pdf) VALUES (?, ?, ?, ?, ?)",
                .int(Int64(revisionID)), .int(Int64(i + 1)), .text(a.name), SQLValue(a.portalID), SQLValue(a.hasPDF))
        }
    }

    static func insertSections(_ sections: [Section], revisionID: Int, _ exec: any SQLExecutor) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        for s in sections {
            let entries = String(decoding: try encoder.encode(s.entries), as: UTF8.self)
            try await exec.execute(
                """
                INSERT INTO section (revision_id, ordinal, kind, heading, supplementary, revised_on, committee, decided_on,
                    body_text, body_html, entries)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, .int(Int64(revisionID)), .int(Int64(s.ordinal)), .text(s.kind.rawValue), .text(s.heading),
                SQLValue(s.supplementary), SQLValue(s.revisedOn), SQLValue(s.committee), SQLValue(s.date), .text(s.text),
                .text(s.html), .text(entries))
        }
    }

    static func rank(_ kind: DocumentKind) -> Int {
        switch kind {
        case .agenda: 0
        case .supplementaryAgenda: 1
        case .minutes: 2
        case .supplementaryMinutes: 3
        }
    }

    static func iso(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}
