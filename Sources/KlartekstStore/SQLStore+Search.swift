import Foundation
import KlartekstCore

/// Full-text search: SQLite FTS5 with the klartekst_danish tokenizer (libstemmer), PostgreSQL
/// a generated `danish` tsvector with a GIN index. Same documents, same query language (terms
/// AND-ed, phrases, prefixes), same filters; relevance ranking takes the best text matches and
/// weighs them by recency (``SearchRanking``).
extension SQLStore {
    /// What changes a document: the current revision, the meeting's kind and date, the analyses
    /// (count, newest, reviews) and the attachment pages extracted.
    static let signatureSQL = """
        CAST(? AS TEXT) || ':' || i.current_revision || ':' || g.latest_kind || ':' || COALESCE(g.meeting_date, '') || ':' ||
        COALESCE((SELECT COUNT(*) || ':' || MAX(a.id) || ':' || COALESCE(MAX(a.reviewed_at), '') FROM analysis a WHERE a.item_key = i.identity_key), '') || ':' ||
        (SELECT COUNT(*) FROM attachment t JOIN item_revision r ON r.id = t.revision_id
            JOIN document_file f ON f.municipality = g.municipality AND f.kind = 'attachment' AND f.portal_id = t.portal_id
            JOIN page_text p ON p.sha256 = f.sha256
         WHERE r.item_id = i.id AND r.revision = i.current_revision)
        """

    public func searchBacklog(limit: Int) async throws -> [SearchBacklogEntry] {
        try await db.read { exec in
            try await exec.query(
                """
                SELECT x.item_key, x.signature FROM (
                    SELECT i.identity_key AS item_key, \(Self.signatureSQL) AS signature, s.signature AS indexed
                    FROM item i JOIN meeting g ON g.id = i.meeting_id LEFT JOIN search_doc s ON s.item_key = i.identity_key
                ) x WHERE x.indexed IS NULL OR x.indexed <> x.signature ORDER BY x.item_key LIMIT ?
                """, .text(SearchDocument.version), .int(Int64(limit))
            ).map { SearchBacklogEntry(itemKey: $0.string("item_key") ?? "", signature: $0.string("signature") ?? "") }
        }
    }

    public func searchSource(itemKey: String) async throws -> SearchSource? {
        guard let input = try await analysisInputs(municipality: nil, itemKey: itemKey).first else { return nil }
        let meeting = try await db.read { exec in
            try await exec.one(
                "SELECT g.slug, g.meeting_date, g.latest_kind FROM item i JOIN meeting g ON g.id = i.meeting_id WHERE i.identity_key = ?", .text(itemKey))
        }
        guard let meeting else { return nil }
        return SearchSource(
            input: input, meetingSlug: meeting.string("slug") ?? "", date: meeting.string("meeting_date"), kind: meeting.string("latest_kind") ?? "",
            analyses: try await analyses(itemKey: itemKey))
    }

    public func saveSearchDocuments(_ docs: [(SearchDocument, signature: String)]) async throws {
        guard !docs.isEmpty else { return }
        let now = Self.iso(self.now())
        let dialect = db.dialect
        try await db.transaction { exec in
            var written: [Int64] = []
            for (d, signature) in docs {
                let existing = try await exec.one("SELECT id, content_hash FROM search_doc WHERE item_key = ?", .text(d.itemKey))
                if let existing, existing.string("content_hash") == d.contentHash {
                    try await exec.execute("UPDATE search_doc SET signature = ?, indexed_at = ? WHERE item_key = ?", .text(signature), .text(now), .text(d.itemKey))
                    continue
                }
                let values: [SQLValue] = [
                    .text(d.municipality), .text(d.municipalityName), .text(d.committee), .text(d.meetingSlug), .text(d.number), .text(d.date), .text(d.kind),
                    SQLValue(d.decided), .text(d.topics.joined(separator: " ")), .text(d.title), .text(d.analysis), .text(d.parts), .text(d.body),
                    .text(d.attachments), .text(d.contentHash), .text(signature), .text(now),
                ]
                let id: Int64
                if let existing, let old = existing.int("id") {
                    id = Int64(old)
                    if dialect == .sqlite {
                        try await exec.execute(
                            """
                            INSERT INTO search_fts (search_fts, rowid, title, analysis, parts, body, attachments, municipality)
                            SELECT 'delete', id, title, analysis, parts, body, attachments, municipality FROM search_fts_content WHERE id = ?
                            """, .int(id))
                    }
                    try await exec.execute(
                        """
                        UPDATE search_doc SET municipality = ?, municipality_name = ?, committee = ?, meeting_slug = ?, number = ?, meeting_date = ?,
                            kind = ?, decided = ?, topics = ?, title = ?, analysis = ?, parts = ?, body = ?, attachments = ?, content_hash = ?,
                            signature = ?, indexed_at = ? WHERE id = ?
                        """, values + [.int(id)])
                } else {
                    let row = try await exec.query(
                        """
                        INSERT INTO search_doc (municipality, municipality_name, committee, meeting_slug, number, meeting_date, kind, decided, topics,
                            title, analysis, parts, body, attachments, content_hash, signature, indexed_at, item_key)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id
                        """, values + [.text(d.itemKey)]
                    ).first
                    id = Int64(row?.int("id") ?? 0)
                }
                if dialect == .sqlite {
                    // The index's columns as its content view gives them (the municipality as a token).
                    try await exec.execute(
                        """
                        INSERT INTO search_fts (rowid, title, analysis, parts, body, attachments, municipality)
                        SELECT id, title, analysis, parts, body, attachments, municipality FROM search_fts_content WHERE id = ?
                        """, .int(id))
                } else {
                    written.append(id)
                }
            }
            if !written.isEmpty {
                // The word forms of what was written, for prefix expansion (see postgresPrefixes).
                try await exec.execute(
                    """
                    INSERT INTO search_lexeme (lexeme) SELECT DISTINCT unnest(tsvector_to_array(tsv)) FROM search_doc
                    WHERE id IN (\(written.map(String.init).joined(separator: ","))) ON CONFLICT DO NOTHING
                    """)
            }
        }
    }

