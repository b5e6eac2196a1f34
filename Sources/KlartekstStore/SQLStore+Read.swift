import Foundation
import KlartekstCore

extension SQLStore {
    static let municipalitySummarySQL = """
        SELECT m.slug, m.name, m.portal_base_url,
            (SELECT COUNT(*) FROM meeting g WHERE g.municipality = m.slug) AS meetings,
            (SELECT COUNT(*) FROM item i JOIN meeting g ON g.id = i.meeting_id WHERE g.municipality = m.slug) AS items,
            (SELECT MAX(g.meeting_date) FROM meeting g WHERE g.municipality = m.slug) AS latest
        FROM municipality m
        """

    static func municipalitySummary(_ r: SQLRow) -> MunicipalitySummary {
        MunicipalitySummary(
            slug: r.string("slug") ?? "", name: r.string("name") ?? "", portalBaseURL: r.string("portal_base_url"),
            meetingCount: r.int("meetings") ?? 0, itemCount: r.int("items") ?? 0, latestMeetingDate: r.string("latest"))
    }

    static let meetingSummarySQL = """
        SELECT g.id, g.slug, g.meeting_date, g.starts_at, g.location, g.latest_kind, c.slug AS committee_slug,
            c.name AS committee_name, (SELECT COUNT(*) FROM item i WHERE i.meeting_id = g.id) AS items
        FROM meeting g JOIN committee c ON c.id = g.committee_id
        """

    static func meetingSummary(_ r: SQLRow) -> MeetingSummary {
        MeetingSummary(
            slug: r.string("slug") ?? "", committeeSlug: r.string("committee_slug") ?? "",
            committeeName: r.string("committee_name") ?? "", date: r.string("meeting_date"), startsAt: r.string("starts_at"),
            location: r.string("location"),
            documentKind: r.string("latest_kind").flatMap(DocumentKind.init(rawValue:)) ?? .agenda, itemCount: r.int("items") ?? 0)
    }

    static func itemSummary(_ r: SQLRow) -> ItemSummary {
        ItemSummary(
            number: r.string("number") ?? "", sorting: r.int("sorting") ?? 0, title: r.string("title") ?? "",
            caseNumber: r.string("case_number"), status: r.string("status").flatMap(ItemStatus.init(rawValue:)) ?? .public,
            type: r.string("item_type").flatMap(ItemType.init(rawValue:)) ?? .other, revisionCount: r.int("revisions") ?? 1)
    }

    public func municipalities() async throws -> [MunicipalitySummary] {
        try await db.read { exec in
            try await exec.query(Self.municipalitySummarySQL + " ORDER BY m.name").map(Self.municipalitySummary)
        }
    }

    func municipalitySummary(_ slug: String, _ exec: any SQLExecutor) async throws -> MunicipalitySummary? {
        try await exec.one(Self.municipalitySummarySQL + " WHERE m.slug = ?", .text(slug)).map(Self.municipalitySummary)
    }

    public func municipality(slug: String) async throws -> MunicipalityPage? {
        try await db.read { exec in
            guard let summary = try await self.municipalitySummary(slug, exec) else { return nil }
            let committees = try await exec.query(
                """
                SELECT c.slug, c.name, (SELECT COUNT(*) FROM meeting g WHERE g.committee_id = c.id) AS meetings
                FROM committee c WHERE c.municipality = ? ORDER BY c.name
                """, .text(slug)
            ).map { CommitteeSummary(slug: $0.string("slug") ?? "", name: $0.string("name") ?? "", meetingCount: $0.int("meetings") ?? 0) }
            let meetings = try await exec.query(
                Self.meetingSummarySQL
                    + " WHERE g.municipality = ? ORDER BY (CASE WHEN g.meeting_date IS NULL THEN 1 ELSE 0 END), g.meeting_date DESC, c.name LIMIT 100",
                .text(slug)
            ).map(Self.meetingSummary)
            return MunicipalityPage(municipality: summary, committees: committees, meetings: meetings)
        }
    }

