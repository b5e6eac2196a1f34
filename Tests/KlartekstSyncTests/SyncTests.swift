import Foundation
import KlartekstApp
import KlartekstCore
import KlartekstPipeline
import KlartekstSources
import KlartekstStore
import KlartekstTestSupport
import Testing

@Suite("First Agenda sync against a fake portal on loopback")
struct SyncTests {
    @Test("two municipalities: every meeting, item and file stored once; a second sync only lists", arguments: TestBackend.available)
    func fullSync(backend: TestBackend) async throws {
        try await SyncHarness.with(backend: backend) { h in
            let reports = try await h.sync()
            #expect(reports.map(\.municipality) == ["hvidovre", "kalundborg"])
            for r in reports {
                #expect(r.fatal == nil && r.meetingsFailed == 0 && r.filesFailed == 0, "\(r)")
            }
            let expectedMeetings = h.hvidovre.meetings.count + h.kalundborg.meetings.count
            let counts = try await h.store.counts()
            #expect(counts.meetings == expectedMeetings)
            #expect(counts.items == 22 + (h.hvidovre.meetings.count - 1) + 1)
            // Every agenda fetched exactly once; every file once.
            for portal in [h.hvidovre, h.kalundborg] {
                #expect(SyncHarness.counts(portal, "/api/agenda/dagsorden/").values.allSatisfy { $0 == 1 })
                #expect(SyncHarness.counts(portal, "/api/agenda/dagsorden/").count == portal.meetings.count)
                #expect(SyncHarness.counts(portal, "/vis/pdf/bilag/").values.allSatisfy { $0 == 1 })
                #expect(portal.requests.allSatisfy { $0.userAgent.hasPrefix("Klartekst-test") })
            }
            let filesStored = reports.map(\.filesStored).reduce(0, +)
            let attachmentRequests = SyncHarness.counts(h.hvidovre, "/vis/pdf/bilag/").count + SyncHarness.counts(h.kalundborg, "/vis/pdf/bilag/").count
            let presentationRequests = SyncHarness.counts(h.hvidovre, "/Pdf/HentEksternPdf").count + SyncHarness.counts(h.kalundborg, "/Pdf/HentEksternPdf").count
            #expect(filesStored == attachmentRequests + presentationRequests)
            #expect(filesStored > 40)
            // Content-addressed: every stored file is in the blob folder under its sha256.
            let blobs = try FileBlobStore(root: h.blobsDir)
            let k = FileRef(municipality: "kalundborg", kind: .attachment, portalID: "224d4d7f-bd7b-49b6-bb3e-65c3aa0f7f1a")
            let stored = try #require(try await h.store.file(k))
            let data = try #require(try await blobs.get(stored.sha256))
            #expect(data == FakePortal.pdf(named: "224d4d7f-bd7b-49b6-bb3e-65c3aa0f7f1a"))
            // The Hvidovre portal wanted a session first.
            #expect(h.hvidovre.requests.contains { $0.path.hasPrefix("/Home/AnonymousAuthentication") })
            let agendaRequests = h.hvidovre.requests.filter { $0.path.hasPrefix("/api/agenda/dagsorden/") }
            #expect(agendaRequests.allSatisfy { $0.cookie })

            // Second sync: listing only (conditional), nothing new stored.
            h.hvidovre.clearLog()
            h.kalundborg.clearLog()
            let again = try await h.sync()
            #expect(again.allSatisfy { $0.pending == 0 && $0.meetingsStored == 0 && $0.filesStored == 0 && $0.fatal == nil })
            for portal in [h.hvidovre, h.kalundborg] {
                // A new process needs a new session (Hvidovre answers 302 first); then one conditional listing.
                let paths = Set(portal.requests.map(\.path).filter { !$0.hasPrefix("/Home/") })
                #expect(paths == ["/api/agenda/udvalgsliste"], "\(paths)")
                #expect(portal.requests.last?.status == 304)
                #expect(portal.requests.last?.conditional == true)
            }
            #expect(try await h.store.counts() == counts)
            let health = try await h.store.health(municipality: "hvidovre")
            #expect(health.lastSuccess != nil && health.consecutiveFailures == 0 && health.meetingsDone == health.meetingsKnown)
        }
    }

