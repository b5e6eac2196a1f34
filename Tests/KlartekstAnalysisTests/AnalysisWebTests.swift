import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KlartekstApp
import KlartekstCore
import KlartekstLLM
import KlartekstPipeline
import KlartekstStore
import KlartekstTestSupport
import Logging
import Prometheus
import Testing

/// The analysis on the item page and in the API, and the operators' review queue, through the
/// router of the real application.
@Suite("Analysis on the site, the API and the review queue")
struct AnalysisWebTests {
    typealias H = AnalysisHarness

    static func config() -> AppConfig {
        var c = AppConfig(port: 0)
        c.adminUser = "redaktør"
        c.adminPassword = "korrekt-hest-batteri"
        c.securitySecrets = ["test-secret-0123456789abcdef"]
        c.promptsPath = Fixtures.root.appendingPathComponent("prompts").path
        return c
    }

    static var basic: String { "Basic " + Data("redaktør:korrekt-hest-batteri".utf8).base64EncodedString() }

    /// Runs summary and relevance on the Kalundborg item with these summary answers (relevance: a good one).
    func analyse(_ store: SQLStore, _ summaries: [ScriptedModelServer.Reply], autopublish: Bool) async throws {
        let server = ScriptedModelServer()
        try await server.start()
        server.script(byPrompt: [(ScriptedModelServer.summaryPrompt, summaries), (ScriptedModelServer.relevancePrompt, [.content(H.goodRelevance)])])
        let model = H.model(server)
        let stage = AnalyzeStage(store: store, library: try H.library(), backend: .model(model), autopublish: autopublish, logger: H.logger)
        _ = try await stage.run(itemKey: try await H.kalundborgKey(store), prompts: ["summary@v1", "relevance@v1"])
        await model.shutdown()
        await server.stop()
    }

    func withApp(_ store: SQLStore, _ body: @Sendable (any TestClientProtocol, String) async throws -> Void) async throws {
        let app = try await App.buildApplication(config: Self.config(), store: store, metrics: PrometheusCollectorRegistry(), logger: H.logger)
        let meeting = try #require(try await store.municipality(slug: "kalundborg")?.meetings.first)
        try await app.test(.router) { client in try await body(client, "/kommune/kalundborg/moede/\(meeting.slug)/punkt/4") }
    }

    @Test("the item page shows question, summary, pros and cons, each linked to its quote highlighted in context")
    func itemPage() async throws {
        try await H.withSample { store in
            try await analyse(store, [.content(H.goodSummary)], autopublish: true)
            try await withApp(store) { client, path in
                try await client.execute(uri: path, method: .get) { response in
                    #expect(response.status == .ok)
                    let body = String(buffer: response.body)
                    #expect(body.contains("<p class=\"question\">Skal Kalundborg Kommune godkende hjemløsestrategien?</p>"))
                    #expect(body.contains("Kommunen har lavet en plan mod hjemløshed. <a class=\"src\" href=\"#citat-1\""))
                    #expect(body.contains("<h3 id=\"for\">For</h3>") && body.contains("Færre borgere forventes at blive hjemløse."))
                    #expect(body.contains("<h3 id=\"imod\">Imod</h3>") && body.contains("Arbejdet er ikke færdigt endnu."))
                    #expect(body.contains("<strong>Hjemløshed: Ja.</strong>"))
                    #expect(body.contains("Emner: Hjemløshed · Socialområdet"))
                    #expect(body.contains("Læsbarhed: LIX 33"))
                    #expect(body.contains("sprogmodellen scripted-model med prompten summary@v1"))
                    // Quote 4 (the con) is shown in its sentence, marked, with a link to its section.
                    let quote = try #require(body.range(of: "<li id=\"citat-4\">").map { String(body[$0.lowerBound...].prefix(700)) })
                    #expect(quote.contains("<mark>Dette arbejde er fortsat i proces</mark>"))
                    #expect(quote.contains("og ledere samt tilpasse arbejdsgange"))
                    #expect(quote.contains("Fra afsnittet <a href=\"#afsnit-"))
                    // The question comes before the case text.
                    let q = try #require(body.range(of: "class=\"question\""))
                    let caseText = try #require(body.range(of: "<h2>Sagens tekst</h2>"))
                    #expect(q.lowerBound < caseText.lowerBound)
                }
                try await client.execute(uri: "/api/v1/municipalities/kalundborg/meetings/\(path.split(separator: "/")[3])/items/4", method: .get) { response in
                    let json = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                    let analysis = try #require(json["analysis"] as? [String: Any])
                    let summary = try #require(analysis["summary"] as? [String: Any])
                    #expect(summary["question"] as? String == "Skal Kalundborg Kommune godkende hjemløsestrategien?")
                    let cons = try #require(summary["cons"] as? [[String: Any]])
                    let location = try #require(cons.first?["location"] as? [String: Any])
                    #expect(location["match"] as? String == "Dette arbejde er fortsat i proces")
                    let provenance = try #require(summary["provenance"] as? [String: Any])
                    #expect(provenance["prompt"] as? String == "summary@v1" && provenance["model"] as? String == "scripted-model")
                    #expect(provenance["checked"] as? Bool == true)
                    #expect((analysis["relevance"] as? [[String: Any]])?.first?["relevant"] as? Bool == true)
                }
            }
        }
    }

