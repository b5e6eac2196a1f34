import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KlartekstApp
import KlartekstCore
import KlartekstStore
import KlartekstWeb
import KlartekstTestSupport
import Logging
import NIOCore
import Prometheus
import Testing

/// Citizens answer "Er du enig eller uenig?": the form without JavaScript, the JSON path the
/// script uses, the API; one answer per participant; CSRF, signed cookies, rate limits, the
/// new-participant guard, GDPR deletion. Real SQLite store with the sample, real router.
@Suite("Citizens' answers")
struct AnswerTests {
    static func config(_ change: (inout AppConfig) -> Void = { _ in }) -> AppConfig {
        var c = AppConfig(port: 0)
        c.securitySecrets = ["answer-test-secret-0123456789"]
        c.promptsPath = Fixtures.root.appendingPathComponent("prompts").path
        c.votesBurstMinimum = 1000
        change(&c)
        return c
    }

    static func withApp(
        _ testing: TestingSetup = .router, backend: TestBackend = .sqlite, config: AppConfig = config(),
        _ body: @Sendable (any TestClientProtocol, SQLStore, String) async throws -> Void
    ) async throws {
        try await backend.withStore { store, _ in
            let logger = Logger(label: "answer-test", factory: { _ in SwiftLogNoOpLogHandler() })
            let importer = ImportService(store: store, registry: try Registry.bundled(), limitBytes: 64 << 20, logger: logger)
            _ = await importer.importPaths([Fixtures.sampleDirectory.path])
            let meeting = try #require(try await store.municipality(slug: "kalundborg")?.meetings.first)
            let app = try await App.buildApplication(config: config, store: store, metrics: PrometheusCollectorRegistry(), logger: logger)
            try await app.test(testing) { client in try await body(client, store, "/kommune/kalundborg/moede/\(meeting.slug)/punkt/4") }
        }
    }

    /// A participant as a browser holds it: the cookie and the form's CSRF token.
    struct Visitor: Sendable {
        var cookie: String
        var csrf: String
    }

    static func visit(_ client: any TestClientProtocol, _ path: String, cookie: String? = nil) async throws -> (Visitor, String) {
        var headers: HTTPFields = [:]
        if let cookie { headers[.cookie] = cookie }
        return try await client.execute(uri: path, method: .get, headers: headers) { response in
            #expect(response.status == .ok)
            let body = String(buffer: response.body)
            let set = response.headers[.setCookie].map { String($0.split(separator: ";")[0]) }
            let csrf = try #require(body.firstMatch(of: /name="csrf" value="([^"]+)"/).map { String($0.output.1) })
            return (Visitor(cookie: set ?? cookie ?? "", csrf: csrf), body)
        }
    }

    static func form(_ fields: [String: String]) -> ByteBuffer {
        ByteBuffer(string: fields.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0.value)" }.joined(separator: "&"))
    }

    static func answer(_ client: any TestClientProtocol, _ path: String, _ v: Visitor, _ choice: String, json: Bool = false, extra: HTTPFields = [:]) async throws -> (HTTPResponse.Status, String) {
        var headers: HTTPFields = [.cookie: v.cookie, .contentType: "application/x-www-form-urlencoded"]
        if json { headers[.accept] = "application/json" }
        headers.append(contentsOf: extra)
        return try await client.execute(uri: path + "/svar", method: .post, headers: headers, body: form(["csrf": v.csrf, "choice": choice])) {
            ($0.status, String(buffer: $0.body) + ($0.headers[.location].map { "\nLocation: \($0)" } ?? ""))
        }
    }

    @Test("without JavaScript: a form POST, a redirect back, the answer shown with results and the decision; changing it updates the tally")
    func noJS() async throws {
        try await Self.withApp { client, store, path in
            let (v, first) = try await Self.visit(client, path)
            #expect(v.cookie.hasPrefix("kt_deltager="))
            #expect(first.contains("<h2 id=\"enig\">Er du enig eller uenig?</h2>") && first.contains("Svar for at se, hvad andre har svaret."))
            #expect(first.contains("aria-pressed=\"false\">Enig</button>"))
            #expect(first.contains("<strong>Politikerne besluttede:</strong> Anbefalet."))
            let (status, location) = try await Self.answer(client, path, v, "agree")
            #expect(status == .seeOther && location.hasSuffix("Location: \(path)#svar"))
            let (_, after) = try await Self.visit(client, path, cookie: v.cookie)
            #expect(after.contains("Dit svar: <strong>Enig</strong>"))
            #expect(after.contains("aria-pressed=\"true\">Enig</button>"))
            #expect(after.contains("(1 svar)") && after.contains("<span class=\"pct\">100 %</span>"))
            _ = try await Self.answer(client, path, v, "disagree")
            let key = try #require(try await store.analysisInputs(municipality: "kalundborg", itemKey: nil).first?.itemKey)
            let counts = try await store.voteCounts(itemKey: key, newSince: Date().addingTimeInterval(-600))
            #expect(counts.total == 1 && counts.count(.disagree) == 1 && counts.count(.agree) == 0)
            // The decision next to the citizens' answer.
            let (_, decided) = try await Self.visit(client, path, cookie: v.cookie)
            #expect(decided.contains("Flertallet af borgerne, der har svaret, er uenige i beslutningen."))
        }
    }