    public func searchCount() async throws -> Int {
        try await db.read { exec in try await exec.one("SELECT COUNT(*) AS n FROM search_doc")?.int("n") ?? 0 }
    }

    public func search(_ r: SearchRequest) async throws -> SearchResults {
        guard !r.query.isEmpty else { return r.sort == .newest ? try await browse(r) : .empty }
        var results = try await search(r, any: false)
        if results.total == 0, r.query.terms.count > 1 {
            results = try await search(r, any: true)
            results.matchedAny = results.total > 0
        }
        return results
    }

    /// Filters as SQL over `d` (search_doc) with their values.
    static func searchFilters(_ r: SearchRequest) -> (String, [SQLValue]) {
        var sql = ""
        var binds: [SQLValue] = []
        func add(_ clause: String, _ value: SQLValue) {
            sql += " AND " + clause
            binds.append(value)
        }
        if let m = r.municipality { add("d.municipality = ?", .text(m)) }
        if let c = r.committee { add("d.committee = ?", .text(c)) }
        if let f = r.from { add("d.meeting_date >= ?", .text(f)) }
        if let t = r.to { add("d.meeting_date <= ?", .text(t)) }
        if let k = r.kind { add("d.kind = ?", .text(k)) }
        if let t = r.topic { add("(' ' || d.topics || ' ') LIKE ?", .text("% \(t) %")) }
        if let d = r.decided { add("d.decided = ?", SQLValue(d)) }
        if let a = r.afterID { add("d.id > ?", .int(a)) }
        if let t = r.throughID { add("d.id <= ?", .int(t)) }
        return (sql, binds)
    }

    static let hitColumns = "d.id, d.item_key, d.municipality, d.municipality_name, d.committee, d.meeting_slug, d.number, d.meeting_date, d.kind, d.decided, d.title"
    /// PostgreSQL: the text a hit's snippet comes from.
    static let snippetText = "left(d.analysis || E'\\n' || d.body || E'\\n' || d.attachments, 4000)"
    /// SQLite: the same text.
    static let sqliteSnippetText = "substr(d.analysis || char(10) || d.body || char(10) || d.attachments, 1, 4000)"

