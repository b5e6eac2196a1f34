import Foundation
import KlartekstCore
import KlartekstExtraction
@testable import KlartekstStore
import KlartekstTestSupport
import Testing

/// The same contract on SQLite and PostgreSQL.
@Suite("Store contract")
struct StoreContractTests {
    static func hvidovre() throws -> ParsedMeeting { MeetingParser.parse(try Fixtures.hvidovreMeeting()) }

    @Test("migrations apply once and are idempotent", arguments: TestBackend.available)
    func migrations(backend: TestBackend) async throws {
        try await backend.withStore { store, _ in
            try await store.migrate()
            try await store.migrate()
            #expect(try await store.appliedMigrations() == ["0001-initial", "0002-sync-state", "0003-document-text", "0004-analysis", "0005-analysis-review", "0006-votes", "0007-error-reports", "0008-speech", "0009-search", "0010-alerts", "0011-search-prefixes", "0012-jobs", "0013-blobs", "0014-search-newest", "0015-search-municipality", "0016-search-fts-municipality"])
            #expect(try await store.counts() == StoreCounts())
        }
    }

    @Test("a statement run with its plan kept gives what a plain one gives, run after run, with every kind of value", arguments: TestBackend.available)
    func planKept(backend: TestBackend) async throws {
        try await backend.withStore { store, _ in
            _ = try await store.save(try Self.hvidovre())
            let sql = """
                SELECT number, title, CAST(? AS BIGINT) AS i, CAST(? AS TEXT) AS t, CAST(? AS DOUBLE PRECISION) AS f, CASE WHEN CAST(? AS BIGINT) IS NULL THEN 1 ELSE 0 END AS missing
                FROM item WHERE sorting >= ? AND title <> ? ORDER BY sorting LIMIT ? /* plan-kept-test */
                """
            // Past PostgreSQL's five custom plans, and with values that change what matches.
            for n in 0..<9 {
                let binds: [SQLValue] = [.int(Int64(n) - 4), .text("«æøå» \(n)"), .double(Double(n) / 3), n % 2 == 0 ? .null : .int(1), .int(Int64(n)), .text("x"), .int(Int64(5 + n))]
                let kept = try await store.db.read { try await $0.queryReusingPlan(sql, binds) }
                let plain = try await store.db.read { try await $0.query(sql, binds) }
                #expect(kept.map(\.values) == plain.map(\.values), "run \(n)")
                #expect(kept.count == 5 + n, "run \(n): \(kept.count) rows")
                #expect(kept.first?.int("i") == n - 4 && kept.first?.string("t") == "«æøå» \(n)" && kept.first?.int("missing") == (n % 2 == 0 ? 1 : 0))
            }
            if backend == .postgres {
                // Planned once, without the values: PostgreSQL made no custom plan for it.
                let stats = try await store.db.read {
                    try await $0.queryReusingPlan(
                        "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE ? AND statement NOT LIKE ?", [.text("%plan-kept-test%"), .text("%pg_prepared_statements%")])
                }
                #expect(!stats.isEmpty && stats.allSatisfy { $0.int("custom_plans") == 0 } && stats.reduce(0) { $0 + ($1.int("generic_plans") ?? 0) } >= 1, "\(stats)")
            }
            // A broken statement fails clearly, and the executor goes on working.
            let failure = await #expect(throws: (any Error).self) { try await store.db.read { try await $0.queryReusingPlan("SELECT no_such_column FROM item WHERE id = ?", [.int(1)]) } }
            #expect("\(failure.map { String(describing: $0) } ?? "")".contains("no_such_column"), "\(String(describing: failure))")
            let after = try await store.db.read { try await $0.queryReusingPlan("SELECT COUNT(*) AS n FROM item WHERE id > ?", [.int(0)]) }
            #expect(after.first?.int("n") == 22)
        }
    }

    @Test("an agenda is stored once; importing it again changes nothing", arguments: TestBackend.available)
    func idempotentImport(backend: TestBackend) async throws {
        try await backend.withStore { store, _ in
            let parsed = try Self.hvidovre()
            let first = try await store.save(parsed)
            #expect(first.itemsNew == 22 && first.documentIsNew)
            let counts = try await store.counts()
            #expect(counts.meetings == 1 && counts.items == 22 && counts.revisions == 22 && counts.documents == 1)
            #expect(counts.attachments == parsed.items.reduce(0) { $0 + $1.item.attachments.count })
            #expect(counts.sections == parsed.items.reduce(0) { $0 + $1.sections.count })
            let again = try await store.save(parsed)
            #expect(again.itemsNew == 0 && again.itemsRevised == 0 && again.itemsUnchanged == 22 && !again.documentIsNew)
            #expect(again.linksRefreshed == 0)
            #expect(try await store.counts() == counts)
        }
    }

