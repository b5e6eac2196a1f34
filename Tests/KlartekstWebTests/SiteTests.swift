import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KlartekstApp
import KlartekstCore
import KlartekstExtraction
import KlartekstPipeline
import KlartekstStore
import KlartekstTestSupport
import KlartekstWeb
import Logging
import Prometheus
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The citizen-facing site (issue 9): the front page, the municipality finder, the item page's
/// order and size, and the spoken summary made by the real espeak-ng.
@Suite("Site: front page, finder, item page, audio")
struct SiteTests {
    /// Counts real syntheses, to prove the cache.
    final class Calls: @unchecked Sendable {
        private let lock = NSLock()
        private var n = 0
        func add() { lock.withLock { n += 1 } }
        var count: Int { lock.withLock { n } }
    }

    static func withSite(
        backend: TestBackend = .sqlite, today: String = "2026-05-01", speech: SpeechService? = nil,
        _ body: @Sendable (any TestClientProtocol, SQLStore) async throws -> Void
    ) async throws {
        try await backend.withStore { store, _ in
            let logger = Logger(label: "site-test")
            let importer = ImportService(store: store, registry: try Registry.bundled(), limitBytes: 64 << 20, logger: logger)
            #expect(await importer.importPaths([Fixtures.sampleDirectory.path]).allSatisfy { $0.error == nil })
            let library = try PromptLibrary.load(directory: Fixtures.root.appendingPathComponent("prompts"))
            _ = try await AnalyzeStage(store: store, library: library, backend: .deterministic, logger: logger).run()
            _ = await IndexStage(store: store, splitter: IndexStage.defaultSplitter(), logger: logger).run()
            var config = AppConfig(port: 0)
            config.promptsPath = Fixtures.root.appendingPathComponent("prompts").path
            config.speechCommand = "off"
            let app = try await App.buildApplication(config: config, store: store, metrics: PrometheusCollectorRegistry(), logger: logger) { deps in
                deps.today = { today }
                deps.speech = speech
            }
            try await app.test(.router) { client in try await body(client, store) }
        }
    }

    static func get(_ client: any TestClientProtocol, _ uri: String, headers: HTTPFields = [:]) async throws -> (HTTPResponse.Status, HTTPFields, String) {
        try await client.execute(uri: uri, method: .get, headers: headers) { r in (r.status, r.headers, String(buffer: r.body)) }
    }

    @Test("the front page: finder, next meetings, latest decisions with their question", arguments: TestBackend.available)
    func frontPage(backend: TestBackend) async throws {
        try await Self.withSite(backend: backend) { client, _ in
            let (status, _, body) = try await Self.get(client, "/")
            #expect(status == .ok)
            // The finder works without JavaScript: a GET form with a datalist of all 98 municipalities.
            #expect(body.contains("<form class=\"finder\" method=\"get\" action=\"/kommuner\""))
            #expect(body.contains("<label for=\"kommune-felt\">"))
            #expect(body.matches(of: /<option value="[^"]+ Kommune"><\/option>/).count >= 90)
            // On 1 May 2026 the Hvidovre meeting of 18 May is still to come.
            let next = try #require(body.range(of: "id=\"naeste\"").map { String(body[$0.upperBound...].prefix(1200)) })
            #expect(next.contains("Økonomiudvalget</a>, Hvidovre Kommune"))
            #expect(next.contains("mandag den 18. maj 2026 kl. 17.00"))
            // Kalundborg's item is decided: its question and the decision.
            let decided = try #require(body.range(of: "id=\"besluttet\"").map { String(body[$0.upperBound...].prefix(1500)) })
            #expect(decided.contains("Skal Kalundborg Kommune godkende hjemløsestrategien?"))
            #expect(decided.contains("besluttede") && decided.contains("Anbefalet"))
            #expect(body.contains("href=\"/emne/hjemloeshed\""))
        }
        // After the meeting day it is no longer "next".
        try await Self.withSite(backend: backend, today: "2026-05-19") { client, _ in
            let (_, _, body) = try await Self.get(client, "/")
            #expect(body.contains("Klartekst kender ingen kommende møder lige nu."))
        }
    }