    func search(_ r: SearchRequest, any: Bool) async throws -> SearchResults {
        var (filters, binds) = Self.searchFilters(r)
        let dialect = db.dialect
        // SQLite, a date range that ends: the ids of the items dated in it bound the matches read
        // (an implied condition: it changes no result). Matches are read newest first, and
        // without it a range in the past was reached only after every newer match (200–260 ms
        // for a common word; 5–7 ms with it). PostgreSQL's GIN would read each bound's whole
        // side of the ids, so there the date is tested on the matches.
        if dialect == .sqlite, let to = r.to, let ids = try await datedIDRange(from: r.from ?? "", to: to) {
            filters += " AND search_fts.rowid BETWEEN ? AND ?"
            binds += [.int(Int64(ids.lo)), .int(Int64(ids.hi))]
        }
        let (filterSQL, filterBinds) = (filters, binds)
        // PostgreSQL: the words as a tsquery; prefixes expanded to their word forms when known.
        let expanded = dialect == .postgres && r.query.terms.contains(where: { if case .prefix = $0 { true } else { false } })
            ? try await postgresExpanded(r.query.tsquery(any: any)) : nil
        let match: SQLValue = .text(expanded ?? (dialect == .sqlite ? r.query.fts5(any: any, municipality: r.municipality) : r.query.tsquery(any: any)))
        let tsq = expanded == nil ? "to_tsquery('danish', ?)" : "CAST(? AS tsquery)"
        // SQLite scores with our klartekst_rank (BM25's term-frequency part, column weights, no
        // IDF: it reads only the matched rows, where bm25() reads a common word's whole doclist).
        let (from, matchSQL, scoreSQL): (String, String, String) = dialect == .sqlite
            ? ("search_fts CROSS JOIN search_doc d ON d.id = search_fts.rowid", "search_fts MATCH ?", "klartekst_rank(search_fts, 10.0, 4.0, 2.0, 2.0, 1.0, 0.0)")
            : ("search_doc d, \(tsq) q", "d.tsv @@ q", "ts_rank_cd(d.tsv, q)")
        // Without filters SQLite counts in the FTS index alone (no row reads).
        let countFrom = dialect == .sqlite && filterSQL.isEmpty ? "search_fts" : from
        // SQLite reads matches oldest first; a date range that runs to today (`from` alone) holds
        // the newest items, so it is counted from the newest back and reaches the cap soon
        // (forwards it first reads every older match: "budget" since 2026, 186 ms).
        let countOrder = dialect == .sqlite && r.from != nil && r.to == nil ? " ORDER BY search_fts.rowid DESC" : ""
        return try await db.read { exec in
            @Sendable func count() async throws -> Int {
                try await Self.cappedCount(
                    "\(countFrom) WHERE \(matchSQL)\(filterSQL)\(countOrder)", [match] + filterBinds, limit: SearchResults.countCap + 1,
                    // PostgreSQL plans a filtered count for its values (a generic plan might walk an index).
                    reusingPlan: dialect == .sqlite, exec)
            }
            let offset = (r.page - 1) * r.pageSize
            var rows: [SQLRow]
            var hits: [SearchHit]
            var total: Int
            // PostgreSQL ranks in the statement: `rows` are then the page, with their texts.
            var ranked = false
            // Past the relevance window the pages go on newest first, so every match can be reached.
            let sort = r.sort == .relevance && offset >= SearchRequest.relevanceWindow ? .newest : r.sort
            switch sort {
            case .relevance:
                // The newest matches (insertion order, which follows the meetings as they are
                // collected) are scored and then ordered by text relevance and age: a common word
                // costs a bounded window, not a scoring of every match.
                if dialect == .postgres {
                    // Plain words without filters: their density from the statistics, no probe; one
                    // word held by far more items than the count's cap is not counted.
                    let plain = filterSQL.isEmpty && !any && expanded == nil
                    let share = plain ? await lexemeStatistics.share(of: r.query, exec) : nil
                    let atLeast = share != nil ? await lexemeStatistics.atLeast(r.query, exec) : nil
                    (rows, total) = try await Self.postgresRelevance(
                        match: match, tsquery: tsq, filterSQL: filterSQL, filterBinds: filterBinds, today: SearchRanking.dayNumber(r.today),
                        page: (r.pageSize, offset), share: share, atLeast: atLeast, newestID: newestSearchID, exec)
                    guard total > 0 else { return .empty }
                    hits = rows.map(Self.hit)
                    ranked = true
                    break
                } else if filterSQL.isEmpty {
                    (rows, total) = try await Self.sqliteWindow(match: match, scoreSQL: scoreSQL, exec)
                } else {
                    // Only what ranking needs; the page's hits get their other columns below.
                    rows = try await exec.query(
                        "SELECT d.id, d.item_key, d.meeting_date, \(scoreSQL) AS score FROM \(from) WHERE \(matchSQL)\(filterSQL) ORDER BY search_fts.rowid DESC LIMIT \(SearchRequest.relevanceWindow)",
                        [match] + filterBinds)
                    // A window that is not full holds every match: no second pass to count them.
                    total = rows.count < SearchRequest.relevanceWindow ? rows.count : try await count()
                }
                guard total > 0 else { return .empty }
                hits = SearchRanking.rank(rows.map(Self.windowHit), today: r.today)
                hits = Array(hits.dropFirst(offset).prefix(r.pageSize))
            case .newest:
                total = try await count()
                guard total > 0 else { return .empty }
                var order = r.sort == .newest ? "d.meeting_date DESC, d.id DESC" : dialect == .sqlite ? "search_fts.rowid DESC" : "d.id DESC"
                if dialect == .postgres, total <= SearchResults.countCap {
                    // Few matches: sort them (from the GIN index). Ordering by an expression keeps
                    // the planner from walking the date or key index and testing every item's
                    // words on the way — seconds for a word it wrongly thinks common.
                    order = r.sort == .newest ? "d.meeting_date || '' DESC, d.id + 0 DESC" : "d.id + 0 DESC"
                }
                if dialect == .sqlite, r.sort == .newest, filterSQL.isEmpty, try await Self.isCommon(match, exec) {
                    // A word in ≥ 5 % of the items: walk the items newest first and test each
                    // against the index (a page needs ~20 × 20 probes) instead of sorting every match.
                    rows = try await exec.query(
                        """
                        SELECT \(Self.hitColumns), 0 AS score FROM search_doc d INDEXED BY search_doc_by_date
                        WHERE EXISTS (SELECT 1 FROM search_fts WHERE search_fts MATCH ? AND search_fts.rowid = d.id)
                        ORDER BY d.meeting_date DESC, d.id DESC LIMIT ? OFFSET ?
                        """, [match, .int(Int64(r.pageSize)), .int(Int64(offset))])
                } else {
                    rows = try await exec.query(
                        "SELECT \(Self.hitColumns), \(scoreSQL) AS score FROM \(from) WHERE \(matchSQL)\(filterSQL) ORDER BY \(order) LIMIT ? OFFSET ?",
                        [match] + filterBinds + [.int(Int64(r.pageSize)), .int(Int64(offset))])
                }
                hits = rows.map(Self.hit)
            }
            let ids = Dictionary(rows.map { ($0.string("item_key") ?? "", Int64($0.int("id") ?? 0)) }, uniquingKeysWith: { a, _ in a })
            let pageIDs = hits.compactMap { ids[$0.itemKey] }
            var snippets: [Int64: String] = [:]
            var details: [Int64: SQLRow] = [:]
            if !pageIDs.isEmpty {
                let list = pageIDs.map(String.init).joined(separator: ",")
                // The page's columns and the text its snippets come from, in one statement (on
                // PostgreSQL already with the ranked page). The snippets are ours (HitSnippet) on
                // both backends: SQLite's snippet() and PostgreSQL's ts_headline tokenize and stem
                // every word of every hit again (SQLite: 1.2 ms a page), HitSnippet only the words
                // that start like a query word, and only up to the snippet's last word.
                let stemmer = DanishStemmer()
                let pageRows: [SQLRow]
                let snippet: HitSnippet
                if dialect == .sqlite {
                    pageRows = try await exec.queryReusingPlan(
                        "SELECT \(Self.hitColumns), \(Self.sqliteSnippetText) AS text FROM search_doc d WHERE d.id IN (SELECT value FROM json_each(?))",
                        [.text("[\(list)]")])
                    // The query's words as the index's tokenizer makes them: lower case, stemmed.
                    snippet = HitSnippet(query: r.query, stem: stemmer.stem)
                } else {
                    // The query's lexemes as PostgreSQL normalised them.
                    pageRows = ranked ? rows : try await exec.query(
                        """
                        SELECT \(Self.hitColumns), \(Self.snippetText) AS text, CAST(q AS TEXT) AS q FROM search_doc d, \(tsq) q WHERE d.id IN (\(list))
                        """, [match])
                    snippet = HitSnippet(tsquery: pageRows.first?.string("q") ?? "")
                }
                for row in pageRows {
                    let id = Int64(row.int("id") ?? 0)
                    snippets[id] = snippet.make(row.string("text") ?? "", stem: stemmer.stem)
                    details[id] = row
                }
            }
            for n in hits.indices {
                guard let id = ids[hits[n].itemKey] else { continue }
                if let row = details[id] {
                    let score = hits[n].score
                    hits[n] = Self.hit(row)
                    hits[n].score = score
                }
                hits[n].snippet = snippets[id] ?? ""
            }
            return SearchResults(hits: hits, total: min(total, SearchResults.countCap), totalIsCapped: total > SearchResults.countCap, matchedAny: false)
        }
    }