    @Test("model text is escaped on the page")
    func escaped() async throws {
        try await H.withSample { store in
            let xss = H.goodSummary.replacingOccurrences(of: "Arbejdet er ikke færdigt endnu.", with: "<script>alert(1)</script> Arbejdet <b>er</b> i gang.")
            try await analyse(store, [.content(xss)], autopublish: true)
            try await withApp(store) { client, path in
                try await client.execute(uri: path, method: .get) { response in
                    let body = String(buffer: response.body)
                    #expect(!body.contains("<script>alert(1)</script>"))
                    #expect(body.contains("&lt;script&gt;alert(1)&lt;/script&gt; Arbejdet &lt;b&gt;er&lt;/b&gt; i gang."))
                }
            }
        }
    }

    @Test("held for review: hidden until an operator approves; login and CSRF are required")
    func reviewApprove() async throws {
        try await H.withSample { store in
            try await analyse(store, [.content(H.goodSummary)], autopublish: false)
            let pending = try await store.reviewQueue(limit: 10)
            #expect(pending.count == 2 && pending.allSatisfy { $0.analysis.status == .pendingReview })
            let id = try #require(pending.first { $0.analysis.prompt == "summary" }?.analysis.id)
            try await withApp(store) { client, path in
                try await client.execute(uri: path, method: .get) { response in
                    #expect(!String(buffer: response.body).contains("class=\"question\""))
                }
                try await client.execute(uri: "/drift/analyser", method: .get) { response in
                    #expect(response.status == .unauthorized)
                    #expect(response.headers[HTTPField.Name("WWW-Authenticate")!]?.hasPrefix("Basic") == true)
                }
                let wrong = "Basic " + Data("redaktør:forkert".utf8).base64EncodedString()
                try await client.execute(uri: "/drift/analyser", method: .get, headers: [.authorization: wrong]) { response in
                    #expect(response.status == .unauthorized)
                }
                var csrf = ""
                try await client.execute(uri: "/drift/analyser", method: .get, headers: [.authorization: Self.basic]) { response in
                    #expect(response.status == .ok && response.headers[.cacheControl] == "no-store")
                    let body = String(buffer: response.body)
                    #expect(body.contains("Beslutning om hjemløsestrategi") && body.contains("venter på godkendelse"))
                    csrf = try #require(body.firstMatch(of: /name="csrf" value="([^"]+)"/).map { String($0.output.1) })
                }
                let form: [HTTPField.Name: String] = [.authorization: Self.basic, .contentType: "application/x-www-form-urlencoded"]
                try await client.execute(uri: "/drift/analyser/\(id)", method: .post, headers: HTTPFields(form.map { HTTPField(name: $0.key, value: $0.value) }),
                    body: ByteBuffer(string: "action=approve&csrf=forged")) { response in
                    #expect(response.status == .forbidden)
                }
                try await client.execute(uri: "/drift/analyser/\(id)", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                    body: ByteBuffer(string: "action=approve&csrf=\(csrf)")) { response in
                    #expect(response.status == .unauthorized)
                }
                let encoded = csrf.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? csrf
                try await client.execute(uri: "/drift/analyser/\(id)", method: .post, headers: HTTPFields(form.map { HTTPField(name: $0.key, value: $0.value) }),
                    body: ByteBuffer(string: "action=approve&csrf=\(encoded)")) { response in
                    #expect(response.status == .seeOther)
                    #expect(response.headers[.location] == "/drift/analyser?besked=godkendt")
                }
                try await client.execute(uri: path, method: .get) { response in
                    #expect(String(buffer: response.body).contains("<p class=\"question\">Skal Kalundborg Kommune godkende hjemløsestrategien?</p>"))
                }
            }
            let a = try #require(try await store.analysis(id: id))
            #expect(a.status == .published && a.reviewedBy == "redaktør" && a.reviewedAt != nil && !a.edited)
        }
    }

