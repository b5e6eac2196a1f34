import Foundation
import KlartekstCore

extension SQLStore {
    /// A digest of everything the store holds, per table, leaving out what legitimately differs
    /// between two runs that did the same work (row ids, timestamps). Two databases with equal
    /// digests hold the same data. Used to prove resumability and scale-out equivalence.
    public func contentDigest() async throws -> [String: String] {
        let queries: [(String, String)] = [
            ("municipality", "SELECT slug, name, portal_base_url, portal_kind FROM municipality ORDER BY slug"),
            ("committee", "SELECT municipality, slug, name FROM committee ORDER BY municipality, slug"),
            ("meeting", "SELECT identity_key, slug, meeting_date, starts_at, location, latest_kind, participants FROM meeting ORDER BY identity_key"),
            ("meeting_document", """
                SELECT g.identity_key, d.content_hash, d.kind, d.name, d.finished, d.portal_meeting_id FROM meeting_document d
                JOIN meeting g ON g.id = d.meeting_id ORDER BY g.identity_key, d.content_hash
                """),
            ("case_file", "SELECT municipality, slug, case_number FROM case_file ORDER BY municipality, slug"),
            ("item", """
                SELECT i.identity_key, i.number, i.sorting, i.case_number, i.title, i.status, i.item_type, i.current_revision,
                    i.portal_item_id, i.portal_meeting_id, i.presentation_document_id, cf.slug AS case_slug
                FROM item i LEFT JOIN case_file cf ON cf.id = i.case_id ORDER BY i.identity_key
                """),
            ("item_revision", """
                SELECT i.identity_key, r.revision, r.content_hash, r.document_kind, r.parser_version FROM item_revision r
                JOIN item i ON i.id = r.item_id ORDER BY i.identity_key, r.revision
                """),
            ("section", """
                SELECT i.identity_key, r.revision, s.ordinal, s.kind, s.heading, s.body_text, s.body_html, s.entries FROM section s
                JOIN item_revision r ON r.id = s.revision_id JOIN item i ON i.id = r.item_id ORDER BY i.identity_key, r.revision, s.ordinal
                """),
            ("attachment", """
                SELECT i.identity_key, r.revision, a.ordinal, a.name, a.portal_id, a.has_pdf FROM attachment a
                JOIN item_revision r ON r.id = a.revision_id JOIN item i ON i.id = r.item_id ORDER BY i.identity_key, r.revision, a.ordinal
                """),
            ("sync_meeting", "SELECT municipality, portal_id, committee, meeting_date, fingerprint, state FROM sync_meeting ORDER BY municipality, portal_id"),
            ("document_file", "SELECT municipality, kind, portal_id, sha256, size FROM document_file ORDER BY municipality, kind, portal_id"),
            ("http_cache", "SELECT url, etag, last_modified, sha256 FROM http_cache ORDER BY url"),
            ("document_text", "SELECT sha256, extractor_version, page_count, ocr_pages, broken_layers, language, error FROM document_text ORDER BY sha256"),
            ("page_text", "SELECT sha256, page, method, body, quality, layer_broken FROM page_text ORDER BY sha256, page"),
            ("analysis", """
                SELECT item_key, prompt, prompt_version, topic, model, backend, input_hash, status, result, problems, edited FROM analysis
                ORDER BY item_key, prompt, prompt_version, topic, model, input_hash
                """),
            ("search_doc", """
                SELECT item_key, municipality, committee, meeting_slug, number, meeting_date, kind, decided, topics, title, analysis, parts, body,
                    attachments, content_hash FROM search_doc ORDER BY item_key
                """),
            // Index jobs are named by the backlog they found, which depends on timing.
            ("job", "SELECT stage, job_key, payload, status, completions FROM job WHERE stage <> 'index' ORDER BY stage, job_key"),
        ]
        return try await db.read { exec in
            var out: [String: String] = [:]
            for (table, sql) in queries {
                var fields: [String] = []
                for row in try await exec.query(sql) {
                    let values = row.values
                    for key in values.keys.sorted() {
                        let v: String
                        switch values[key]! {
                        case .null: v = "∅"
                        case .int(let i): v = String(i)
                        case .double(let d): v = String(d)
                        case .text(let t): v = t
                        case .blob(let b): v = ContentHash.sha256(Data(b))
                        }
                        fields.append("\(key)=\(v)")
                    }
                    fields.append("¶")
                }
                out[table] = "\(fields.filter { $0 == "¶" }.count) rows " + ContentHash.sha256(fields: fields).prefix(16)
            }
            return out
        }
    }
}