    /// SQLite without filters: the newest ``SearchRequest/relevanceWindow`` matches with their
    /// scores, and the number of matches (capped), from the FTS index. FTS5 reads a doclist
    /// backwards more slowly than forwards, and a count reads it forwards to the cap. So a query
    /// dense among the newest 10,000 items (an eighth of a smaller index) is counted forwards (it
    /// reaches the cap soon) and its newest are read backwards (they are near); a sparse one is
    /// read forwards once, scored, up to the cap — which both counts it and, below the cap, holds
    /// its newest matches.
    static func sqliteWindow(match: SQLValue, scoreSQL: String, _ exec: any SQLExecutor) async throws -> (rows: [SQLRow], total: Int) {
        let window = SearchRequest.relevanceWindow
        let cap = SearchResults.countCap + 1
        return try await exec.batch { sql in
            func count(_ fromWhere: String, limit: Int) throws -> Int {
                try sql.query(cappedCountSQL(fromWhere, limit: limit), [match]).first?.int("n") ?? 0
            }
            let recent = try count(
                "search_fts WHERE search_fts MATCH ? AND search_fts.rowid > (SELECT COALESCE(MAX(id), 0) - MIN(10000, COALESCE(MAX(id), 0) / 8) FROM search_doc)",
                limit: window + 1)
            func newestBackwards() throws -> [SQLRow] {
                try sql.query(
                    """
                    SELECT d.id, d.item_key, d.meeting_date, \(scoreSQL) AS score FROM search_fts CROSS JOIN search_doc d ON d.id = search_fts.rowid
                    WHERE search_fts MATCH ? ORDER BY search_fts.rowid DESC LIMIT \(window)
                    """, [match])
            }
            if recent > window { return (try newestBackwards(), try count("search_fts WHERE search_fts MATCH ?", limit: cap)) }
            let forwards = try sql.query(
                "SELECT search_fts.rowid AS id, \(scoreSQL) AS score FROM search_fts WHERE search_fts MATCH ? LIMIT \(cap)", [match])
            if forwards.count >= cap { return (try newestBackwards(), forwards.count) }
            // Forwards is rowid order: the newest are the last. Their keys and dates by id.
            let newestMatches = forwards.suffix(window)
            let list = newestMatches.compactMap { $0.int("id") }.map(String.init).joined(separator: ",")
            var keys: [Int: SQLRow] = [:]
            if !list.isEmpty {
                for row in try sql.query("SELECT id, item_key, meeting_date FROM search_doc WHERE id IN (SELECT value FROM json_each(?))", [.text("[\(list)]")]) {
                    keys[row.int("id") ?? 0] = row
                }
            }
            let rows = newestMatches.reversed().compactMap { m -> SQLRow? in
                guard let id = m.int("id"), var row = keys[id] else { return nil }
                row["score"] = m["score"]
                return row
            }
            return (rows, forwards.count)
        }
    }

