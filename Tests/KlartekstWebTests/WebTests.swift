import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KlartekstApp
import KlartekstCore
import KlartekstStore
import KlartekstTestSupport
import Logging
import Prometheus
import Testing

/// Pages and API against a real store filled from the bundled sample, through the router
/// (no sockets), plus one live server on loopback.
@Suite("Web pages and API")
struct WebTests {
    static let hvidovreMeeting = "/kommune/hvidovre/moede/oekonomiudvalget-2026-05-18"

    static func withApp(
        backend: TestBackend = .sqlite, _ testing: TestingSetup = .router,
        _ body: @Sendable (any TestClientProtocol, SQLStore) async throws -> Void
    ) async throws {
        try await backend.withStore { store, _ in
            let logger = Logger(label: "web-test")
            let importer = ImportService(store: store, registry: try Registry.bundled(), limitBytes: 64 << 20, logger: logger)
            let results = await importer.importPaths([Fixtures.sampleDirectory.path])
            #expect(results.allSatisfy { $0.error == nil })
            let app = try await App.buildApplication(
                config: AppConfig(port: 0), store: store, metrics: PrometheusCollectorRegistry(), logger: logger)
            try await app.test(testing) { client in try await body(client, store) }
        }
    }

    static func kalundborgItemPath(_ store: SQLStore) async throws -> String {
        let meeting = try #require(try await store.municipality(slug: "kalundborg")?.meetings.first)
        return "/kommune/kalundborg/moede/\(meeting.slug)/punkt/4"
    }