    @Test("429 with Retry-After is honoured; 500s and a slow answer are retried with backoff")
    func transientFaults() async throws {
        try await SyncHarness.with { h in
            h.kalundborg.add(.init("/api/agenda/udvalgsliste", times: 1, .status(429, retryAfter: "1")))
            h.kalundborg.add(.init("/api/agenda/dagsorden/", times: 2, .status(503, retryAfter: nil)))
            h.kalundborg.add(.init("/Pdf/HentEksternPdf", times: 1, .delay(seconds: 7)))
            let reports = try await h.sync(["kalundborg"])
            #expect(reports[0].fatal == nil && reports[0].meetingsFailed == 0 && reports[0].filesFailed == 0, "\(reports[0])")
            let log = h.kalundborg.requests
            let listing = log.filter { $0.path == "/api/agenda/udvalgsliste" }
            #expect(listing.map(\.status) == [429, 200])
            #expect(listing[1].at - listing[0].at >= .milliseconds(990))
            let agenda = log.filter { $0.path.hasPrefix("/api/agenda/dagsorden/") }
            #expect(agenda.map(\.status) == [503, 503, 200])
            // Backoff grows: base 20 ms × 2^(n-1), jittered into the upper half → at least 10 ms, then 20 ms.
            #expect(agenda[1].at - agenda[0].at >= .milliseconds(10))
            #expect(agenda[2].at - agenda[1].at >= .milliseconds(20))
            #expect(h.kalundborg.started.filter { $0.hasPrefix("/Pdf/HentEksternPdf") }.count == 2)  // timed out once, then fetched
            #expect(try await h.store.counts().items == 1)
        }
    }

    @Test("truncated JSON fails that meeting with a clear error; the next sync repairs it")
    func truncated() async throws {
        try await SyncHarness.with { h in
            let victim = try #require(h.hvidovre.meetings.last)
            h.hvidovre.add(.init("/api/agenda/dagsorden/\(victim.id)", times: 1, .truncate))
            let first = try await h.sync(["hvidovre"], files: false)[0]
            #expect(first.meetingsFailed == 1)
            #expect(first.errors.first?.contains("not valid JSON") == true)
            #expect(try await h.store.counts().meetings == h.hvidovre.meetings.count - 1)
            #expect(try await h.store.health(municipality: "hvidovre").consecutiveFailures == 1)
            let second = try await h.sync(["hvidovre"], files: false)[0]
            #expect(second.meetingsFailed == 0 && second.meetingsStored == 1)
            #expect(try await h.store.counts().meetings == h.hvidovre.meetings.count)
            #expect(try await h.store.health(municipality: "hvidovre").consecutiveFailures == 0)
        }
    }

    @Test("a viewer page is followed to its PDF, an expired redirect is asked again, an HTML page is refused")
    func fileFaults() async throws {
        try await SyncHarness.with { h in
            h.kalundborg.add(.init("/vis/pdf/bilag/224d4d7f", times: 1, .viewerPage))
            h.kalundborg.add(.init("/vis/pdf/bilag/d57afb62", times: 1, .expiredRedirect))
            h.kalundborg.add(.init("/Pdf/HentEksternPdf", times: 1, .notPDF))
            let r = try await h.sync(["kalundborg"])[0]
            #expect(r.filesStored == 2 && r.filesFailed == 1, "\(r)")
            #expect(r.errors.contains { $0.contains("not a PDF (text/html") })
            for id in ["224d4d7f-bd7b-49b6-bb3e-65c3aa0f7f1a", "d57afb62-ef20-4858-a6b0-bf51da2fbb44"] {
                let f = try #require(try await h.store.file(FileRef(municipality: "kalundborg", kind: .attachment, portalID: id)))
                #expect(f.sha256 == ContentHash.sha256(FakePortal.pdf(named: id)))
            }
            #expect(try await h.store.file(FileRef(municipality: "kalundborg", kind: .presentation, portalID: "d2107847-6993-4024-92ae-a1082dc879f2")) == nil)
            // The refused file is retried by the next sync and then stored.
            let again = try await h.sync(["kalundborg"])[0]
            #expect(again.filesStored == 1 && again.filesFailed == 0)
        }
    }