    /// PostgreSQL: a page of the newest ``SearchRequest/relevanceWindow`` matches, ranked (with
    /// their columns and snippet texts), and the number of matches (capped). GIN returns matches
    /// in no useful order, and a common word's posting list holds most of the items; so the words
    /// are matched within a recent id range, inside the `search_doc_newest` index (its cost
    /// follows the range, not the word). The density of matches — from the statistics (`share`),
    /// else counted among the newest items — sizes the range for the window and the one for the
    /// count; a range that falls short is widened from what it held, then everything is read (a
    /// word too rare for a recent range has a short posting list). Only the window is scored, and
    /// it is ranked in the statement, so only the page travels. The count runs on a second pooled
    /// connection while the window is read (`exec` is the pool's).
    static func postgresRelevance(
        match: SQLValue, tsquery tsq: String, filterSQL: String, filterBinds: [SQLValue], today: Int?, page: (size: Int, offset: Int),
        share: Double?, atLeast: (lexeme: String, matches: Int)? = nil, newestID: NewestSearchID, _ exec: any SQLExecutor
    ) async throws -> (rows: [SQLRow], total: Int) {
        let window = SearchRequest.relevanceWindow
        let cap = SearchResults.countCap + 1
        // A word the statistics show in at least twice the cap's items (a margin for the rows
        // written since that the server has not yet reported) is not counted, once PostgreSQL's
        // lexeme is seen to be the one looked up.
        let uncounted = atLeast.flatMap { $0.matches >= 2 * cap ? "'\($0.lexeme)'" : nil }
        let newest = try await newestID.value { try await exec.query("SELECT COALESCE(MAX(id), 0) AS n FROM search_doc", []).first?.int("n") ?? 0 }
        /// Ids in the blocks of 64 after `newest - range`, in the form the index answers (the
        /// expression of `search_doc_newest`, a bigint); everything when the range covers a quarter.
        func rangeSQL(_ range: Int?) -> (String, [SQLValue]) {
            guard let range, range < newest / 4 else { return ("", []) }
            return (" AND (-(d.id / 64)) < CAST(? AS BIGINT)", [.int(-Int64((newest - range) / 64))])
        }
        // Without filters the statements are kept prepared with one plan for any words and range
        // (the GIN index, always); a filter's best plan depends on its value (a date range made a
        // generic plan 1.6× slower), so filtered statements are planned for their values.
        let reusePlan = filterSQL.isEmpty
        @Sendable func run(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
            try await reusePlan ? exec.queryReusingPlan(sql, binds) : exec.query(sql, binds)
        }
        // Matches per item: from the statistics when the caller has them, else counted among the
        // newest 1,024 items — if only a few match there, among the newest 16,384 (a range sized
        // from a handful of matches would be far too wide) — in one statement.
        var density = share
        let near = 1024
        let far = near * 16
        if density == nil, !rangeSQL(near).0.isEmpty {
            let (nearSQL, nearBinds) = rangeSQL(near)
            let (farSQL, farBinds) = rangeSQL(far)
            let counts = try await run(
                """
                WITH p AS MATERIALIZED (SELECT (SELECT COUNT(*) FROM search_doc d, \(tsq) q WHERE d.tsv @@ q\(nearSQL)\(filterSQL)) AS near)
                SELECT p.near, CASE WHEN p.near BETWEEN 1 AND 31 AND \(farSQL.isEmpty ? "FALSE" : "TRUE")
                    THEN (SELECT COUNT(*) FROM search_doc d, \(tsq) q WHERE d.tsv @@ q\(farSQL)\(filterSQL)) END AS far FROM p
                """, [match] + nearBinds + filterBinds + [match] + farBinds + filterBinds
            ).first
            if let n = counts?.int("far") {
                density = Double(n) / Double(far)
            } else if let n = counts?.int("near"), n > 0 {
                density = Double(n) / Double(near)
            }
        }
        /// Items that should hold `matches` at that density; nil (everything) without one.
        func range(for matches: Int) -> Int? {
            guard let density, density > 0 else { return nil }
            return Int(min(Double(Int.max / 2), Double(matches) / density))
        }
        @Sendable func count(_ range: (String, [SQLValue])) async throws -> Int {
            try await cappedCount("search_doc d, \(tsq) q WHERE d.tsv @@ q\(range.0)\(filterSQL)", [match] + range.1 + filterBinds, limit: cap, reusingPlan: reusePlan, exec)
        }
        /// The newest matches (`fill` of them, at most the window) ranked like
        /// ``SearchRanking/rank(_:today:)`` — text score by age, then date, then key — and the
        /// requested page of them with their columns and texts; in a range also the range's
        /// matches (`n`: the bitmap scan reads them all anyway, to sort them). `d.id + 0`: never a
        /// walk down the key testing every item's words (the planner's choice for a word it
        /// wrongly thinks common: seconds). One row with no id when the page is empty.
        func ranked(_ range: Int?) async throws -> (rows: [SQLRow], fill: Int, inRange: Int) {
            let (rSQL, rBinds) = rangeSQL(range)
            let age = Self.ageSQL("x.date", today: today)
            let rows = try await run(
                """
                WITH w AS MATERIALIZED (
                    SELECT d.id, \(rSQL.isEmpty ? "0" : "COUNT(*) OVER ()") AS n FROM search_doc d, \(tsq) q
                    WHERE d.tsv @@ q\(rSQL)\(filterSQL) ORDER BY d.id + 0 DESC LIMIT \(window)
                ), r AS MATERIALIZED (
                    SELECT w.id, ts_rank_cd(d.tsv, q) AS score, d.meeting_date AS date, d.item_key AS key FROM w JOIN search_doc d ON d.id = w.id, \(tsq) q
                ), a AS MATERIALIZED (
                    SELECT x.date, 1.0 + CAST(\(age.sql) AS float8) / 365.0 AS age FROM (SELECT DISTINCT r.date FROM r) x
                ), p AS MATERIALIZED (
                    SELECT r.id, r.score, r.date, r.key, CAST(r.score AS float8) / a.age AS rank FROM r JOIN a ON a.date = r.date
                    ORDER BY rank DESC, r.date COLLATE "C" DESC, r.key COLLATE "C" LIMIT ? OFFSET ?
                )
                SELECT s.fill, s.n, \(Self.hitColumns), p.score, \(Self.snippetText) AS text, CAST(q AS TEXT) AS q
                FROM (SELECT COUNT(*) AS fill, COALESCE(MAX(n), 0) AS n FROM w) s
                    LEFT JOIN (p JOIN search_doc d ON d.id = p.id) ON TRUE, \(tsq) q
                ORDER BY p.rank DESC, p.date COLLATE "C" DESC, p.key COLLATE "C"
                """, [match] + rBinds + filterBinds + [match] + age.binds + [.int(Int64(page.size)), .int(Int64(page.offset)), match])
            return (rows.filter { $0.int("id") != nil }, rows.first?.int("fill") ?? 0, rows.first?.int("n") ?? 0)
        }
        // A range that should hold the window at that density (+30 %), and one that should hold
        // the count's cap (+50 %), counted meanwhile.
        let windowRange = range(for: window * 13 / 10)
        let countRange = rangeSQL(range(for: cap * 15 / 10))
        async let early: Int? = windowRange == nil || uncounted != nil ? nil : count(countRange)
        var (rows, fill, inRange) = try await ranked(windowRange)
        var whole = rangeSQL(windowRange).0.isEmpty
        if fill < window, !whole, let windowRange, fill > 0 {
            // Sparser in the range than estimated: a range sized from what it held, then everything.
            let wider = windowRange * (window * 13 / 10) / fill
            (rows, fill, inRange) = try await ranked(wider)
            whole = rangeSQL(wider).0.isEmpty
        }
        if fill < window, !whole {
            (rows, fill, inRange) = try await ranked(nil)
            whole = true
        }
        let counted = try await early
        if fill < window { return (rows, fill) }
        if !whole, inRange >= cap { return (rows, inRange) }
        if let uncounted, rows.first?.string("q") == uncounted { return (rows, cap) }
        if let counted, counted >= cap || countRange.0.isEmpty { return (rows, counted) }
        // Fewer than the cap in the count's range says nothing of the rest: a range sized from the
        // window's own density (+20 %), if wider, then everything.
        if !whole, let windowRange {
            let wider = rangeSQL(windowRange * cap * 12 / (max(inRange, 1) * 10))
            if !wider.0.isEmpty, wider.1 != countRange.1 {
                let total = try await count(wider)
                if total >= cap { return (rows, total) }
            }
        }
        return (rows, try await count(("", [])))
    }