    @Test("the same agenda republished with new GUIDs creates no new items, only fresh links", arguments: TestBackend.available)
    func republished(backend: TestBackend) async throws {
        try await backend.withStore { store, _ in
            let original = try Fixtures.hvidovreMeeting()
            _ = try await store.save(MeetingParser.parse(original))
            let before = try await store.counts()
            var republished = original
            republished.portalMeetingID = "99999999-aaaa-bbbb-cccc-000000000000"
            for i in republished.items.indices {
                republished.items[i].portalID = UUID().uuidString.lowercased()
                for j in republished.items[i].attachments.indices {
                    republished.items[i].attachments[j].portalID = "new-\(i)-\(j)"
                }
            }
            let report = try await store.save(MeetingParser.parse(republished))
            #expect(report.itemsNew == 0 && report.itemsRevised == 0 && report.itemsUnchanged == 22)
            #expect(report.linksRefreshed == 22)
            #expect(try await store.counts() == before)
            let page = try #require(try await store.item(municipality: "hvidovre", meeting: "oekonomiudvalget-2026-05-18", number: "3"))
            #expect(page.attachments.first?.portalID == "new-2-0")
            #expect(page.portalMeetingID == "99999999-aaaa-bbbb-cccc-000000000000")
        }
    }

    @Test("minutes with a decision add a revision and keep the agenda's", arguments: TestBackend.available)
    func minutesRevision(backend: TestBackend) async throws {
        try await backend.withStore { store, _ in
            let agenda = try Fixtures.hvidovreMeeting()
            _ = try await store.save(MeetingParser.parse(agenda))
            var minutes = agenda
            minutes.documentKind = .minutes
            minutes.documentName = "Referat"
            minutes.finished = true
            let index = try #require(minutes.items.firstIndex { $0.number == "8" })
            minutes.items[index].html = "<div><h3>Beslutning</h3><span><p>Godkendt.</p></span></div>" + minutes.items[index].html
            let report = try await store.save(MeetingParser.parse(minutes))
            #expect(report.itemsRevised == 1 && report.itemsUnchanged == 21 && report.documentIsNew)
            let counts = try await store.counts()
            #expect(counts.items == 22 && counts.revisions == 23 && counts.documents == 2)
            let page = try #require(try await store.item(municipality: "hvidovre", meeting: "oekonomiudvalget-2026-05-18", number: "8"))
            #expect(page.revisions.map(\.documentKind) == [.agenda, .minutes])
            #expect(page.sections.first?.kind == .decision && page.sections.first?.text == "Godkendt.")
            #expect(page.meeting.documentKind == .minutes)
            // The agenda again (older) does not move the item back.
            let old = try await store.save(MeetingParser.parse(agenda))
            #expect(old.itemsRevised == 0 && old.itemsUnchanged == 22)
            let still = try #require(try await store.item(municipality: "hvidovre", meeting: "oekonomiudvalget-2026-05-18", number: "8"))
            #expect(still.sections.first?.text == "Godkendt.")
            #expect(try await store.meeting(municipality: "hvidovre", slug: "oekonomiudvalget-2026-05-18")?.meeting.documentKind == .minutes)
        }
    }

    @Test("a failing save leaves nothing half-written", arguments: TestBackend.available)
    func atomic(backend: TestBackend) async throws {
        try await backend.withStore { store, _ in
            var parsed = try Self.hvidovre()
            // Two sections with the same ordinal violate a unique constraint in the last item.
            let last = parsed.items.count - 3
            parsed.items[last].sections.append(parsed.items[last].sections[0])
            await #expect(throws: (any Error).self) { try await store.save(parsed) }
            #expect(try await store.counts().items == 0)
            #expect(try await store.counts().meetings == 0)
            #expect(try await store.counts().committees == 0)
            // The store still works afterwards.
            #expect(try await store.save(try Self.hvidovre()).itemsNew == 22)
        }
    }

