import Foundation
import KlartekstCore

extension SQLStore: DocumentTextStore {
    public func extractionCandidates(municipality: String?, version: Int) async throws -> [ExtractionCandidate] {
        try await db.read { exec in
            var sql = """
                SELECT DISTINCT f.sha256, f.municipality, f.portal_id, f.kind FROM document_file f
                LEFT JOIN document_text t ON t.sha256 = f.sha256 AND t.extractor_version >= ?
                WHERE f.sha256 IS NOT NULL AND t.sha256 IS NULL
                """
            var binds: [SQLValue] = [.int(Int64(version))]
            if let municipality {
                sql += " AND f.municipality = ?"
                binds.append(.text(municipality))
            }
            sql += " ORDER BY f.sha256, f.municipality, f.portal_id"
            var seen = Set<String>()
            return try await exec.query(sql, binds).compactMap { r -> ExtractionCandidate? in
                guard let sha = r.string("sha256"), seen.insert(sha).inserted else { return nil }
                return ExtractionCandidate(
                    sha256: sha, municipality: r.string("municipality") ?? "", portalID: r.string("portal_id") ?? "",
                    kind: FileRef.Kind(rawValue: r.string("kind") ?? "") ?? .attachment)
            }
        }
    }

    public func saveDocumentText(_ text: DocumentText) async throws {
        let now = Self.iso(self.now())
        try await db.transaction { exec in
            try await exec.execute("DELETE FROM page_text WHERE sha256 = ?", .text(text.sha256))
            try await exec.execute("DELETE FROM document_text WHERE sha256 = ?", .text(text.sha256))
            try await exec.execute(
                """
                INSERT INTO document_text (sha256, extractor_version, page_count, ocr_pages, broken_layers, tools, language, seconds,
                    error, extracted_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)
                """, .text(text.sha256), .int(Int64(text.extractorVersion)), .int(Int64(text.pages.count)),
                .int(Int64(text.ocrPages)), .int(Int64(text.pages.filter(\.layerBroken).count)), .text(text.tools.joined(separator: "\n")),
                .text(text.language), .double(text.seconds), .text(now))
            for p in text.pages {
                try await exec.execute(
                    """
                    INSERT INTO page_text (sha256, page, method, body, quality, layer_quality, ocr_quality, layer_broken, margins)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, .text(text.sha256), .int(Int64(p.number)), .text(p.method.rawValue), .text(p.text), .double(p.quality),
                    SQLValue(p.layerQuality), SQLValue(p.ocrQuality), SQLValue(p.layerBroken), .text(p.margins.joined(separator: "\n")))
            }
        }
    }

    public func saveExtractionFailure(sha256: String, version: Int, error: String) async throws {
        let now = Self.iso(self.now())
        try await db.transaction { exec in
            try await exec.execute("DELETE FROM page_text WHERE sha256 = ?", .text(sha256))
            try await exec.execute(
                """
                INSERT INTO document_text (sha256, extractor_version, page_count, ocr_pages, broken_layers, tools, language, seconds,
                    error, extracted_at)
                VALUES (?, ?, 0, 0, 0, '', '', 0, ?, ?)
                ON CONFLICT (sha256) DO UPDATE SET extractor_version = excluded.extractor_version, page_count = 0, error = excluded.error,
                    extracted_at = excluded.extracted_at
                """, .text(sha256), .int(Int64(version)), .text(error), .text(now))
        }
    }

    public func documentTextSummary(sha256: String) async throws -> DocumentTextSummary? {
        try await db.read { exec in
            try await exec.one(
                "SELECT sha256, page_count, ocr_pages, broken_layers, error, extractor_version FROM document_text WHERE sha256 = ?", .text(sha256)
            ).map {
                DocumentTextSummary(
                    sha256: $0.string("sha256") ?? sha256, pageCount: $0.int("page_count") ?? 0, ocrPages: $0.int("ocr_pages") ?? 0,
                    brokenLayers: $0.int("broken_layers") ?? 0, error: $0.string("error"), extractorVersion: $0.int("extractor_version") ?? 0)
            }
        }
    }

    public func documentText(sha256: String) async throws -> DocumentText? {
        try await db.read { exec in
            guard let d = try await exec.one("SELECT * FROM document_text WHERE sha256 = ? AND error IS NULL", .text(sha256)) else { return nil }
            let pages = try await exec.query("SELECT * FROM page_text WHERE sha256 = ? ORDER BY page", .text(sha256)).map { r in
                DocumentText.Page(
                    number: r.int("page") ?? 0, text: r.string("body") ?? "",
                    method: DocumentText.Method(rawValue: r.string("method") ?? "") ?? .textLayer, quality: r.double("quality") ?? 0,
                    layerQuality: r.double("layer_quality"), ocrQuality: r.double("ocr_quality"), layerBroken: r.bool("layer_broken"),
                    margins: (r.string("margins") ?? "").split(separator: "\n").map(String.init))
            }
            return DocumentText(
                sha256: sha256, extractorVersion: d.int("extractor_version") ?? 0,
                tools: (d.string("tools") ?? "").split(separator: "\n").map(String.init), language: d.string("language") ?? "",
                pages: pages, seconds: d.double("seconds") ?? 0)
        }
    }
}