    @Test("the script's path: JSON back, no reload; and the API with a token from /api/v1/participant")
    func jsonAndAPI() async throws {
        try await Self.withApp { client, _, path in
            let (v, _) = try await Self.visit(client, path)
            let (status, body) = try await Self.answer(client, path, v, "pass", json: true)
            #expect(status == .ok)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
            #expect(json["yourAnswer"] as? String == "pass")
            #expect((json["tally"] as? [String: Any])?["participants"] as? Int == 1)

            let api = "/api/v1/municipalities/kalundborg/meetings/\(path.split(separator: "/")[3])/items/4"
            var cookie = ""
            var token = ""
            try await client.execute(uri: "/api/v1/participant", method: .get) { response in
                cookie = String((response.headers[.setCookie] ?? "").split(separator: ";")[0])
                token = try #require((try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: String])?["csrfToken"])
            }
            let headers: HTTPFields = [.cookie: cookie, .contentType: "application/json", HTTPField.Name("X-CSRF-Token")!: token]
            try await client.execute(uri: api + "/answer", method: .post, headers: headers, body: ByteBuffer(string: #"{"choice": "agree"}"#)) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: api + "/answer", method: .post, headers: headers, body: ByteBuffer(string: #"{"choice": "maybe"}"#)) { response in
                #expect(response.status == .badRequest)
            }
            try await client.execute(uri: api + "/answers", method: .get, headers: [.cookie: cookie]) { response in
                let json = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                let tally = try #require(json["tally"] as? [String: Any])
                #expect(tally["participants"] as? Int == 2 && json["yourAnswer"] as? String == "agree")
                #expect((json["decision"] as? [String: Any])?["outcome"] as? String == "recommended")
            }
        }
    }

    @Test("CSRF: no token, another participant's token, or another site's Origin is refused")
    func csrf() async throws {
        try await Self.withApp { client, store, path in
            let (a, _) = try await Self.visit(client, path)
            let (b, _) = try await Self.visit(client, path)
            #expect(a.cookie != b.cookie)
            var missing = a
            missing.csrf = ""
            #expect(try await Self.answer(client, path, missing, "agree").0 == .forbidden)
            var swapped = a
            swapped.csrf = b.csrf
            #expect(try await Self.answer(client, path, swapped, "agree").0 == .forbidden)
            #expect(try await Self.answer(client, path, a, "agree", extra: [.origin: "https://evil.example"]).0 == .forbidden)
            let key = try #require(try await store.analysisInputs(municipality: "kalundborg", itemKey: nil).first?.itemKey)
            #expect(try await store.voteCounts(itemKey: key, newSince: Date()).total == 0)
        }
    }

    @Test("a forged or tampered participant cookie is not accepted")
    func tampered() async throws {
        try await Self.withApp { client, store, path in
            let (v, _) = try await Self.visit(client, path)
            let value = String(v.cookie.dropFirst("kt_deltager=".count))
            let (id, sig) = (value.split(separator: ".")[0], value.split(separator: ".")[1])
            let otherID = String(id.reversed())
            for forged in ["kt_deltager=\(otherID).\(sig)", "kt_deltager=\(id).\(sig.dropLast(2))AA", "kt_deltager=\(id)", "kt_deltager=\(otherID).\(otherID)"] {
                var f = v
                f.cookie = forged
                #expect(try await Self.answer(client, path, f, "agree").0 == .forbidden, "\(forged)")
                // The page ignores it and issues a new participant.
                try await client.execute(uri: path, method: .get, headers: [.cookie: forged]) { response in
                    #expect(response.headers[.setCookie]?.hasPrefix("kt_deltager=") == true)
                }
            }
            let key = try #require(try await store.analysisInputs(municipality: "kalundborg", itemKey: nil).first?.itemKey)
            #expect(try await store.voteCounts(itemKey: key, newSince: Date()).total == 0)
        }
    }

    @Test("rate limit per participant")
    func rateLimit() async throws {
        try await Self.withApp(config: Self.config { $0.votesPerParticipant = 5 }) { client, _, path in
            let (v, _) = try await Self.visit(client, path)
            var statuses: [HTTPResponse.Status] = []
            for i in 0..<7 { statuses.append(try await Self.answer(client, path, v, i % 2 == 0 ? "agree" : "disagree").0) }
            #expect(statuses == Array(repeating: .seeOther, count: 5) + [.tooManyRequests, .tooManyRequests])
            // Another participant is not limited by the first one's answers.
            let (w, _) = try await Self.visit(client, path)
            #expect(try await Self.answer(client, path, w, "agree").0 == .seeOther)
        }
    }

    @Test("procedural and closed items take no answers")
    func procedural() async throws {
        try await Self.withApp { client, _, path in
            let (v, _) = try await Self.visit(client, path)
            let agenda = "/kommune/hvidovre/moede/oekonomiudvalget-2026-05-18/punkt/"
            for n in ["1", "33"] {
                try await client.execute(uri: agenda + n, method: .get) { response in
                    #expect(!String(buffer: response.body).contains("Er du enig eller uenig?"))
                    #expect(response.headers[.setCookie] == nil)
                }
                #expect(try await Self.answer(client, agenda + n, v, "agree").0 == .badRequest)
            }
        }
    }

    @Test("a participant sees and deletes their answers; the tally follows")
    func gdpr() async throws {
        try await Self.withApp { client, store, path in
            let (v, _) = try await Self.visit(client, path)
            _ = try await Self.answer(client, path, v, "agree")
            let (mine, page) = try await Self.visit(client, "/mine-svar", cookie: v.cookie)
            #expect(page.contains("Beslutning om hjemløsestrategi</a>: <strong>Enig</strong>"))
            try await client.execute(uri: "/mine-svar/slet", method: .post, headers: [.cookie: v.cookie, .contentType: "application/x-www-form-urlencoded"],
                body: Self.form(["csrf": mine.csrf])) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("1 svar er slettet"))
                #expect(response.headers[.setCookie]?.contains("Max-Age=0") == true)
            }
            let key = try #require(try await store.analysisInputs(municipality: "kalundborg", itemKey: nil).first?.itemKey)
            #expect(try await store.voteCounts(itemKey: key, newSince: Date()).total == 0)
            try await client.execute(uri: "/privatliv", method: .get) { response in
                #expect(String(buffer: response.body).contains("Adressen skrives aldrig i databasen."))
            }
        }
    }

    @Test("a burst of brand-new participants is flagged to operators and shown on the operators' page")
    func burst() async throws {
        try await Self.withApp(config: Self.config {
            $0.votesBurstMinimum = 5
            $0.votesBurstCheckSeconds = 0
            $0.adminUser = "ops"
            $0.adminPassword = "ops-password-123"
        }) { client, store, path in
            for _ in 0..<6 {
                let (v, _) = try await Self.visit(client, path)
                _ = try await Self.answer(client, path, v, "disagree")
            }
            let flags = try await store.voteFlags(limit: 10)
            #expect(flags.count == 1 && flags[0].kind == "burst" && flags[0].detail.hasPrefix("5 af 5 svar"))
            try await client.execute(uri: "/drift/svar/kalundborg", method: .get,
                headers: [.authorization: "Basic " + Data("ops:ops-password-123".utf8).base64EncodedString()]) { response in
                #expect(response.status == .ok && String(buffer: response.body).contains("5 af 5 svar kommer fra deltagere"))
            }
        }
    }

    @Test("200 concurrent answers from 50 participants over HTTP: exactly 50 stored, each participant's last answer wins", arguments: TestBackend.available)
    func concurrency(backend: TestBackend) async throws {
        try await Self.withApp(.live, backend: backend, config: Self.config { $0.votesPerParticipant = 100 }) { client, store, path in
            var visitors: [Visitor] = []
            for _ in 0..<50 { visitors.append(try await Self.visit(client, path).0) }
            let choices = ["agree", "disagree", "pass"]
            // Each participant sends 4 answers in order; the 50 participants all at once.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (i, v) in visitors.enumerated() {
                    group.addTask {
                        for k in 0..<4 {
                            let status = try await Self.answer(client, path, v, choices[(i + k) % 3]).0
                            #expect(status == .seeOther)
                        }
                    }
                }
                try await group.waitForAll()
            }
            let key = try #require(try await store.analysisInputs(municipality: "kalundborg", itemKey: nil).first?.itemKey)
            let counts = try await store.voteCounts(itemKey: key, newSince: Date().addingTimeInterval(-3600))
            #expect(counts.total == 50)
            var expected: [VoteChoice: Int] = [:]
            for i in 0..<50 { expected[VoteChoice(rawValue: choices[(i + 3) % 3])!, default: 0] += 1 }
            for c in VoteChoice.allCases { #expect(counts.count(c) == expected[c] ?? 0, "\(c)") }
            // And 4 answers of one participant sent at the same moment still leave one row.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for v in visitors.prefix(10) {
                    for c in choices + ["agree"] { group.addTask { _ = try await Self.answer(client, path, v, c) } }
                }
                try await group.waitForAll()
            }
            #expect(try await store.voteCounts(itemKey: key, newSince: Date().addingTimeInterval(-3600)).total == 50)
        }
    }
}