    @Test("the finder: a unique match redirects, others list, unknown says so, Danish letters fold")
    func finder() async throws {
        try await Self.withSite { client, _ in
            for q in ["kal", "Kalundborg", "kalundborg%20kommune", "HVIDOVRE"] {
                let (status, headers, _) = try await Self.get(client, "/kommuner?q=\(q)")
                #expect(status == .seeOther, "\(q)")
                #expect(headers[.location]?.hasPrefix("/kommune/") == true, "\(q)")
            }
            // Aarhus is known but not collected: listed with its portal, no redirect.
            let (s1, _, aarhus) = try await Self.get(client, "/kommuner?q=%C3%A5rhus")
            #expect(s1 == .ok)
            #expect(aarhus.contains("Aarhus Kommune <span class=\"meta\">– Klartekst henter ikke dagsordener herfra endnu"))
            // Several matches: all listed, names starting with the query first.
            let (_, _, many) = try await Self.get(client, "/kommuner?q=frederiks")
            let names = many.matches(of: /<li>([^<]+) <span class="meta">/).map { String($0.output.1) }
            #expect(names == ["Frederiksberg Kommune", "Frederikshavn Kommune", "Frederikssund Kommune"])
            let (_, _, none) = try await Self.get(client, "/kommuner?q=%3Cscript%3Exyz")
            #expect(none.contains("Ingen kommune hedder noget med «&lt;script&gt;xyz»"))
            #expect(!none.contains("<script>xyz"))
            let (_, _, all) = try await Self.get(client, "/kommuner")
            #expect(all.matches(of: /<li>/).count >= 98)
        }
    }

    @Test("the item page reads in order: question, summary, answer, decision, sources, case text, attachments")
    func itemOrder() async throws {
        try await Self.withSite { client, store in
            let path = try await WebTests.kalundborgItemPath(store)
            let (status, _, body) = try await Self.get(client, path)
            #expect(status == .ok)
            let marks = [
                "class=\"question\">Skal Kalundborg Kommune godkende hjemløsestrategien?", "<h2 id=\"enig\">", "<h2 id=\"beslutning\">Hvad besluttede politikerne?",
                "<h2 id=\"kilder\">", "<h2>Sagens tekst</h2>",
            ]
            let positions = try marks.map { m in try #require(body.range(of: m)?.lowerBound, "missing \(m)") }
            #expect(positions == positions.sorted(), "sections out of order")
            // Sections are collapsed except the first ones a reader needs.
            #expect(body.contains("<details class=\"section\""))
            // No audio player without a speech engine.
            #expect(!body.contains("<audio"))
        }
    }

    @Test("every sample item page is at most 50 KB of HTML")
    func itemSize() async throws {
        try await Self.withSite { client, store in
            var pages = 0
            for m in ["hvidovre", "kalundborg"] {
                for meeting in try #require(try await store.municipality(slug: m)).meetings {
                    let items = try #require(try await store.meeting(municipality: m, slug: meeting.slug)).items
                    for i in items {
                        let (status, _, body) = try await Self.get(client, "/kommune/\(m)/moede/\(meeting.slug)/punkt/\(i.number)")
                        #expect(status == .ok)
                        #expect(body.utf8.count <= 50_000, "\(m) \(i.number): \(body.utf8.count) bytes")
                        pages += 1
                    }
                }
            }
            #expect(pages == 23)
        }
    }