    /// SQL: the days from the text date `column` to day number `today`, as
    /// ``SearchRanking/combined(score:date:today:)`` counts them: not below 0, 365 for no date.
    /// A day past the month's end runs on into the next month, as in ``SearchRanking/dayNumber(_:)``
    /// (the date is the month's first plus the days); years before 1000 count as no date.
    /// The day number is a parameter, so the statement's text stays the same from day to day.
    static func ageSQL(_ column: String, today: Int?) -> (sql: String, binds: [SQLValue]) {
        guard let today else { return ("365", []) }
        return (
            """
            CASE WHEN \(column) ~ '^[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])' THEN GREATEST(0, (DATE '1970-01-01' + CAST(? AS integer))
                - (CAST(substr(\(column), 1, 8) || '01' AS date) + (CAST(substr(\(column), 9, 2) AS integer) - 1))) ELSE 365 END
            """, [.int(Int64(today))])
    }

    /// PostgreSQL: `text` (to_tsquery syntax) normalised, with each prefix replaced by the indexed
    /// word forms it stands for (from `search_lexeme`), when there are at most 256; nil when the
    /// query normalises to nothing.
    func postgresExpanded(_ text: String) async throws -> String? {
        try await db.read { exec in
            guard let q = try await exec.query("SELECT CAST(to_tsquery('danish', ?) AS TEXT) AS q", [.text(text)]).first?.string("q"), !q.isEmpty
            else { return nil }
            var forms: [String: [String]] = [:]
            for prefix in TSQueryText.prefixes(q) {
                let rows = try await exec.query(
                    "SELECT lexeme FROM search_lexeme WHERE lexeme >= ? AND lexeme < ? ORDER BY lexeme LIMIT 257",
                    [.text(prefix), .text(prefix + "\u{10FFFF}")])
                if rows.count <= 256 { forms[prefix] = rows.compactMap { $0.string("lexeme") } }
            }
            return TSQueryText.expanding(q, forms)
        }
    }

    /// The lowest and highest id of the items dated `from` (text order; "" for no lower end)
    /// through `to`, found day by day along the date index — three probes a day, not a row per
    /// item. (1, 0) when no item is dated in the range; nil when more than 1,500 days are (a
    /// range that wide is read without it).
    func datedIDRange(from: String, to: String) async throws -> (lo: Int, hi: Int)? {
        let maxDays = 1500
        let row = try await db.read { exec in
            try await exec.query(
                """
                WITH RECURSIVE day(d, n) AS (
                    SELECT (SELECT MAX(s.meeting_date) FROM search_doc s WHERE s.meeting_date <= ? AND s.meeting_date >= ?), 1
                    UNION ALL
                    SELECT (SELECT MAX(s.meeting_date) FROM search_doc s WHERE s.meeting_date < day.d AND s.meeting_date >= ?), day.n + 1
                    FROM day WHERE day.d IS NOT NULL AND day.n <= \(maxDays)
                ), ids AS (
                    SELECT (SELECT MIN(s.id) FROM search_doc s WHERE s.meeting_date = day.d) AS lo,
                        (SELECT MAX(s.id) FROM search_doc s WHERE s.meeting_date = day.d) AS hi
                    FROM day WHERE day.d IS NOT NULL
                )
                SELECT (SELECT MIN(lo) FROM ids) AS lo, (SELECT MAX(hi) FROM ids) AS hi, (SELECT MAX(n) FROM day) AS days
                """, [.text(to), .text(from), .text(from)]
            ).first
        }
        guard let row, (row.int("days") ?? 0) <= maxDays else { return nil }
        guard let lo = row.int("lo"), let hi = row.int("hi") else { return (1, 0) }
        return (lo, hi)
    }