@Suite("Signing keys")
struct SigningTests {
    @Test("a rotated key keeps old cookies valid; a removed key ends them; purposes do not mix")
    func rotation() {
        let old = WebSecurity(secrets: ["old-secret-0123456789abcdef"])
        let cookie = old.sign("AAAAAAAAAAAAAAAAAAAAAA", purpose: "participant")
        let rotated = WebSecurity(secrets: ["new-secret-0123456789abcdef", "old-secret-0123456789abcdef"])
        #expect(rotated.verify(cookie, purpose: "participant") == "AAAAAAAAAAAAAAAAAAAAAA")
        #expect(rotated.sign("x", purpose: "participant") != old.sign("x", purpose: "participant"))
        #expect(WebSecurity(secrets: ["new-secret-0123456789abcdef"]).verify(cookie, purpose: "participant") == nil)
        #expect(old.verify(cookie, purpose: "csrf:participant") == nil)
        let now = Date()
        let token = old.csrfToken(for: "participant:p", now: now)
        #expect(old.csrfValid(token, for: "participant:p", now: now.addingTimeInterval(3600 * 23)))
        #expect(!old.csrfValid(token, for: "participant:p", now: now.addingTimeInterval(3600 * 25)))
        #expect(!old.csrfValid(token, for: "participant:q", now: now))
    }
}