    @Test("the spoken summary: espeak-ng makes a Danish WAV once, then it is served from the store, with ranges")
    func audio() async throws {
        let synthesizer = SpeechSynthesizer()
        guard await synthesizer.tool.version("--version") != nil else {
            Issue.record("espeak-ng is not installed (scripts/setup.sh installs it)")
            return
        }
        let calls = Calls()
        let speech = SpeechService(voiceKey: synthesizer.voiceKey) { text in
            calls.add()
            return try await synthesizer.wav(text)
        }
        try await Self.withSite(speech: speech) { client, store in
            let path = try await WebTests.kalundborgItemPath(store)
            let (_, _, page) = try await Self.get(client, path)
            let src = try #require(page.firstMatch(of: /<audio controls preload="none" src="(\/lyd\/[0-9]+)"/)?.output.1)
            let (s1, h1, wav) = try await client.execute(uri: String(src), method: .get) { r in (r.status, r.headers, Array(r.body.readableBytesView)) }
            #expect(s1 == .ok)
            #expect(h1[.contentType] == "audio/wav")
            #expect(wav.starts(with: Array("RIFF".utf8)) && Array(wav[8..<12]) == Array("WAVE".utf8))
            // 16-bit mono at 22,050 Hz: the question and two summary sentences last several seconds.
            let seconds = Double(wav.count - 44) / 44_100
            #expect(seconds > 3 && seconds < 300, "\(seconds) s")
            let (s2, _, again) = try await client.execute(uri: String(src), method: .get) { r in (r.status, r.headers, Array(r.body.readableBytesView)) }
            #expect(s2 == .ok && again == wav)
            #expect(calls.count == 1, "the second request must come from the cache")
            var range = HTTPFields()
            range[.range] = "bytes=0-11"
            let (s3, h3, part) = try await client.execute(uri: String(src), method: .get, headers: range) { r in (r.status, r.headers, Array(r.body.readableBytesView)) }
            #expect(s3 == .partialContent && part == Array(wav[0..<12]))
            #expect(h3[.contentRange] == "bytes 0-11/\(wav.count)")
            range[.range] = "bytes=\(wav.count + 10)-"
            #expect(try await client.execute(uri: String(src), method: .get, headers: range) { $0.status } == .rangeNotSatisfiable)
            // A relevance result or an unknown id has no audio.
            #expect(try await client.execute(uri: "/lyd/999999", method: .get) { $0.status } == .notFound)
            #expect(try await client.execute(uri: "/lyd/abc", method: .get) { $0.status } == .notFound)
        }
    }

