import Foundation
import KlartekstApp
@testable import KlartekstCore
import KlartekstPipeline
@testable import KlartekstStore
import KlartekstTestSupport
import Logging
import Testing

/// Search relevance on the real sample (Hvidovre's 22 agenda items, Kalundborg's homelessness
/// strategy), the same queries and expectations on SQLite (FTS5 + libstemmer) and PostgreSQL
/// (`danish` tsvector): inflections, compounds, phrases, prefixes, filters, paging, snippets.
@Suite("Store contract: search")
struct SearchContractTests {
    static let splitter = IndexStage.defaultSplitter()

    static func withIndex(_ backend: TestBackend, _ body: (SQLStore) async throws -> Void) async throws {
        try await backend.withStore { store, _ in
            let logger = Logger(label: "search-test")
            let importer = ImportService(store: store, registry: try Registry.bundled(), limitBytes: 64 << 20, logger: logger)
            _ = await importer.importPaths([Fixtures.sampleDirectory.path])
            let library = try PromptLibrary.load(directory: Fixtures.root.appendingPathComponent("prompts"))
            _ = try await AnalyzeStage(store: store, library: library, backend: .deterministic, logger: logger).run()
            let first = await IndexStage(store: store, splitter: splitter, logger: logger).run()
            #expect(first.indexed == 23 && first.failed == 0)
            #expect(await IndexStage(store: store, splitter: splitter, logger: logger).run().indexed == 0, "an unchanged item is not indexed again")
            try await body(store)
        }
    }

    static func titles(_ store: SQLStore, _ q: String, _ adjust: (inout SearchRequest) -> Void = { _ in }) async throws -> [String] {
        var r = SearchRequest(query: .parse(q), pageSize: 50, today: "2026-11-30")
        adjust(&r)
        return try await store.search(r).hits.map(\.title)
    }

    /// Query → a title (substring) that must come first, and titles that must be found at all.
    static let relevance: [(query: String, first: String, found: [String])] = [
        ("hjemløse", "Beslutning om hjemløsestrategi", []),
        ("hjemløshed", "Beslutning om hjemløsestrategi", []),
        ("hjemløsestrategien", "Beslutning om hjemløsestrategi", []),
        ("borgermøde", "Borgermøde om beredskab", []),
        ("borgere beredskab", "Borgermøde om beredskab", ["Ansættelse af beredskabskoordinator"]),
        ("flagregulativ", "Nyt flagregulativ", []),
        ("regulativ", "Nyt flagregulativ", []),  // the tail of a compound
        ("strategi", "Budget 2027-2030", ["Beslutning om hjemløsestrategi"]),  // "strategi-" in prose, and the compound
        ("beredskabskoordinator", "Ansættelse af beredskabskoordinator", []),
        ("koordinator", "Ansættelse af beredskabskoordinator", []),
        ("\"fuldmagt\" fodbold", "Fuldmagt til Hvidovre Fodbold", []),
        ("fodbol*", "Fuldmagt til Hvidovre Fodbold", []),
        ("udmøntningsplan", "Status på udmøntningsplan", []),
    ]