    @Test("the same case in two committees is linked as one case", arguments: TestBackend.available)
    func sameCase(backend: TestBackend) async throws {
        try await backend.withStore { store, _ in
            let agenda = try Fixtures.hvidovreMeeting()
            _ = try await store.save(MeetingParser.parse(agenda))
            var council = agenda
            council.committeeName = "Kommunalbestyrelsen"
            council.date = "2026-05-26"
            council.items = [agenda.items[2]]  // 26/1172 Grenhusene
            council.items[0].number = "7"
            _ = try await store.save(MeetingParser.parse(council))
            let casePage = try #require(try await store.caseItems(municipality: "hvidovre", caseSlug: "26-1172"))
            #expect(casePage.caseNumber == "26/1172")
            #expect(casePage.items.map(\.committeeName) == ["Økonomiudvalget", "Kommunalbestyrelsen"])
            let item = try #require(try await store.item(municipality: "hvidovre", meeting: "oekonomiudvalget-2026-05-18", number: "3"))
            #expect(item.related.map(\.meetingSlug) == ["kommunalbestyrelsen-2026-05-26"])
            // Procedural items sharing a case number are not linked as a case.
            #expect(try await store.caseItems(municipality: "hvidovre", caseSlug: "25-26257") == nil)
        }
    }

    @Test("read models: municipality, meeting in item order, item with sections and steps", arguments: TestBackend.available)
    func readModels(backend: TestBackend) async throws {
        try await backend.withStore { store, _ in
            try await store.upsertMunicipalities([
                Municipality(slug: "hvidovre", name: "Hvidovre Kommune", portalBaseURL: "https://dagsordener-referater.hvidovre.dk", portalKind: "firstagenda"),
                Municipality(slug: "kalundborg", name: "Kalundborg Kommune", portalBaseURL: "https://dagsordener.kalundborg.dk", portalKind: "firstagenda"),
            ])
            _ = try await store.save(try Self.hvidovre())
            _ = try await store.save(MeetingParser.parse(try Fixtures.kalundborgMeeting()))
            let all = try await store.municipalities()
            #expect(all.map(\.name) == ["Hvidovre Kommune", "Kalundborg Kommune"])
            #expect(all[0].itemCount == 22 && all[0].meetingCount == 1 && all[0].latestMeetingDate == "2026-05-18")
            let m = try #require(try await store.municipality(slug: "hvidovre"))
            #expect(m.committees.map(\.name) == ["Økonomiudvalget"])
            #expect(m.meetings.map(\.slug) == ["oekonomiudvalget-2026-05-18"])
            let meeting = try #require(try await store.meeting(municipality: "hvidovre", slug: "oekonomiudvalget-2026-05-18"))
            #expect(meeting.items.map(\.number) == (1...20).map(String.init) + ["33", "34"])
            #expect(meeting.items.filter { $0.status == .procedural }.map(\.number) == ["1", "2"])
            #expect(meeting.items.filter { $0.status == .closed }.map(\.number) == ["33", "34"])
            #expect(meeting.participants.count == 7)
            let k = try #require(try await store.municipality(slug: "kalundborg")).meetings[0]
            let item = try #require(try await store.item(municipality: "kalundborg", meeting: k.slug, number: "4"))
            #expect(item.item.title == "Beslutning om hjemløsestrategi")
            #expect(item.sections(.recommendation).map(\.text) == ["Direktøren indstiller, at hjemløsestrategien godkendes."])
            #expect(item.steps.map(\.text) == ["Anbefales.", "Anbefales.", "Anbefales."])
            #expect(item.attachments.count == 2)
            #expect(try await store.item(municipality: "kalundborg", meeting: k.slug, number: "99") == nil)
            #expect(try await store.meeting(municipality: "nowhere", slug: "x") == nil)
        }
    }

    @Test("concurrent saves of the same meeting store it once", arguments: TestBackend.available)
    func concurrentSaves(backend: TestBackend) async throws {
        try await backend.withStore { store, _ in
            let parsed = try Self.hvidovre()
            let reports = try await withThrowingTaskGroup(of: SaveReport.self) { group in
                for _ in 0..<4 { group.addTask { try await store.save(parsed) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(reports.map(\.itemsNew).reduce(0, +) == 22)
            #expect(try await store.counts().items == 22)
            #expect(try await store.counts().revisions == 22)
        }
    }
}