    /// The rows of `FROM <fromWhere>`, counted up to `limit` (none is read beyond it).
    static func cappedCount(
        _ fromWhere: String, _ binds: [SQLValue], limit: Int, reusingPlan: Bool = false, _ exec: any SQLExecutor
    ) async throws -> Int {
        let sql = cappedCountSQL(fromWhere, limit: limit)
        return try await (reusingPlan ? exec.queryReusingPlan(sql, binds) : exec.query(sql, binds)).first?.int("n") ?? 0
    }

    static func cappedCountSQL(_ fromWhere: String, limit: Int) -> String {
        "SELECT COUNT(*) AS n FROM (SELECT 1 FROM \(fromWhere) LIMIT \(limit)) x"
    }

    /// Whether an FTS5 expression matches more than 5 % of the indexed items.
    static func isCommon(_ match: SQLValue, _ exec: any SQLExecutor) async throws -> Bool {
        let items = try await exec.query("SELECT MAX(id) AS n FROM search_doc", []).first?.int("n") ?? 0
        let threshold = max(1, items / 20)
        return try await cappedCount("search_fts WHERE search_fts MATCH ?", [match], limit: threshold + 1, exec) > threshold
    }

    /// No words, newest first: the filters alone (feeds of a municipality, a committee, a topic).
    func browse(_ r: SearchRequest) async throws -> SearchResults {
        let (filterSQL, filterBinds) = Self.searchFilters(r)
        return try await db.read { exec in
            let total = try await Self.cappedCount("search_doc d WHERE 1 = 1\(filterSQL)", filterBinds, limit: SearchResults.countCap + 1, exec)
            let rows = try await exec.query(
                """
                SELECT \(Self.hitColumns), 0 AS score, substr(d.analysis, 1, 400) AS analysis_start, substr(d.body, 1, 300) AS body_start
                FROM search_doc d WHERE 1 = 1\(filterSQL) ORDER BY d.meeting_date DESC, d.id DESC LIMIT ? OFFSET ?
                """, filterBinds + [.int(Int64(r.pageSize)), .int(Int64((r.page - 1) * r.pageSize))])
            let hits = rows.map { row -> SearchHit in
                var h = Self.hit(row)
                h.snippet = [row.string("analysis_start"), row.string("body_start")].compactMap { $0 }.first { !$0.isEmpty } ?? ""
                return h
            }
            return SearchResults(hits: hits, total: min(total, SearchResults.countCap), totalIsCapped: total > SearchResults.countCap, matchedAny: false)
        }
    }

    /// A relevance window's row: what ranking reads (the page's hits get the rest).
    static func windowHit(_ r: SQLRow) -> SearchHit {
        SearchHit(
            itemKey: r.string("item_key") ?? "", municipality: "", municipalityName: "", committee: "", meetingSlug: "", number: "",
            date: r.string("meeting_date") ?? "", kind: "", decided: false, title: "", snippet: "", score: r.double("score") ?? 0)
    }

    static func hit(_ r: SQLRow) -> SearchHit {
        SearchHit(
            itemKey: r.string("item_key") ?? "", municipality: r.string("municipality") ?? "", municipalityName: r.string("municipality_name") ?? "",
            committee: r.string("committee") ?? "", meetingSlug: r.string("meeting_slug") ?? "", number: r.string("number") ?? "",
            date: r.string("meeting_date") ?? "", kind: r.string("kind") ?? "", decided: r.bool("decided"), title: r.string("title") ?? "", snippet: "",
            score: r.double("score") ?? 0)
    }

    /// Committees that have indexed items (for the search page's filter), per municipality.
    public func searchCommittees(municipality: String?) async throws -> [String] {
        try await db.read { exec in
            try await exec.query(
                "SELECT DISTINCT committee FROM search_doc WHERE (? = '' OR municipality = ?) ORDER BY committee",
                .text(municipality ?? ""), .text(municipality ?? "")
            ).compactMap { $0.string("committee") }
        }
    }
}

/// The newest indexed id, read again at most every 5 seconds: PostgreSQL's relevance window
/// counts back from it. A stale value costs no result — the ranges it sets have no upper bound,
/// so newer items are in them, and a window that comes up short is read over everything.
final class NewestSearchID: @unchecked Sendable {
    let lock = NSLock()
    var cached: (id: Int, at: ContinuousClock.Instant)?

    func value(_ read: () async throws -> Int) async throws -> Int {
        let now = ContinuousClock.now
        if let c = lock.withLock({ cached }), now - c.at < .seconds(5) { return c.id }
        let id = try await read()
        lock.withLock { cached = (id, now) }
        return id
    }
}

/// PostgreSQL's statistics of the indexed words (ANALYZE's `most_common_elems` of
/// `search_doc.tsv`; autovacuum keeps them), read again at most every 10 minutes or when the
/// table was analysed again, and the rows written since (`n_mod_since_analyze`, read again at most
/// every 5 seconds). Two uses:
/// - the share of items holding a query's plain words (an estimate, for the relevance window's
///   ranges, which are checked against what they hold);
/// - at least how many items hold one word now (a lower bound, to skip counting up to the cap).
final class LexemeStatistics: @unchecked Sendable {
    struct Snapshot {
        var shares: [String: Double]
        /// Non-null rows ANALYZE sampled, at least (see ``minimumMatches(share:sampled:modified:)``).
        var sampled: Double
        /// When ANALYZE made them.
        var analyzedAt: String
        /// False for statistics younger than 5 seconds: they might be the ones before (see below).
        var givesBounds: Bool
        var readAt: ContinuousClock.Instant
        var keptFor: Duration
    }
    struct Changes {
        var modified: Int
        var analyzedAt: String
        var readAt: ContinuousClock.Instant
    }
    let lock = NSLock()
    var cached: Snapshot?
    var changes: Changes?