    @Test("Danish queries find their items first: inflections, compounds, phrases, prefixes", arguments: TestBackend.available)
    func relevanceOnTheSample(backend: TestBackend) async throws {
        try await Self.withIndex(backend) { store in
            for (query, first, found) in Self.relevance {
                let titles = try await Self.titles(store, query)
                #expect(titles.first?.contains(first) == true, "\(backend) «\(query)»: first is \(titles.first ?? "nothing"), all: \(titles)")
                for f in found { #expect(titles.contains { $0.contains(f) }, "\(backend) «\(query)» misses \(f): \(titles)") }
            }
            #expect(try await Self.titles(store, "xyzzy").isEmpty)
        }
    }

    @Test("filters, any-word fallback, paging, snippets and hostile input", arguments: TestBackend.available)
    func filtersAndPaging(backend: TestBackend) async throws {
        try await Self.withIndex(backend) { store in
            // Filters.
            #expect(try await Self.titles(store, "strategi") { $0.municipality = "kalundborg" } == ["Beslutning om hjemløsestrategi"])
            #expect(try await Self.titles(store, "strategi") { $0.topic = "hjemloeshed" } == ["Beslutning om hjemløsestrategi"])
            #expect(try await Self.titles(store, "strategi") { $0.decided = true } == ["Beslutning om hjemløsestrategi"])
            #expect(!(try await Self.titles(store, "strategi") { $0.decided = false }).contains("Beslutning om hjemløsestrategi"))
            let may = try await store.search(
                SearchRequest(query: .parse("borger"), from: "2026-05-01", to: "2026-05-31", pageSize: 50, today: "2026-11-30")).hits.map(\.title)
            #expect(!may.isEmpty && !may.contains("Beslutning om hjemløsestrategi"))
            #expect(try await Self.titles(store, "borger") { $0.from = "2026-06-01" }.isEmpty)
            #expect(try await Self.titles(store, "borger") { $0.committee = "Økonomiudvalget" }.count == may.count)
            #expect(try await Self.titles(store, "borger") { $0.kind = "minutes" }.isEmpty)
            // No item has both words: the items with either are shown, and said so.
            let any = try await store.search(SearchRequest(query: .parse("hjemløsestrategi xyzzy"), today: "2026-11-30"))
            #expect(any.matchedAny && any.hits.map(\.title) == ["Beslutning om hjemløsestrategi"])
            // Paging: disjoint pages that add up to the total, in both orders.
            for sort in SearchRequest.Sort.allCases {
                let all = try await store.search(SearchRequest(query: .parse("kommune"), sort: sort, pageSize: 100, today: "2026-11-30"))
                #expect(all.total >= 15 && all.hits.count == all.total)
                var paged: [String] = []
                for page in 1...5 {
                    paged += try await store.search(SearchRequest(query: .parse("kommune"), sort: sort, page: page, pageSize: 5, today: "2026-11-30")).hits.map(\.itemKey)
                }
                #expect(Set(paged).count == paged.count && paged.count == min(25, all.total), "\(sort)")
                #expect(paged == Array(all.hits.map(\.itemKey).prefix(25)), "\(sort): pages follow the same order")
            }
            let newest = try await store.search(SearchRequest(query: .parse("kommune"), sort: .newest, pageSize: 100, today: "2026-11-30")).hits
            #expect(newest.map(\.date) == newest.map(\.date).sorted(by: >))
            // A common word newest first (SQLite walks the items by date and tests each; with a filter
            // it sorts the matches): the same items in the same order either way.
            let sorted = try await store.search(SearchRequest(
                query: .parse("kommune"), to: "2999-12-31", sort: .newest, pageSize: 100, today: "2026-11-30")).hits
            #expect(newest.map(\.itemKey) == sorted.map(\.itemKey) && newest.count >= 15)
            // Snippets mark the matched words.
            let hit = try #require(try await store.search(SearchRequest(query: .parse("hjemløshed"), today: "2026-11-30")).hits.first)
            let marked = try #require(hit.snippet.firstMatch(of: /\u{1}([^\u{2}]+)\u{2}/)).output.1.lowercased()
            #expect(marked.hasPrefix("hjemløs"), "\(hit.snippet)")
            // A municipality that is no slug finds nothing, and is no FTS5 syntax either.
            for municipality in ["x\" OR \"y", "kalundborg\"*", "0kalundborg", ""] {
                #expect(try await Self.titles(store, "strategi") { $0.municipality = municipality }.isEmpty, "«\(municipality)»")
            }
            // Input that would be query syntax is only words.
            for hostile in ["\" OR 1=1 --", "NEAR(borger kommune)", "*", "borger AND NOT kommune", "'; DROP TABLE search_doc; --", "(((", "a:b & | !"] {
                _ = try await store.search(SearchRequest(query: .parse(hostile), today: "2026-11-30"))
            }
            #expect(try await store.searchCount() == 23)
        }
    }

    /// Enough items for every path of the relevance window (on PostgreSQL: a recent range, a range
    /// that falls short, everything; totals counted in a range, in a range and then everything,
    /// over everything): words in every item, in 3 of 4, every 10th, every 150th, only the 3
    /// oldest, densely among the newest only; a phrase (and its words the other way round), a
    /// prefix, a filter. The totals must be the true counts
    /// (capped at 1,000) and the first page must come from the newest 300 matches.
    @Test("the relevance window holds the newest matches and totals are exact, on 8,000 items", arguments: TestBackend.available)
    func windowAndTotals(backend: TestBackend) async throws {
        try await backend.withStore { store, _ in
            let n = 8000
            func text(_ i: Int) -> String {
                var words = ["kommune"]
                if i % 4 != 0 { words.append("tilskud") }
                if i % 10 == 0 { words.append("budget") }
                if i % 150 == 0 { words.append("stadion") }
                if i <= 3 { words.append("krogstenshave") }
                if i % 40 == 0 { words.append("hjemløshed") }
                if i % 45 == 0 { words.append("hjemløse") }
                if i % 50 == 0 { words.append("samlet permanent") } else if i % 25 == 0 { words.append("permanent samlet") }
                if i > n - 250 || i % 50 == 0 { words.append("energi") }  // dense among the newest only
                if i > n - 650 || i <= 100 { words.append("vindmølle") }  // among the newest and the oldest
                return "Sag \(i). " + words.joined(separator: " og ") + "."
            }
            func municipality(_ i: Int) -> String { i % 7 == 0 ? "kalundborg" : i % 11 == 0 ? "lyngby-taarbaek" : "hvidovre" }
            // A year per 1,000 items; within a year the dates are not in id order.
            func date(_ i: Int) -> String { String(format: "%04d-%02d-%02d", 2018 + i / 1000, i % 12 + 1, i % 28 + 1) }
            for start in stride(from: 1, through: n, by: 1000) {
                try await store.saveSearchDocuments((start..<start + 1000).map { i in
                    return (SearchDocument(
                        itemKey: "t-\(i)", municipality: municipality(i), municipalityName: municipality(i).capitalized, committee: "Økonomiudvalget",
                        meetingSlug: "m-\(i)", number: "1", date: date(i), kind: "referat", decided: false, topics: [], title: "Punkt \(i)",
                        body: text(i), attachments: "", analysis: "", parts: ""), signature: "s")
                })
            }
            let cases: [(query: String, municipality: String?, matches: (Int) -> Bool)] = [
                ("kommune", nil, { _ in true }),
                ("tilskud", nil, { $0 % 4 != 0 }),
                ("budget", nil, { $0 % 10 == 0 }),
                ("stadion", nil, { $0 % 150 == 0 }),
                ("krogstenshave", nil, { $0 <= 3 }),
                ("hjemløs*", nil, { $0 % 40 == 0 || $0 % 45 == 0 }),
                ("\"samlet permanent\"", nil, { $0 % 50 == 0 }),
                ("budget kommune", nil, { $0 % 10 == 0 }),
                ("energi", nil, { $0 > n - 250 || $0 % 50 == 0 }),
                ("vindmølle", nil, { $0 > n - 650 || $0 <= 100 }),
                ("budget", "kalundborg", { $0 % 10 == 0 && $0 % 7 == 0 }),
                ("tilskud", "kalundborg", { $0 % 4 != 0 && $0 % 7 == 0 }),
                ("budget", "lyngby-taarbaek", { $0 % 10 == 0 && $0 % 7 != 0 && $0 % 11 == 0 }),
            ]
            // PostgreSQL: first without statistics (densities counted among the newest items), then
            // after ANALYZE (plain words take theirs from the statistics).
            for round in backend == .postgres ? ["probed", "statistics"] : ["sqlite"] {
                if round == "statistics" {
                    try await store.db.read { try await $0.query("ANALYZE search_doc", []) }
                    store.lexemeStatistics.lock.withLock { store.lexemeStatistics.cached = nil; store.lexemeStatistics.changes = nil }
                    let shares = try await store.db.read { exec in
                        [await store.lexemeStatistics.share(of: .parse("tilskud"), exec), await store.lexemeStatistics.share(of: .parse("tilskud vindmølleparker"), exec)]
                    }
                    #expect(shares[0].map { abs($0 - 0.75) < 0.05 } == true, "\(shares)")
                    #expect(shares[1] == nil, "a word not among the common ones: no estimate")
                    // Statistics younger than 5 seconds give no lower bound (ANALYZE shows its time
                    // before it commits them); then a word in every item is known to be in ≥ 7,992.
                    #expect(try await store.db.read { await store.lexemeStatistics.atLeast(.parse("kommune"), $0) } == nil)
                    try await Task.sleep(for: .seconds(5.5))
                    store.lexemeStatistics.lock.withLock { store.lexemeStatistics.cached = nil; store.lexemeStatistics.changes = nil }
                    let bounds = try await store.db.read { exec in
                        [
                            await store.lexemeStatistics.atLeast(.parse("kommune"), exec), await store.lexemeStatistics.atLeast(.parse("budget"), exec),
                            await store.lexemeStatistics.atLeast(.parse("budget kommune"), exec),
                        ]
                    }
                    #expect(bounds[0]?.lexeme == "kommun" && (7992...8000).contains(bounds[0]?.matches ?? 0), "\(bounds)")
                    #expect((790...800).contains(bounds[1]?.matches ?? 0), "a lower bound, not a count: \(bounds)")
                    #expect(bounds[2] == nil, "two words: no bound")
                }
                for (query, municipality, matches) in cases {
                    let expected = (1...n).filter(matches)
                    let request = SearchRequest(query: .parse(query), municipality: municipality, today: "2026-11-30")
                    let results = try await store.search(request)
                    let label = "\(round) «\(query)» \(municipality ?? "")"
                    #expect(results.total == min(expected.count, SearchResults.countCap), "\(label): total \(results.total), expected \(expected.count)")
                    #expect(results.totalIsCapped == (expected.count > SearchResults.countCap), "\(label)")
                    #expect(results.hits.count == min(20, expected.count), "\(label): \(results.hits.count) hits")
                    let newest = Set(expected.suffix(SearchRequest.relevanceWindow).map { "t-\($0)" })
                    let outside = results.hits.map(\.itemKey).filter { !newest.contains($0) }
                    #expect(outside.isEmpty, "\(label): hits outside the newest \(SearchRequest.relevanceWindow) matches: \(outside)")
                    if backend == .postgres, !query.contains("*") {
                        // PostgreSQL ranks in SQL: the same order as SearchRanking over the same window.
                        let window = try await store.db.read { exec in
                            try await exec.query(
                                """
                                SELECT d.item_key, d.meeting_date, ts_rank_cd(d.tsv, q) AS score FROM search_doc d, to_tsquery('danish', ?) q
                                WHERE d.tsv @@ q AND (? = '' OR d.municipality = ?) ORDER BY d.id DESC LIMIT \(SearchRequest.relevanceWindow)
                                """, [.text(request.query.tsquery()), .text(municipality ?? ""), .text(municipality ?? "")])
                        }
                        let ranked = SearchRanking.rank(window.map(SQLStore.windowHit), today: request.today).prefix(20).map(\.itemKey)
                        #expect(results.hits.map(\.itemKey) == ranked, "\(label): SQL ranking differs from SearchRanking")
                    }
                }
            }
            // A date range that runs to today (SQLite counts it from the newest back).
            for (query, from, matches) in [("kommune", "2025-01-01", { (i: Int) in i >= 7000 }), ("tilskud", "2024-01-01", { $0 >= 6000 && $0 % 4 != 0 }),
                                           ("budget", "2025-01-01", { $0 >= 7000 && $0 % 10 == 0 }), ("stadion", "2026-01-01", { _ in false })] {
                let expected = (1...n).filter(matches)
                let results = try await store.search(SearchRequest(query: .parse(query), from: from, today: "2026-11-30"))
                #expect(results.total == min(expected.count, SearchResults.countCap), "«\(query)» from \(from): total \(results.total), expected \(expected.count)")
                #expect(results.totalIsCapped == (expected.count > SearchResults.countCap), "«\(query)» from \(from)")
                #expect(results.hits.allSatisfy { $0.date >= from } && results.hits.count == min(20, expected.count), "«\(query)» from \(from)")
            }
            // A date range that ends (SQLite reads only the ids of the items dated in it), with an
            // item collected last but dated in the range.
            try await store.saveSearchDocuments([(SearchDocument(
                itemKey: "t-late", municipality: "hvidovre", municipalityName: "Hvidovre", committee: "Økonomiudvalget", meetingSlug: "m-late",
                number: "1", date: "2019-05-05", kind: "referat", decided: false, topics: [], title: "Punkt sent", body: "Sag sent. budget.",
                attachments: "", analysis: "", parts: ""), signature: "s")])
            for (query, from, to, matches) in [("budget", "2019-03-01", "2019-06-30", { (i: Int) in i % 10 == 0 }), ("stadion", nil, "2020-12-31", { $0 % 150 == 0 }),
                                               ("kommune", nil, "2019-12-31", { _ in true }), ("budget", "2030-01-01", "2030-12-31", { _ in true })] {
                var expected = Set((1...n).filter { matches($0) && date($0) >= (from ?? "") && date($0) <= to }.map { "t-\($0)" })
                if query == "budget", (from ?? "")...to ~= "2019-05-05" { expected.insert("t-late") }
                let results = try await store.search(SearchRequest(query: .parse(query), from: from, to: to, pageSize: 100, today: "2026-11-30"))
                let label = "«\(query)» \(from ?? "…")–\(to)"
                #expect(results.total == min(expected.count, SearchResults.countCap) && results.totalIsCapped == (expected.count > SearchResults.countCap), "\(label): total \(results.total), expected \(expected.count)")
                if expected.count <= 100 { #expect(Set(results.hits.map(\.itemKey)) == expected, "\(label)") }
                #expect(results.hits.allSatisfy { $0.date >= (from ?? "") && $0.date <= to }, "\(label)")
            }
            if backend == .postgres {
                // Rows written since ANALYZE lower the bound: with 7,500 of the 8,000 items gone,
                // "kommune" is counted again (the server told at once, not at its next report).
                try await store.db.transaction { exec in
                    _ = try await exec.query("SELECT pg_stat_force_next_flush()", [])
                    try await exec.execute("DELETE FROM search_doc WHERE item_key IN (SELECT 't-' || g FROM generate_series(501, 8000) g)", [])
                }
                store.lexemeStatistics.lock.withLock { store.lexemeStatistics.changes = nil }
                let bound = try await store.db.read { await store.lexemeStatistics.atLeast(.parse("kommune"), $0) }
                #expect(bound.map { $0.matches <= 500 } ?? true, "\(String(describing: bound))")
                let results = try await store.search(SearchRequest(query: .parse("kommune"), today: "2026-11-30"))
                #expect(results.total == 500 && !results.totalIsCapped, "total \(results.total)")
            }
        }
    }

    @Test("PostgreSQL counts a date's age in days as SearchRanking does", arguments: TestBackend.available.filter { $0 == .postgres })
    func ageInSQL(backend: TestBackend) async throws {
        try await backend.withStore { store, _ in
            let today = try #require(SearchRanking.dayNumber("2026-11-30"))
            let dates = [
                "2026-11-30", "2026-11-29", "2025-11-30", "2024-02-29", "2026-12-24", "2026-02-31", "2026-04-31", "1999-01-01T10:00:00",
                "2000-03-01", "1970-01-01", "", "2026-13-01", "2026-00-10", "2026-1-5", "garbage", "20261130", "1000-06-15",
            ]
            for date in dates {
                let sql = try await store.db.read { exec in
                    let age = SQLStore.ageSQL("t.d", today: today)
                    return try await exec.query("SELECT \(age.sql) AS days FROM (SELECT CAST(? AS TEXT) AS d) t", age.binds + [.text(date)])
                        .first?.int("days")
                }
                #expect(sql == max(0, SearchRanking.days(from: date, toDay: today)), "«\(date)»")
            }
            let none = try await store.db.read { try await $0.query("SELECT \(SQLStore.ageSQL("d", today: nil).sql) AS days FROM (SELECT 'x' AS d) t", []).first?.int("days") }
            #expect(none == 365, "no valid today: every item counts as a year old")
        }
    }

    @Test("a changed analysis re-indexes its item; closed items keep only their title", arguments: TestBackend.available)
    func reindexing(backend: TestBackend) async throws {
        try await Self.withIndex(backend) { store in
            let key = try #require(try await store.analysisInputs(municipality: "kalundborg", itemKey: nil).first?.itemKey)
            let summary = try #require(try await store.analyses(itemKey: key).first { $0.prompt == "summary" && $0.status == .published })
            #expect(try await store.review(id: try #require(summary.id), status: .rejected, editedResult: nil, reviewer: "test"))
            #expect(try await store.searchBacklog(limit: 10).map(\.itemKey) == [key])
            let again = await IndexStage(store: store, splitter: Self.splitter, logger: Logger(label: "t")).run()
            #expect(again.indexed == 1)
            // The question came from the rejected summary: no longer searchable.
            #expect(try await Self.titles(store, "godkende hjemløsestrategien").contains("Beslutning om hjemløsestrategi"))  // still in the case text
            // Item 33 is closed: its title is indexed, its body is not.
            let closedKey = try #require(try await store.analysisInputs(municipality: "hvidovre", itemKey: nil).first { $0.number == "33" }?.itemKey)
            let closed = try #require(try await store.searchSource(itemKey: closedKey))
            let doc = SearchDocument.make(closed, splitter: Self.splitter)
            #expect(!doc.title.isEmpty && doc.body.isEmpty && doc.attachments.isEmpty)
        }
    }
}

@Suite("Search rules")
struct SearchRulesTests {
    @Test("PostgreSQL query text: prefixes are found and replaced by their forms; quotes survive")
    func tsqueryText() {
        let q = "'hjemløs':* & 'strategi' & ( 'it''s':* | 'a\\\\b' )"
        #expect(TSQueryText.prefixes(q) == ["hjemløs", "it's"])
        #expect(TSQueryText.expanding(q, ["hjemløs": ["hjemløs", "hjemløshed"], "it's": []])
            == "( 'hjemløs' | 'hjemløshed' ) & 'strategi' & ( 'it''s':* | 'a\\\\b' )")
        #expect(TSQueryText.quote("a'b\\c") == "'a''b\\\\c'")
        #expect(TSQueryText.prefixes("'budget' & 'bevilling'").isEmpty)
    }

    @Test("queries become terms; syntax never gets through")
    func parse() {
        #expect(SearchQuery.parse("budget hjemløs*").fts5(municipality: "lyngby-taarbaek") == #"("budget" AND "hjemløs"*) AND municipality : "0lyngbytaarbaek""#)
        #expect(SearchQuery.parse("budget").fts5(municipality: #"a"b"#) == #"("budget") AND municipality : "0a""b""#)
        #expect(SearchQuery.parse("Hjemløse borgere").terms == [.word("hjemløse"), .word("borgere")])
        #expect(SearchQuery.parse("\"fuldmagt til\" fodbol*").terms == [.phrase(["fuldmagt", "til"]), .prefix("fodbol")])
        #expect(SearchQuery.parse("B-dag 2,5").terms == [.phrase(["b", "dag"]), .phrase(["2", "5"])])
        #expect(SearchQuery.parse("\" OR 1=1 --").terms == [.word("or"), .phrase(["1", "1"])])
        #expect(SearchQuery.parse("* ( ) ; '").isEmpty)
        #expect(SearchQuery.parse("a b").fts5() == "\"a\" AND \"b\"")
        #expect(SearchQuery.parse("\"x y\" zz*").tsquery(any: true) == "(x <-> y) | zz:*")
        #expect(SearchQuery.parse(String(repeating: "ord ", count: 40)).terms.count == 12)
    }

    @Test("compound words split at known words only")
    func compounds() {
        let s = CompoundSplitter(words: ["hjemløse", "hjemløs", "strategi", "strategien", "borger", "møde", "flag", "regulativ", "koordinator", "beredskab"])
        #expect(s.split("hjemløsestrategien") == ["hjemløse", "strategien"])
        #expect(s.split("beredskabskoordinator") == ["beredskab", "koordinator"])
        #expect(s.split("flagregulativ") == ["flag", "regulativ"])
        #expect(s.split("borgermøde") == [])  // the tail "møde" is shorter than five letters
        #expect(s.split("strategien") == [])
        #expect(s.parts(of: "Hjemløsestrategien og hjemløsestrategien, flagregulativ.") == ["hjemløse", "strategien", "flag", "regulativ"])
    }

    @Test("recency: a year-old match counts half of today's")
    func recency() {
        #expect(SearchRanking.combined(score: 10, date: "2026-11-30", today: "2026-11-30") == 10)
        #expect(SearchRanking.combined(score: 10, date: "2025-11-30", today: "2026-11-30") == 5)
        #expect(SearchRanking.combined(score: 10, date: "", today: "2026-11-30") == 5)
    }
}