    @Test("a failed result is published only through an edit that passes the checks; the model's original is kept")
    func reviewEdit() async throws {
        try await H.withSample { store in
            try await analyse(store, [.content(H.ungroundedSummary), .content(H.ungroundedSummary)], autopublish: true)
            let failed = try #require(try await store.reviewQueue(limit: 10).first { $0.analysis.status == .failed })
            let id = try #require(failed.analysis.id)
            try await withApp(store) { client, _ in
                var csrf = ""
                try await client.execute(uri: "/drift/analyser", method: .get, headers: [.authorization: Self.basic]) { response in
                    let body = String(buffer: response.body)
                    #expect(body.contains("fejlede i tjekket") && body.contains("quote not found in the source"))
                    #expect(!body.contains("value=\"approve\"") || body.components(separatedBy: "value=\"approve\"").count == 1)
                    csrf = try #require(body.firstMatch(of: /name="csrf" value="([^"]+)"/).map { String($0.output.1) })
                }
                let token = csrf.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? csrf
                let headers: HTTPFields = [.authorization: Self.basic, .contentType: "application/x-www-form-urlencoded"]
                func post(_ form: String) async throws -> (HTTPResponse.Status, String) {
                    try await client.execute(uri: "/drift/analyser/\(id)", method: .post, headers: headers, body: ByteBuffer(string: form)) {
                        ($0.status, String(buffer: $0.body))
                    }
                }
                func enc(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? s }
                // Approving a failed result as it is is refused.
                #expect(try await post("action=approve&csrf=\(token)").0 == .unprocessableContent)
                // An edit that is still ungrounded is refused with the problems shown.
                let (status, body) = try await post("action=edit&csrf=\(token)&result=\(enc(H.ungroundedSummary))")
                #expect(status == .unprocessableContent && body.contains("Rettelsen blev ikke gemt") && body.contains("quote not found"))
                // A grounded edit is published, marked as edited.
                #expect(try await post("action=edit&csrf=\(token)&result=\(enc(H.goodSummary))").0 == .seeOther)
            }
            let a = try #require(try await store.analysis(id: id))
            #expect(a.status == .published && a.edited && a.problems.isEmpty)
            #expect(a.summary?.cons.first?.quote == "Dette arbejde er fortsat i proces")
            #expect(a.originalResult?.contains("Strategien koster 19 mio. kr. om året") == true)
        }
    }

    @Test("without an operator login configured, the review pages are off")
    func reviewOff() async throws {
        try await H.withSample { store in
            var c = Self.config()
            c.adminUser = nil
            c.adminPassword = nil
            let app = try await App.buildApplication(config: c, store: store, metrics: PrometheusCollectorRegistry(), logger: H.logger)
            try await app.test(.router) { client in
                try await client.execute(uri: "/drift/analyser", method: .get, headers: [.authorization: Self.basic]) { response in
                    #expect(response.status == .forbidden)
                }
            }
        }
    }