    @Test("cached pages never share the personal answer box: each new participant gets their own token")
    func cacheKeepsAnswerBoxPersonal() async throws {
        try await Self.withSite { client, store in
            let path = try await WebTests.kalundborgItemPath(store)
            var tokens = Set<String>()
            var cookies = Set<String>()
            for _ in 0..<3 {
                let (status, headers, body) = try await Self.get(client, path)
                #expect(status == .ok)
                #expect(headers[.cacheControl] == "private, no-cache")
                tokens.insert(try #require(body.firstMatch(of: /name="csrf" value="([^"]+)"/)).output.1.description)
                cookies.insert(try #require(headers[.setCookie]))
                #expect(body.contains("Skal Kalundborg Kommune godkende hjemløsestrategien?"))
                #expect(!body.contains("<!--klartekst:answer-box-->"))
            }
            #expect(tokens.count == 3 && cookies.count == 3)
        }
    }

    @Test("the search page and API: stemmed matches with marked snippets, escaped input, filters in the form")
    func searchPage() async throws {
        try await Self.withSite { client, _ in
            let (status, _, page) = try await Self.get(client, "/soeg?q=hjeml%C3%B8se")
            #expect(status == .ok)
            #expect(page.contains("1 punkt passer."))
            #expect(page.contains("<a href=\"/kommune/kalundborg/moede/"))
            #expect(page.contains("<mark>hjemløs"), "the matched word is marked in the snippet")
            #expect(page.contains("<select id=\"soeg-kommune\" name=\"kommune\">"))
            #expect(page.contains("href=\"/feed/soeg.atom?q=hjeml%C3%B8se\""))
            let (_, _, hostile) = try await Self.get(client, "/soeg?q=%3Cscript%3Ealert(1)%3C/script%3E")
            #expect(!hostile.contains("<script>alert") && hostile.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            #expect(hostile.contains("Ingen punkter passer til søgningen."))
            // A form sends spaces as "+": two words (both must match), not a phrase.
            let (_, _, plus) = try await Self.get(client, "/soeg?q=borgere+beredskab")
            let (_, _, space) = try await Self.get(client, "/soeg?q=borgere%20beredskab")
            #expect(plus.contains("Borgermøde om beredskab") && plus.contains("Ansættelse af beredskabskoordinator"))
            #expect(plus.firstMatch(of: /[0-9]+ punkter? passer/)?.output == space.firstMatch(of: /[0-9]+ punkter? passer/)?.output)
            #expect(plus.contains("value=\"borgere beredskab\""))
            let (_, _, filtered) = try await Self.get(client, "/soeg?q=borger&kommune=kalundborg")
            #expect(filtered.contains("1 punkt passer.") && filtered.contains("<option value=\"kalundborg\" selected>"))
            let (_, _, empty) = try await Self.get(client, "/soeg")
            #expect(empty.contains("<form class=\"search\"") && !empty.contains("passer"))

            let (apiStatus, _, json) = try await Self.get(client, "/api/v1/search?q=hjeml%C3%B8shed")
            #expect(apiStatus == .ok)
            let body = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
            #expect(body?["total"] as? Int == 1)
            let first = (body?["results"] as? [[String: Any]])?.first
            #expect((first?["htmlURL"] as? String)?.hasPrefix("/kommune/kalundborg/moede/") == true)
            #expect((first?["snippet"] as? String)?.lowercased().contains("hjemløs") == true)
            #expect(try await client.execute(uri: "/api/v1/search", method: .get) { $0.status } == .badRequest)
        }
    }

    /// Entries of an Atom or RSS document, parsed as XML (a malformed feed fails here).
    final class FeedReader: NSObject, XMLParserDelegate, @unchecked Sendable {
        var titles: [String] = []
        var element = ""
        var inEntry = false
        var text = ""
        func parser(_ p: XMLParser, didStartElement e: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            if e == "entry" || e == "item" { inEntry = true }
            element = e
            text = ""
        }
        func parser(_ p: XMLParser, foundCharacters s: String) { text += s }
        func parser(_ p: XMLParser, didEndElement e: String, namespaceURI: String?, qualifiedName: String?) {
            if inEntry && e == "title" { titles.append(text) }
            if e == "entry" || e == "item" { inEntry = false }
        }
        static func titles(_ xml: String) -> [String]? {
            let reader = FeedReader()
            let parser = XMLParser(data: Data(xml.utf8))
            parser.delegate = reader
            return parser.parse() ? reader.titles : nil
        }
    }

    @Test("feeds: Atom and RSS for a municipality, a committee, a topic and a search; iCalendar for coming meetings")
    func feeds() async throws {
        try await Self.withSite { client, _ in
            let (s1, h1, atom) = try await Self.get(client, "/feed/kommune/hvidovre.atom")
            #expect(s1 == .ok && h1[.contentType] == "application/atom+xml; charset=utf-8")
            let titles = try #require(FeedReader.titles(atom), "the Atom feed is not well-formed XML")
            #expect(titles.count == 22 && titles.allSatisfy { $0.hasSuffix("(Hvidovre Kommune)") })
            #expect(try #require(FeedReader.titles(try await Self.get(client, "/feed/kommune/hvidovre.rss").2)).count == 22)
            #expect(try #require(FeedReader.titles(try await Self.get(client, "/feed/kommune/hvidovre.atom?udvalg=%C3%98konomiudvalget").2)).count == 22)
            #expect(try #require(FeedReader.titles(try await Self.get(client, "/feed/kommune/hvidovre.atom?udvalg=Byr%C3%A5det").2)).isEmpty)
            #expect(try #require(FeedReader.titles(try await Self.get(client, "/feed/emne/hjemloeshed.atom").2)) == ["Beslutning om hjemløsestrategi (Kalundborg Kommune)"])
            let borger = try #require(FeedReader.titles(try await Self.get(client, "/feed/soeg.atom?q=borger").2))
            // 14 items: the title, the text or the question holds a form of "borger".
            #expect(borger.count == 14, "\(borger)")
            #expect(try await Self.get(client, "/feed/soeg.atom").0 == .badRequest)
            #expect(try await Self.get(client, "/feed/kommune/findes-ikke.atom").0 == .notFound)
            #expect(try await Self.get(client, "/feed/kommune/hvidovre.xml").0 == .notFound)
            // The municipality page links its feeds.
            let (_, _, municipality) = try await Self.get(client, "/kommune/hvidovre")
            #expect(municipality.contains("<link rel=\"alternate\" type=\"application/atom+xml\"") && municipality.contains("/kalender/kommune/hvidovre.ics"))

            // On 1 May 2026 the meeting of 18 May at 17.00 Danish summer time is coming: 15.00 UTC.
            let (s2, h2, ics) = try await Self.get(client, "/kalender/kommune/hvidovre.ics")
            #expect(s2 == .ok && h2[.contentType] == "text/calendar; charset=utf-8")
            #expect(ics.hasPrefix("BEGIN:VCALENDAR\r\n") && ics.hasSuffix("END:VCALENDAR\r\n"))
            #expect(ics.contains("\r\nDTSTART:20260518T150000Z\r\n"))
            #expect(ics.contains("SUMMARY:Økonomiudvalget (Hvidovre Kommune)"))
            #expect(ics.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 75 })
            #expect(ics.components(separatedBy: "BEGIN:VEVENT").count == 2)
        }
    }
}