extension AnswerTests {
    @Test("a municipality's page shows two camps as clear groups, drawn as SVG, with their distinctive answers and the consensus")
    func groupsPage() async throws {
        try await Self.withApp { client, store, _ in
            let items = try await store.analysisInputs(municipality: "hvidovre", itemKey: nil).filter { $0.status == .public }.prefix(10)
            #expect(items.count == 10)
            for p in 0..<30 {
                for (i, item) in items.enumerated() {
                    // Camp A (p < 15) agrees with items 0–4, camp B with 5–8; everybody agrees with item 9.
                    let agree = i == 9 || (i < 5) == (p < 15)
                    try await store.recordVote(participant: "participant\(p)", itemKey: item.itemKey, municipality: "hvidovre", choice: agree ? .agree : .disagree)
                }
            }
            try await client.execute(uri: "/kommune/hvidovre/borgersvar", method: .get) { response in
                #expect(response.status == .ok)
                let body = String(buffer: response.body)
                #expect(body.contains("<svg class=\"groups\"") && body.contains("<title id=\"grupper-titel\">"))
                #expect(body.components(separatedBy: "<circle ").count - 1 == 15 && body.components(separatedBy: "<rect x=").count - 2 == 15)
                #expect(body.contains("Grupperne er tydeligt adskilt"))
                #expect(body.contains("Gruppe 1 (cirkel, 15 deltagere)") && body.contains("Gruppe 2 (firkant, 15 deltagere)"))
                #expect(body.contains("Enige om «\(items[9].title)» (mindst 100 % i hver gruppe)"))
                #expect(body.contains("(30 svar): Enig 50 %"))
            }
            try await client.execute(uri: "/api/v1/municipalities/hvidovre/answers", method: .get) { response in
                let json = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                let groups = try #require(json["groups"] as? [String: Any])
                #expect(groups["clear"] as? Bool == true && (groups["groups"] as? [Any])?.count == 2)
                #expect((json["items"] as? [Any])?.count == 10)
            }
        }
    }
}