    @Test("the topic page lists exactly the items judged relevant, across municipalities, with question and decision")
    func topicPage() async throws {
        try await H.withSample { store in
            // The fallback over every item: only Kalundborg's strategy is about homelessness.
            let stage = AnalyzeStage(store: store, library: try H.library(), backend: .deterministic, logger: H.logger)
            let report = try await stage.run(prompts: ["summary@v1", "relevance@v1"])
            #expect(report.analysed == 38 && report.notApplicable == 4)
            try await withApp(store) { client, path in
                try await client.execute(uri: "/emne/hjemloeshed", method: .get) { response in
                    #expect(response.status == .ok)
                    let body = String(buffer: response.body)
                    #expect(body.contains("<h1>Hjemløshed</h1>"))
                    #expect(body.contains("<a href=\"\(path)\">Beslutning om hjemløsestrategi</a>"))
                    #expect(body.contains("<p class=\"question\">Skal Kalundborg Kommune godkende hjemløsestrategien?</p>"))
                    #expect(body.contains("Politikerne besluttede: Anbefalet"))
                    let list = try #require(body.range(of: "<ul class=\"answered\">").map { String(body[$0.upperBound...]) })
                    #expect(list.components(separatedBy: "<li><a href=").count == 2)
                    #expect(!body.contains("ukrainere"))
                }
                try await client.execute(uri: "/", method: .get) { response in
                    #expect(String(buffer: response.body).contains("<a href=\"/emne/hjemloeshed\">Hjemløshed</a>"))
                }
                try await client.execute(uri: "/api/v1/topics/hjemloeshed", method: .get) { response in
                    let json = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                    let items = try #require(json["items"] as? [[String: Any]])
                    #expect(items.count == 1 && items[0]["municipality"] as? String == "kalundborg")
                }
                try await client.execute(uri: "/emne/findes-ikke", method: .get) { response in
                    #expect(response.status == .notFound)
                }
            }
        }
    }

    @Test("'Meld fejl' on the about page reaches the operators' queue, where it is closed")
    func errorReport() async throws {
        try await H.withSample { store in
            try await withApp(store) { client, path in
                var cookie = ""
                var csrf = ""
                try await client.execute(uri: "/om?side=\(path)", method: .get) { response in
                    let body = String(buffer: response.body)
                    #expect(body.contains("<strong>Teksterne kan alligevel indeholde fejl.</strong>") && body.contains("summary@v2"))
                    #expect(body.contains("value=\"\(path)\""))
                    cookie = String((response.headers[.setCookie] ?? "").split(separator: ";")[0])
                    csrf = try #require(body.firstMatch(of: /name="csrf" value="([^"]+)"/).map { String($0.output.1) })
                }
                func enc(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? s }
                let form: HTTPFields = [.cookie: cookie, .contentType: "application/x-www-form-urlencoded"]
                try await client.execute(uri: "/meld-fejl", method: .post, headers: form, body: ByteBuffer(string: "side=\(enc(path))&besked=\(enc("Beløbet i resuméet er forkert"))")) { response in
                    #expect(response.status == .forbidden)
                }
                try await client.execute(uri: "/meld-fejl", method: .post, headers: form,
                    body: ByteBuffer(string: "csrf=\(enc(csrf))&side=\(enc(path))&besked=\(enc("Beløbet i resuméet er forkert <b>"))")) { response in
                    #expect(response.status == .seeOther && response.headers[.location] == "/om?tak=1#meld-fejl")
                }
                var operatorToken = ""
                try await client.execute(uri: "/drift/analyser", method: .get, headers: [.authorization: Self.basic]) { response in
                    let body = String(buffer: response.body)
                    #expect(body.contains("<blockquote>Beløbet i resuméet er forkert &lt;b&gt;</blockquote>") && body.contains("<a href=\"\(path)\">"))
                    operatorToken = try #require(body.firstMatch(of: /name="csrf" value="([^"]+)"/).map { String($0.output.1) })
                }
                let id = try #require(try await store.openErrorReports(limit: 5).first?.id)
                try await client.execute(uri: "/drift/fejl/\(id)/luk", method: .post, headers: [.authorization: Self.basic, .contentType: "application/x-www-form-urlencoded"],
                    body: ByteBuffer(string: "csrf=\(enc(operatorToken))")) { response in
                    #expect(response.status == .seeOther)
                }
                #expect(try await store.openErrorReports(limit: 5).isEmpty)
                // Only same-site paths are kept: another host, a backslash or a forged log line are not.
                for hostile in ["//evil.example/phish", "/\\evil.example", "/ok\ncritical admin password changed", "https://evil.example/"] {
                    try await client.execute(uri: "/meld-fejl", method: .post, headers: form,
                        body: ByteBuffer(string: "csrf=\(enc(csrf))&side=\(enc(hostile))&besked=\(enc("Forkert dato"))")) { response in
                        #expect(response.status == .seeOther)
                    }
                }
                #expect(try await store.openErrorReports(limit: 10).map(\.page) == ["", "", "", ""])
            }
        }
    }
}