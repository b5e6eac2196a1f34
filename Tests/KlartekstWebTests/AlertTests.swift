import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KlartekstApp
import KlartekstCore
import KlartekstNotify
import KlartekstPipeline
import KlartekstStore
import KlartekstTestSupport
import Logging
import NIOCore
import Prometheus
import Testing

/// Alerts end to end: subscribe over HTTP, confirm from the e-mail a real SMTP exchange delivered
/// to a sink on loopback, a new item arrives (import → analyse → index), exactly one digest per
/// subscriber, nothing twice, unsubscribe from the message's link; webhooks signed, and a failing
/// webhook disabled after five failures with its owner told.
@Suite("Alerts: e-mail and webhooks")
struct AlertTests {
    static let logger = Logger(label: "alert-test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Imports one municipality's sample files, analyses and indexes them.
    static func arrive(_ store: SQLStore, _ municipality: String) async throws {
        let importer = ImportService(store: store, registry: try Registry.bundled(), limitBytes: 64 << 20, logger: logger)
        let results = await importer.importPaths([Fixtures.sampleDirectory.appendingPathComponent("firstagenda/\(municipality)").path])
        #expect(results.allSatisfy { $0.error == nil })
        let library = try PromptLibrary.load(directory: Fixtures.root.appendingPathComponent("prompts"))
        _ = try await AnalyzeStage(store: store, library: library, backend: .deterministic, logger: logger).run()
        _ = await IndexStage(store: store, splitter: IndexStage.defaultSplitter(), logger: logger).run()
    }

    /// Records webhook deliveries; answers `status`.
    final class Hook: @unchecked Sendable {
        let lock = NSLock()
        var requests: [(signature: String, delivery: String, body: [UInt8])] = []
        var status: HTTPResponse.Status
        init(status: HTTPResponse.Status) { self.status = status }

        func router() -> Router<BasicRequestContext> {
            let router = Router()
            router.post("/hook") { request, _ in
                let body = try await request.body.collect(upTo: 1 << 20)
                self.lock.withLock {
                    self.requests.append((request.headers[HTTPField.Name("X-Klartekst-Signature")!] ?? "", request.headers[HTTPField.Name("X-Klartekst-Delivery")!] ?? "", Array(body.readableBytesView)))
                }
                return Response(status: self.lock.withLock { self.status })
            }
            return router
        }
        var count: Int { lock.withLock { requests.count } }
    }

    static func link(_ text: String, _ kind: String) throws -> (path: String, token: String) {
        let m = try #require(text.firstMatch(of: try Regex("http://[^/\\s]+(/abonnement/[0-9]+/\(kind))\\?token=([A-Za-z0-9_-]+)")))
        return (String(m.output[1].substring ?? ""), String(m.output[2].substring ?? ""))
    }

    @Test("subscribe, confirm, one digest for a new item, nothing twice, unsubscribe; webhooks signed and disabled after five failures", arguments: TestBackend.available)
    func endToEnd(backend: TestBackend) async throws {
        let sink = SMTPSink()
        try await sink.start()
        let good = Hook(status: .ok)
        let bad = Hook(status: .internalServerError)
        let (goodTask, goodPort) = await LoopbackServer.start(good.router(), name: "hook-good")
        let (badTask, badPort) = await LoopbackServer.start(bad.router(), name: "hook-bad")
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
        defer {
            Task {
                try? await http.shutdown()
                await LoopbackServer.stop(goodTask)
                await LoopbackServer.stop(badTask)
                await sink.stop()
            }
        }
        try await backend.withStore { store, _ in
            try await Self.arrive(store, "hvidovre")
            var config = AppConfig(port: 0)
            config.securitySecrets = ["alert-test-secret-0123456789"]
            config.smtpURL = "smtp://127.0.0.1:\(sink.port)"
            config.smtpFrom = "besked@klartekst.test"
            config.publicURL = "http://klartekst.test"
            config.promptsPath = Fixtures.root.appendingPathComponent("prompts").path
            config.speechCommand = "off"
            let settings = config
            let app = try await App.buildApplication(config: settings, store: store, metrics: PrometheusCollectorRegistry(), logger: Self.logger)
            try await app.test(.router) { client in
                // 1. Subscribe by e-mail to the topic, over HTTP with the form's cookie and token.
                let (visitor, page) = try await AnswerTests.visit(client, "/abonner?emne=hjemloeshed")
                #expect(page.contains("<option value=\"hjemloeshed\" selected>"))
                let headers: HTTPFields = [.cookie: visitor.cookie, .contentType: "application/x-www-form-urlencoded"]
                let rejected = try await client.execute(
                    uri: "/abonner", method: .post, headers: headers,
                    body: AnswerTests.form(["csrf": visitor.csrf, "kanal": "email", "adresse": "ikke-en-adresse", "emne": "hjemloeshed"])) { ($0.status, String(buffer: $0.body)) }
                #expect(rejected.0 == .unprocessableContent && rejected.1.contains("Skriv en gyldig e-mailadresse."))
                #expect(try await client.execute(
                    uri: "/abonner", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                    body: AnswerTests.form(["kanal": "email", "adresse": "ane@example.dk", "emne": "hjemloeshed"])) { $0.status } == .forbidden)
                let ok = try await client.execute(
                    uri: "/abonner", method: .post, headers: headers,
                    body: AnswerTests.form(["csrf": visitor.csrf, "kanal": "email", "adresse": "ane@example.dk", "emne": "hjemloeshed", "hyppighed": "immediate"])) {
                        ($0.status, String(buffer: $0.body))
                    }
                #expect(ok.0 == .ok && ok.1.contains("Vi har sendt en e-mail til ane@example.dk"))
                // 2. The confirmation went through SMTP to the sink.
                let confirmation = try #require(sink.messages.last)
                #expect(confirmation.to == ["ane@example.dk"] && confirmation.decodedSubject.hasPrefix("Bekræft: besked fra Klartekst om hjemløshed"))
                let confirm = try Self.link(confirmation.body, "bekraeft")
                #expect(try await client.execute(uri: confirm.path + "?token=\(confirm.token)", method: .get) { String(buffer: $0.body) }.contains("Ja, giv mig besked"))
                #expect(try await client.execute(uri: confirm.path + "?token=forkert", method: .get) { $0.status } == .notFound)
                let confirmed = try await client.execute(
                    uri: confirm.path, method: .post, headers: [.contentType: "application/x-www-form-urlencoded"], body: AnswerTests.form(["token": confirm.token])) {
                        String(buffer: $0.body)
                    }
                #expect(confirmed.contains("abonnementet er bekræftet"))

                // Two webhooks (their owners confirmed the same way; here straight in the store).
                var hooks: [Int64: String] = [:]
                for (port, owner) in [(goodPort, "redaktion@avis.test"), (badPort, "it@ngo.test")] {
                    let id = try await store.createSubscription(Subscription(
                        channel: .webhook, address: "http://127.0.0.1:\(port)/hook", ownerEmail: owner, secret: "hook-secret-\(port)", query: "hjemløsestrategi",
                        topic: nil, municipality: nil, frequency: .immediate))
                    #expect(try await store.confirmSubscription(id: id))
                    hooks[id] = owner
                }
                let stage = try #require(try await Alerts.stage(settings, store: store, http: http, logger: Self.logger))
                let before = sink.messages.count
                // Nothing new yet.
                #expect(await stage.run().digests == 0)

                // 3. A new item arrives: Kalundborg's homelessness strategy.
                try await Self.arrive(store, "kalundborg")
                let first = await stage.run()
                #expect(first.digests == 3 && first.sent == 2 && first.failed == 1, "\(first)")
                let digests = sink.messages.dropFirst(before)
                #expect(digests.count == 1)
                let digest = try #require(digests.first)
                #expect(digest.to == ["ane@example.dk"] && digest.decodedSubject == "Klartekst: 1 nyt punkt om hjemløshed")
                #expect(digest.body.contains("Beslutning om hjemløsestrategi") && digest.body.contains("Skal Kalundborg Kommune godkende hjemløsestrategien?"))
                #expect(digest.data.contains("List-Unsubscribe: <http://klartekst.test/abonnement/"))
                // The good webhook: one signed delivery with the item.
                #expect(good.count == 1)
                let delivery = try #require(good.lock.withLock { good.requests.first })
                let goodID = try #require(hooks.first { $0.value == "redaktion@avis.test" }?.key)
                #expect(delivery.signature == AlertTokens.webhookSignature(body: delivery.body, secret: "hook-secret-\(goodPort)"))
                let payload = try JSONSerialization.jsonObject(with: Data(delivery.body)) as? [String: Any]
                #expect(payload?["subscription"] as? Int == Int(goodID))
                #expect(((payload?["items"] as? [[String: Any]])?.first?["title"] as? String) == "Beslutning om hjemløsestrategi")

                // 4. Run again: nothing twice; the failing webhook is retried until its fifth failure.
                for run in 2...5 {
                    let r = await stage.run()
                    #expect(r.digests == 0 && r.sent == 0 && r.failed == 1, "run \(run): \(r)")
                    #expect(r.disabled == (run == 5 ? 1 : 0))
                }
                #expect(sink.messages.dropFirst(before).filter { $0.to == ["ane@example.dk"] }.count == 1)
                #expect(good.count == 1 && bad.count == 5)
                let badID = try #require(hooks.first { $0.value == "it@ngo.test" }?.key)
                #expect(try await store.subscription(id: badID)?.status == .disabled)
                let told = try #require(sink.messages.last)
                #expect(told.to == ["it@ngo.test"] && told.decodedSubject == "Klartekst har stoppet din webhook" && told.body.contains("answered 500"))
                #expect(await stage.run().failed == 0, "a disabled webhook is not called again")
                #expect(bad.count == 5)

                // 5. Unsubscribe from the digest's link: a page with a button, then the POST.
                let unsubscribe = try Self.link(digest.body, "afmeld")
                #expect(try await client.execute(uri: unsubscribe.path + "?token=\(unsubscribe.token)", method: .get) { String(buffer: $0.body) }.contains(">Afmeld</button>"))
                // RFC 8058 one-click: a POST to the link itself.
                let done = try await client.execute(
                    uri: unsubscribe.path + "?token=\(unsubscribe.token)", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                    body: ByteBuffer(string: "List-Unsubscribe=One-Click")) { ($0.status, String(buffer: $0.body)) }
                #expect(done.0 == .ok && done.1.contains("Du er afmeldt"))
                let emailID = try #require(Int64(unsubscribe.path.split(separator: "/")[1]))
                #expect(try await store.subscription(id: emailID)?.status == .unsubscribed)
            }
        }
    }

    @Test("an SMTP server that refuses keeps the digest pending; it is sent once the server accepts")
    func smtpRefusal() async throws {
        let sink = SMTPSink()
        try await sink.start()
        defer { Task { await sink.stop() } }
        try await TestBackend.sqlite.withStore { store, _ in
            try await Self.arrive(store, "hvidovre")
            let id = try await store.createSubscription(Subscription(
                channel: .email, address: "bo@example.dk", ownerEmail: "bo@example.dk", secret: "s", query: "", topic: "hjemloeshed", municipality: nil,
                frequency: .immediate))
            #expect(try await store.confirmSubscription(id: id))
            try await Self.arrive(store, "kalundborg")
            let mailer = try SMTPMailer(url: "smtp://127.0.0.1:\(sink.port)", from: "besked@klartekst.test")
            let stage = NotifyStage(
                store: store, mail: { try await mailer.send($0) }, post: { _, _, _ in }, tokens: AlertTokens(secret: "x"), baseURL: "http://k.test",
                topics: ["hjemloeshed": "Hjemløshed"], municipalities: [:], logger: Self.logger)
            sink.refusing = true
            let refused = await stage.run()
            #expect(refused.digests == 1 && refused.sent == 0 && refused.failed == 1)
            #expect(try await store.pendingDigests(subscriptionID: id).count == 1)
            sink.refusing = false
            let accepted = await stage.run()
            #expect(accepted.digests == 0 && accepted.sent == 1)
            #expect(sink.messages.count == 1 && sink.messages[0].body.contains("Beslutning om hjemløsestrategi"))
            #expect(try await store.pendingDigests(subscriptionID: id).isEmpty)
        }
    }
}