    /// Matches per item for `query` (the words' shares multiplied), or nil when a term is not a
    /// plain word or a word is not among the common ones.
    func share(of query: SearchQuery, _ exec: any SQLExecutor) async -> Double? {
        guard let words = Self.plainWords(query), let snapshot = await snapshot(exec), !snapshot.shares.isEmpty else { return nil }
        let stemmer = DanishStemmer()
        var product = 1.0
        for w in words {
            guard let s = snapshot.shares[stemmer.stem(w)], s > 0 else { return nil }
            product *= s
        }
        return product
    }

    /// For a query of one plain word: its lexeme (as this process stems it; the caller checks
    /// PostgreSQL's) and at least how many items hold it now. Nil when unknown.
    func atLeast(_ query: SearchQuery, _ exec: any SQLExecutor) async -> (lexeme: String, matches: Int)? {
        guard let words = Self.plainWords(query), words.count == 1, let snapshot = await snapshot(exec) else { return nil }
        let lexeme = DanishStemmer().stem(words[0])
        guard let share = snapshot.shares[lexeme], snapshot.givesBounds, !snapshot.analyzedAt.isEmpty, let changes = await changes(exec),
            changes.analyzedAt == snapshot.analyzedAt
        else { return nil }
        return (lexeme, Self.minimumMatches(share: share, sampled: snapshot.sampled, modified: changes.modified))
    }

    /// Items holding a word now, at least: the rows of ANALYZE's sample that held it (its counts
    /// never overstate: lossy counting only undercounts; less 0.1 % for the stored float4) less
    /// every row written since — a deleted or changed row may have held the word, and an inserted
    /// one may have made `sampled`, which is read from today's row estimate, too large.
    static func minimumMatches(share: Double, sampled: Double, modified: Int) -> Int {
        guard share > 0, sampled > 0 else { return 0 }
        return max(0, Int((share * sampled * 0.999).rounded(.down)) - max(0, modified))
    }

    static func plainWords(_ query: SearchQuery) -> [String]? {
        var words: [String] = []
        for term in query.terms {
            guard case .word(let w) = term, w.allSatisfy(\.isLetter) else { return nil }
            words.append(w)
        }
        return words.isEmpty ? nil : words
    }

    func snapshot(_ exec: any SQLExecutor) async -> Snapshot? {
        let now = ContinuousClock.now
        let (current, analyzedSince) = lock.withLock { (cached, changes?.analyzedAt) }
        if let current, now - current.readAt < current.keptFor, analyzedSince == nil || analyzedSince == current.analyzedAt { return current }
        // Only statistics: when they cannot be read, the caller counts instead. ANALYZE samples
        // 300 × the column's statistics target rows (more if another column's target is higher),
        // or the whole table when smaller; the shares are of the non-null rows among them. ANALYZE
        // shows its time before it commits its statistics: statistics younger than 5 seconds give
        // no lower bounds (they might be the ones before) and are read again soon.
        let rows = (try? await exec.query(
            """
            SELECT u.lexeme, u.share,
                LEAST(300.0 * COALESCE(NULLIF(CAST(a.attstattarget AS INT), -1), CAST(current_setting('default_statistics_target') AS INT)),
                      CAST(c.reltuples AS FLOAT8)) * (1.0 - s.null_frac) AS sampled,
                COALESCE(CAST(GREATEST(t.last_analyze, t.last_autoanalyze) AS TEXT), '') AS analyzed,
                GREATEST(t.last_analyze, t.last_autoanalyze) > now() - INTERVAL '5 seconds' AS young
            FROM pg_class c
                JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tsv'
                JOIN pg_namespace n ON n.oid = c.relnamespace
                JOIN pg_stats s ON s.schemaname = n.nspname AND s.tablename = c.relname AND s.attname = 'tsv'
                JOIN pg_stat_user_tables t ON t.relid = c.oid,
                unnest(CAST(CAST(s.most_common_elems AS TEXT) AS TEXT[]), s.most_common_elem_freqs) AS u(lexeme, share)
            WHERE c.oid = CAST('search_doc' AS regclass) AND u.lexeme IS NOT NULL
            """, [])) ?? []
        let young = rows.first?.bool("young") ?? false
        let read = Snapshot(
            shares: Dictionary(rows.compactMap { r in r.string("lexeme").map { ($0, r.double("share") ?? 0) } }, uniquingKeysWith: { a, _ in a }),
            sampled: rows.first?.double("sampled") ?? 0, analyzedAt: rows.first?.string("analyzed") ?? "", givesBounds: !young, readAt: now,
            keptFor: young ? .seconds(5) : .seconds(600))
        lock.withLock { cached = read }
        return read
    }

    func changes(_ exec: any SQLExecutor) async -> Changes? {
        let now = ContinuousClock.now
        if let c = lock.withLock({ changes }), now - c.readAt < .seconds(5) { return c }
        guard let row = try? await exec.query(
            """
            SELECT n_mod_since_analyze AS modified, COALESCE(CAST(GREATEST(last_analyze, last_autoanalyze) AS TEXT), '') AS analyzed
            FROM pg_stat_user_tables WHERE relid = CAST('search_doc' AS regclass)
            """, []).first, let modified = row.int("modified")
        else { return nil }
        let read = Changes(modified: modified, analyzedAt: row.string("analyzed") ?? "", readAt: now)
        lock.withLock { changes = read }
        return read
    }
}