    @Test("a republished meeting with new GUIDs duplicates nothing; minutes replacing the agenda add revisions")
    func republishAndMinutes() async throws {
        try await SyncHarness.with { h in
            _ = try await h.sync(["hvidovre"], files: false)
            let before = try await h.store.counts()
            // Republish: the same content under a new meeting id and new item GUIDs.
            var meetings = h.hvidovre.meetings
            let old = meetings[0]
            var json = try JSONSerialization.jsonObject(with: old.agenda) as! [String: Any]
            var items = json["Dagsordenpunkter"] as! [[String: Any]]
            for i in items.indices { items[i]["Id"] = UUID().uuidString.lowercased() }
            json["Dagsordenpunkter"] = items
            json["Id"] = "11111111-2222-3333-4444-555555555555"
            meetings[0] = FakePortal.Meeting(
                id: "11111111-2222-3333-4444-555555555555", committeeID: old.committeeID, committeeName: old.committeeName,
                date: old.date, name: old.name, finished: false, released: old.released,
                agenda: try JSONSerialization.data(withJSONObject: json))
            h.hvidovre.replaceMeetings(meetings)
            let r1 = try await h.sync(["hvidovre"], files: false)[0]
            #expect(r1.itemsNew == 0 && r1.itemsRevised == 0 && r1.meetingsFailed == 0)
            var after = try await h.store.counts()
            #expect(after.items == before.items && after.revisions == before.revisions && after.meetings == before.meetings)

            // Minutes: the portal marks the meeting finished and adds decisions.
            items[7]["Felter"] = [["Html": "<div><h3>Beslutning</h3><span><p>Godkendt.</p></span></div>" + ((items[7]["Felter"] as! [[String: Any]])[0]["Html"] as! String),
                                   "Link": "x", "DocumentId": "00000000-0000-0000-0000-000000000000"]]
            json["Dagsordenpunkter"] = items
            json["Moede"] = ["Id": "00000000-0000-0000-0000-000000000000", "Dato": "2026-05-18T17:00:00+02:00", "Navn": "Referat", "Afsluttet": true]
            meetings[0].name = "Referat"
            meetings[0].finished = true
            meetings[0].released = "2026-05-20T10:00:00"
            meetings[0].agenda = try JSONSerialization.data(withJSONObject: json)
            h.hvidovre.replaceMeetings(meetings)
            let r2 = try await h.sync(["hvidovre"], files: false)[0]
            #expect(r2.itemsRevised == 1 && r2.itemsNew == 0, "\(r2)")
            after = try await h.store.counts()
            #expect(after.items == before.items && after.revisions == before.revisions + 1)
            let page = try #require(try await h.store.item(municipality: "hvidovre", meeting: "oekonomiudvalget-2026-05-18", number: "8"))
            #expect(page.revisions.map(\.documentKind) == [.agenda, .minutes])
            #expect(page.meeting.documentKind == .minutes)
        }
    }

    @Test("a portal that keeps failing trips the circuit breaker: no request storm")
    func breaker() async throws {
        try await SyncHarness.with { h in
            h.kalundborg.add(.init("/api", times: 1000, .status(500, retryAfter: nil)))
            let r = try await h.sync(["kalundborg"])[0]
            #expect(r.fatal != nil)
            #expect(h.kalundborg.requests.count <= SyncHarness.testPoliteness.breakerThreshold + 2)
            let health = try await h.store.health(municipality: "kalundborg")
            #expect(health.consecutiveFailures == 1 && health.lastError != nil)
        }
    }

    @Test("politeness: at most N requests in flight per host, and a minimum interval between starts")
    func politeness() async throws {
        try await SyncHarness.with { h in
            var p = SyncHarness.testPoliteness
            p.minInterval = .milliseconds(100)
            p.maxConcurrentPerHost = 2
            _ = try await h.sync(["kalundborg"], politeness: p)
            let starts = h.kalundborg.requests.map(\.at).sorted()
            #expect(starts.count >= 5)
            // Seen from the portal the request starts are spaced on average by the interval (a single
            // gap can shrink when one request waited for a new connection and the next did not).
            let span = try #require(starts.last) - starts[0]
            #expect(span >= .milliseconds(90) * (starts.count - 1), "\(starts.count) requests in \(span)")
            #expect(h.kalundborg.maxConcurrentRequests <= 2)
        }
    }
}

@Suite("Discovery fallback")
struct DiscoveryFallbackTests {
    @Test("an unusable committee list falls back to searching by year")
    func searchFallback() async throws {
        try await SyncHarness.with { h in
            h.kalundborg.add(.init("/api/agenda/udvalgsliste", times: 1, .truncate))
            let r = try await h.sync(["kalundborg"], since: "2026-01-01", files: false)[0]
            #expect(r.fatal == nil && r.discovered == 1 && r.meetingsStored == 1, "\(r)")
            #expect(h.kalundborg.requests.contains { $0.path.contains("/api/agenda/soeg/") && $0.path.contains("moedeDato=2026") })
        }
    }
}