    public func meeting(municipality: String, slug: String) async throws -> MeetingPage? {
        try await db.read { exec in
            guard let summary = try await self.municipalitySummary(municipality, exec),
                let row = try await exec.one(Self.meetingSummarySQL + " WHERE g.municipality = ? AND g.slug = ?", .text(municipality), .text(slug)),
                let meetingID = row.int("id")
            else { return nil }
            let documents = try await exec.query(
                "SELECT kind, name, portal_meeting_id, imported_at FROM meeting_document WHERE meeting_id = ? ORDER BY id",
                .int(Int64(meetingID))
            ).map {
                MeetingDocumentInfo(
                    kind: $0.string("kind").flatMap(DocumentKind.init(rawValue:)) ?? .agenda, name: $0.string("name") ?? "",
                    portalMeetingID: $0.string("portal_meeting_id"), importedAt: $0.string("imported_at") ?? "")
            }
            let participants = try await exec.one("SELECT participants FROM meeting WHERE id = ?", .int(Int64(meetingID)))?
                .string("participants")?.split(separator: "\n").map(String.init) ?? []
            let items = try await exec.query(
                """
                SELECT i.number, i.sorting, i.title, i.case_number, i.status, i.item_type,
                    (SELECT COUNT(*) FROM item_revision r WHERE r.item_id = i.id) AS revisions
                FROM item i WHERE i.meeting_id = ? ORDER BY i.sorting, i.id
                """, .int(Int64(meetingID))
            ).map(Self.itemSummary)
            return MeetingPage(
                municipality: summary, meeting: Self.meetingSummary(row), documents: documents, participants: participants, items: items)
        }
    }

    public func item(municipality: String, meeting: String, number: String) async throws -> ItemPage? {
        try await db.read { exec in
            guard let summary = try await self.municipalitySummary(municipality, exec),
                let meetingRow = try await exec.one(
                    Self.meetingSummarySQL + " WHERE g.municipality = ? AND g.slug = ?", .text(municipality), .text(meeting)),
                let meetingID = meetingRow.int("id"),
                let row = try await exec.one(
                    """
                    SELECT i.id, i.identity_key, i.number, i.sorting, i.title, i.case_number, i.status, i.item_type,
                        i.current_revision, i.portal_item_id, i.portal_meeting_id, i.presentation_document_id, i.case_id,
                        cf.slug AS case_slug, (SELECT COUNT(*) FROM item_revision r WHERE r.item_id = i.id) AS revisions
                    FROM item i LEFT JOIN case_file cf ON cf.id = i.case_id
                    WHERE i.meeting_id = ? AND i.number = ? ORDER BY i.id LIMIT 1
                    """, .int(Int64(meetingID)), .text(number)),
                let itemID = row.int("id")
            else { return nil }
            let revisionRows = try await exec.query(
                "SELECT id, revision, document_kind, content_hash, parser_version, imported_at FROM item_revision WHERE item_id = ? ORDER BY revision",
                .int(Int64(itemID)))
            let revisions = revisionRows.map {
                RevisionInfo(
                    number: $0.int("revision") ?? 0,
                    documentKind: $0.string("document_kind").flatMap(DocumentKind.init(rawValue:)) ?? .agenda,
                    contentHash: $0.string("content_hash") ?? "", parserVersion: $0.int("parser_version") ?? 0,
                    importedAt: $0.string("imported_at") ?? "")
            }
            let current = row.int("current_revision") ?? 1
            let revisionID = revisionRows.first { $0.int("revision") == current }?.int("id") ?? 0
            let sections = try await self.sections(revisionID: revisionID, exec)
            let attachments = try await exec.query(
                """
                SELECT a.ordinal, a.name, a.portal_id, a.has_pdf, f.sha256, t.page_count, t.ocr_pages, t.error
                FROM attachment a
                LEFT JOIN document_file f ON f.municipality = ? AND f.kind = 'attachment' AND f.portal_id = a.portal_id
                LEFT JOIN document_text t ON t.sha256 = f.sha256
                WHERE a.revision_id = ? ORDER BY a.ordinal
                """, .text(municipality), .int(Int64(revisionID))
            ).map {
                AttachmentInfo(
                    ordinal: $0.int("ordinal") ?? 0, name: $0.string("name") ?? "", portalID: $0.string("portal_id"), hasPDF: $0.bool("has_pdf"),
                    sha256: $0.string("sha256"), pageCount: $0.string("error") == nil ? $0.int("page_count") : nil, ocrPages: $0.int("ocr_pages"),
                    textError: $0.string("error"))
            }
            var related: [RelatedItem] = []
            if let caseID = row.int("case_id") {
                related = try await Self.caseItems(caseID: caseID, exec).filter { !($0.meetingSlug == meeting && $0.number == number) }
            }
            return ItemPage(
                municipality: summary, meeting: Self.meetingSummary(meetingRow), item: Self.itemSummary(row),
                key: row.string("identity_key") ?? "", caseSlug: row.string("case_slug"), portalItemID: row.string("portal_item_id"),
                portalMeetingID: row.string("portal_meeting_id"), presentationDocumentID: row.string("presentation_document_id"),
                sections: sections, attachments: attachments, revisions: revisions, related: related)
        }
    }