    @Test("the front page lists the municipalities")
    func home() async throws {
        try await Self.withApp { client, _ in
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .ok)
                let body = String(buffer: response.body)
                #expect(body.contains("<html lang=\"da\">"))
                #expect(body.contains("Hvidovre Kommune"))
                #expect(body.contains("Kalundborg Kommune"))
                #expect(body.contains("22 punkter"))
            }
        }
    }

    @Test("the Hvidovre meeting lists its 22 items; 1–2 procedural, 33–34 closed")
    func meetingPage() async throws {
        try await Self.withApp { client, _ in
            try await client.execute(uri: Self.hvidovreMeeting, method: .get) { response in
                #expect(response.status == .ok)
                let body = String(buffer: response.body)
                let items = body.matches(of: /<li class="item (public|procedural|closed)">\s*<span class="num">([0-9]+)\./)
                #expect(items.count == 22)
                let status = Dictionary(uniqueKeysWithValues: items.map { (String($0.output.2), String($0.output.1)) })
                #expect(status["1"] == "procedural" && status["2"] == "procedural")
                #expect(status["33"] == "closed" && status["34"] == "closed")
                #expect(status.filter { $0.value == "public" }.count == 18)
                #expect(body.contains("mandag den 18. maj 2026 kl. 17.00"))
                #expect(body.contains("Formelt punkt") && body.contains("Lukket punkt"))
            }
        }
    }

    @Test("the Kalundborg item page shows title, recommendation and the three 'Anbefales.'")
    func kalundborgItem() async throws {
        try await Self.withApp { client, store in
            let path = try await Self.kalundborgItemPath(store)
            try await client.execute(uri: path, method: .get) { response in
                #expect(response.status == .ok)
                let body = String(buffer: response.body)
                #expect(body.contains("<h1>Beslutning om hjemløsestrategi</h1>"))
                #expect(body.contains("Direktøren indstiller, at hjemløsestrategien godkendes."))
                let timeline = try #require(body.range(of: "<ol class=\"timeline\">").map { String(body[$0.lowerBound...]) })
                let steps = String(timeline.prefix(upTo: timeline.range(of: "</ol>")!.lowerBound))
                #expect(steps.components(separatedBy: "Anbefales.").count - 1 == 3)
                #expect(steps.contains("17. november 2025") && steps.contains("Direktionen"))
                #expect(body.contains("https://dagsordener.kalundborg.dk/vis/pdf/bilag/224d4d7f-bd7b-49b6-bb3e-65c3aa0f7f1a/?redirectDirectlyToPdf=true"))
                #expect(body.utf8.count < 50_000)
            }
        }
    }

    @Test("unknown municipality, meeting and item are 404, as a Danish page and as JSON", arguments: [
        "/kommune/atlantis", "/kommune/hvidovre/moede/ingen-2026-01-01", "\(hvidovreMeeting)/punkt/99", "/kommune/hvidovre/sag/00-000",
        "/findes/ikke",
    ])
    func notFound(path: String) async throws {
        try await Self.withApp { client, _ in
            try await client.execute(uri: path, method: .get) { response in
                #expect(response.status == .notFound)
                #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
                #expect(String(buffer: response.body).contains("lang=\"da\""))
            }
            try await client.execute(uri: "/api/v1/municipalities/atlantis", method: .get) { response in
                #expect(response.status == .notFound)
                let json = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                #expect((json?["error"] as? [String: Any])?["status"] as? Int == 404)
            }
        }
    }

    @Test("pages carry an ETag; a matching If-None-Match gets 304 without a body")
    func etag() async throws {
        try await Self.withApp { client, _ in
            let etag = try await client.execute(uri: Self.hvidovreMeeting, method: .get) { response in
                #expect(response.headers[.cacheControl] == "public, max-age=60")
                return try #require(response.headers[.eTag])
            }
            try await client.execute(uri: Self.hvidovreMeeting, method: .get, headers: [.ifNoneMatch: etag]) { response in
                #expect(response.status == .notModified)
                #expect(response.body.readableBytes == 0)
            }
            try await client.execute(uri: Self.hvidovreMeeting, method: .get, headers: [.ifNoneMatch: "\"other\""]) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test("security headers on pages, API and errors; the CSP allows no inline script")
    func securityHeaders() async throws {
        try await Self.withApp { client, _ in
            for path in ["/", "/api/v1/municipalities", "/kommune/atlantis"] {
                try await client.execute(uri: path, method: .get) { response in
                    let csp = try #require(response.headers[.contentSecurityPolicy])
                    #expect(csp.contains("default-src 'none'") && !csp.contains("unsafe-inline"))
                    #expect(response.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
                    #expect(response.headers[HTTPField.Name("Referrer-Policy")!] != nil)
                }
            }
        }
    }

    @Test("the JSON API serves the same item, and the OpenAPI document names every route")
    func api() async throws {
        try await Self.withApp { client, store in
            let path = try await Self.kalundborgItemPath(store).replacingOccurrences(of: "/kommune/", with: "/api/v1/municipalities/")
                .replacingOccurrences(of: "/moede/", with: "/meetings/").replacingOccurrences(of: "/punkt/", with: "/items/")
            try await client.execute(uri: path, method: .get) { response in
                #expect(response.status == .ok)
                let json = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                #expect((json["item"] as? [String: Any])?["title"] as? String == "Beslutning om hjemløsestrategi")
                #expect(json["recommendation"] as? [String] == ["Direktøren indstiller, at hjemløsestrategien godkendes."])
                #expect((json["steps"] as? [[String: Any]])?.count == 3)
                #expect((json["sections"] as? [[String: Any]])?.count == 8)
            }
            try await client.execute(uri: "/api/v1/municipalities/hvidovre/meetings/oekonomiudvalget-2026-05-18", method: .get) { response in
                let json = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                #expect((json["items"] as? [[String: Any]])?.count == 22)
            }
            try await client.execute(uri: "/api/v1/openapi.json", method: .get) { response in
                let json = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                let paths = try #require(json["paths"] as? [String: Any])
                for path in [
                    "/api/v1/municipalities/{municipality}/meetings/{meeting}/items/{number}",
                    "/api/v1/municipalities/{municipality}/meetings/{meeting}/items/{number}/answer",
                    "/api/v1/municipalities/{municipality}/meetings/{meeting}/items/{number}/answers",
                    "/api/v1/municipalities/{municipality}/answers", "/api/v1/participant",
                ] {
                    #expect(paths.keys.contains(path), "\(path)")
                }
                #expect(json["openapi"] as? String == "3.1.0")
            }
        }
    }

    @Test("script in portal HTML never reaches the page")
    func xssEndToEnd() async throws {
        try await TestBackend.sqlite.withStore { store, _ in
            let logger = Logger(label: "web-test")
            let importer = ImportService(store: store, registry: try Registry.bundled(), limitBytes: 64 << 20, logger: logger)
            let item: [String: Any] = [
                "Caption": "<script>alert('titel')</script>Farlig titel", "Number": "1", "CaseNumber": "26/1", "IsOpen": true,
                "Felter": [[
                    "Html": "<div><h3>Indstilling</h3><span><p>Forvaltningen indstiller<script>alert(1)</script><img src=x onerror=alert(2)></p></span></div>",
                    "Link": "https://dagsordener-referater.hvidovre.dk/Vis/Pdf/bilag/x",
                ]],
                "Bilag": [["Id": "11111111-2222-3333-4444-555555555555", "Navn": "\"><script>alert(3)</script>", "HarPdfVersion": true]],
            ]
            _ = try await importer.importData(
                try JSONSerialization.data(withJSONObject: item), source: "xss.json",
                overrides: .init(committee: "Testudvalget", date: "2026-01-02"))
            let app = try await App.buildApplication(config: AppConfig(port: 0), store: store, metrics: PrometheusCollectorRegistry(), logger: logger)
            try await app.test(.router) { client in
                try await client.execute(uri: "/kommune/hvidovre/moede/testudvalget-2026-01-02/punkt/1", method: .get) { response in
                    #expect(response.status == .ok)
                    let body = String(buffer: response.body)
                    // Our own same-origin file is the only script; nothing from the portal.
                    #expect(body.components(separatedBy: "<script").count == 2 && body.contains("<script src=\"/static/klartekst.js\" defer></script>"))
                    #expect(!body.replacingOccurrences(of: "<script src=\"/static/klartekst.js\" defer></script>", with: "").lowercased().contains("<script"))
                    #expect(!body.contains("onerror"))
                    #expect(body.contains("&lt;script&gt;alert(&#39;titel&#39;)&lt;/script&gt;Farlig titel") || body.contains("&lt;script&gt;alert(&#x27;titel&#x27;)&lt;/script&gt;Farlig titel"))
                }
            }
        }
    }

    @Test("a live server on loopback answers health, pages and metrics")
    func live() async throws {
        try await Self.withApp(.live) { client, _ in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "ok\n")
            }
            try await client.execute(uri: "/static/klartekst.css", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/css; charset=utf-8")
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test("pages render the same on PostgreSQL", arguments: TestBackend.available)
    func onBothBackends(backend: TestBackend) async throws {
        try await Self.withApp(backend: backend) { client, _ in
            try await client.execute(uri: Self.hvidovreMeeting, method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).components(separatedBy: "<li class=\"item ").count - 1 == 22)
            }
        }
    }
}