    func sections(revisionID: Int, _ exec: any SQLExecutor) async throws -> [Section] {
        let decoder = JSONDecoder()
        return try await exec.query(
            """
            SELECT ordinal, kind, heading, supplementary, revised_on, committee, decided_on, body_text, body_html, entries
            FROM section WHERE revision_id = ? ORDER BY ordinal
            """, .int(Int64(revisionID))
        ).map { r in
            Section(
                ordinal: r.int("ordinal") ?? 0, heading: r.string("heading") ?? "",
                kind: r.string("kind").flatMap(SectionKind.init(rawValue:)) ?? .unknown, supplementary: r.bool("supplementary"),
                revisedOn: r.string("revised_on"), committee: r.string("committee"), date: r.string("decided_on"),
                text: r.string("body_text") ?? "", html: r.string("body_html") ?? "",
                entries: (try? decoder.decode([CaseHistoryEntry].self, from: Data((r.string("entries") ?? "[]").utf8))) ?? [])
        }
    }

    static func caseItems(caseID: Int, _ exec: any SQLExecutor) async throws -> [RelatedItem] {
        try await exec.query(
            """
            SELECT g.slug AS meeting_slug, c.name AS committee_name, g.meeting_date, i.number, i.title
            FROM item i JOIN meeting g ON g.id = i.meeting_id JOIN committee c ON c.id = g.committee_id
            WHERE i.case_id = ?
            ORDER BY (CASE WHEN g.meeting_date IS NULL THEN 1 ELSE 0 END), g.meeting_date, i.id
            """, .int(Int64(caseID))
        ).map {
            RelatedItem(
                meetingSlug: $0.string("meeting_slug") ?? "", committeeName: $0.string("committee_name") ?? "",
                date: $0.string("meeting_date"), number: $0.string("number") ?? "", title: $0.string("title") ?? "")
        }
    }

    public func caseItems(municipality: String, caseSlug: String) async throws -> CasePage? {
        try await db.read { exec in
            guard let summary = try await self.municipalitySummary(municipality, exec),
                let row = try await exec.one(
                    "SELECT id, case_number FROM case_file WHERE municipality = ? AND slug = ?", .text(municipality), .text(caseSlug)),
                let id = row.int("id")
            else { return nil }
            return CasePage(municipality: summary, caseNumber: row.string("case_number") ?? caseSlug, items: try await Self.caseItems(caseID: id, exec))
        }
    }

    public func attachment(municipality: String, portalID: String) async throws -> AttachmentPage? {
        let found: (MunicipalitySummary, String, RelatedItem?, String?)? = try await db.read { exec in
            guard let summary = try await self.municipalitySummary(municipality, exec),
                let row = try await exec.one(
                    """
                    SELECT a.name, g.slug AS meeting_slug, c.name AS committee_name, g.meeting_date, i.number, i.title, f.sha256
                    FROM attachment a JOIN item_revision r ON r.id = a.revision_id JOIN item i ON i.id = r.item_id
                    JOIN meeting g ON g.id = i.meeting_id JOIN committee c ON c.id = g.committee_id
                    LEFT JOIN document_file f ON f.municipality = g.municipality AND f.kind = 'attachment' AND f.portal_id = a.portal_id
                    WHERE g.municipality = ? AND a.portal_id = ? ORDER BY r.id DESC LIMIT 1
                    """, .text(municipality), .text(portalID.lowercased()))
            else { return nil }
            let item = RelatedItem(
                meetingSlug: row.string("meeting_slug") ?? "", committeeName: row.string("committee_name") ?? "", date: row.string("meeting_date"),
                number: row.string("number") ?? "", title: row.string("title") ?? "")
            return (summary, row.string("name") ?? "", item, row.string("sha256"))
        }
        guard let (summary, name, item, sha) = found else { return nil }
        var text: DocumentText?
        var error: String?
        if let sha {
            text = try await documentText(sha256: sha)
            if text == nil { error = try await documentTextSummary(sha256: sha)?.error }
        }
        return AttachmentPage(municipality: summary, name: name, portalID: portalID.lowercased(), item: item, text: text, error: error)
    }

    public func counts() async throws -> StoreCounts {
        try await db.read { exec in
            func count(_ table: String) async throws -> Int {
                try await exec.one("SELECT COUNT(*) AS n FROM \(table)")?.int("n") ?? 0
            }
            return StoreCounts(
                municipalities: try await count("municipality"), committees: try await count("committee"),
                meetings: try await count("meeting"), documents: try await count("meeting_document"), items: try await count("item"),
                revisions: try await count("item_revision"), sections: try await count("section"),
                attachments: try await count("attachment"), cases: try await count("case_file"))
        }
    }
}
