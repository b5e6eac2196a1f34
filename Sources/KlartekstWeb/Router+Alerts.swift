import Foundation
import HTTPTypes
import Hummingbird
import KlartekstCore

/// What the web needs to take subscriptions: link signing and a way to send the confirmation.
public struct AlertsWeb: Sendable {
    public var tokens: AlertTokens
    public var mail: @Sendable (AlertMail.Message) async throws -> Void
    public init(tokens: AlertTokens, mail: @escaping @Sendable (AlertMail.Message) async throws -> Void) {
        self.tokens = tokens
        self.mail = mail
    }
}

/// "Få besked": subscribe to a topic or a search by e-mail or webhook (`/abonner`), confirm from
/// the e-mail (double opt-in, also for a webhook's owner), unsubscribe from every message
/// (a page with a button, and RFC 8058 one-click POST). Links carry signed tokens.
func addAlertRoutes(_ router: Router<WebContext>, _ deps: WebDependencies, _ voting: Voting) {
    let security = deps.security
    @Sendable func what(_ s: Subscription) async throws -> String {
        let names = Dictionary(try await deps.caches.storedMunicipalities(deps.store).map { ($0.slug, $0.name) }, uniquingKeysWith: { a, _ in a })
        return s.describe(topicName: s.topic.flatMap { deps.topics[$0] }, municipalityName: s.municipality.flatMap { names[$0] })
    }
    @Sendable func form(_ r: Request, _ values: Pages.SubscribeVM.Values, problems: [String], status: HTTPResponse.Status = .ok) async throws -> Response {
        let p = Participant.currentOrNew(r, security: security)
        let body = deps.pages.subscribe(
            values: values, problems: problems, topics: deps.topicList, municipalities: try await deps.caches.storedMunicipalities(deps.store),
            csrf: security.csrfToken(for: "participant:" + p.id), enabled: deps.alerts != nil)
        var response = Responses.make(body, contentType: "text/html; charset=utf-8", request: r, status: status, cacheControl: "private, no-cache")
        if p.isNew { response.headers.append(HTTPField(name: .setCookie, value: p.setCookie(security))) }
        return response
    }
    @Sendable func message(_ r: Request, _ title: String, _ lines: [String], action: Pages.MessageVM.Action? = nil) -> Response {
        Responses.make(
            deps.pages.message(title: title, lines: lines, action: action), contentType: "text/html; charset=utf-8", request: r, status: .ok,
            cacheControl: "no-store")
    }
    @Sendable func subscription(_ context: WebContext, _ token: String?, _ purpose: String) async throws -> Subscription {
        guard let alerts = deps.alerts, let id = Int64(try context.parameters.require("id")), alerts.tokens.valid(token, purpose, id),
            let s = try await deps.store.subscription(id: id)
        else { throw HTTPError(.notFound, message: "Linket er ugyldigt eller udløbet.") }
        return s
    }

    router.get("/abonner") { r, _ in
        let q = r.uri.queryParameters
        return try await form(r, .init(
            channel: q.get("kanal") ?? "email", address: "", owner: "", query: String((r.formQuery("q") ?? "").prefix(200)),
            topic: q.get("emne") ?? "", municipality: q.get("kommune") ?? "", frequency: q.get("hyppighed") ?? "daily"), problems: [])
    }

    router.post("/abonner") { r, context in
        let f = try await Form.read(r, limit: 16 << 10)
        guard let p = Participant.current(r, security: security), security.csrfValid(f["csrf"], for: "participant:" + p.id), voting.sameOrigin(r)
        else { throw HTTPError(.forbidden, message: "Siden er udløbet. Genindlæs den, og prøv igen.") }
        guard let alerts = deps.alerts else { throw HTTPError(.serviceUnavailable, message: "Besked på e-mail er ikke sat op på denne Klartekst.") }
        guard await voting.limiter.allow("a:" + voting.clientAddress(r, context), limit: 10) else {
            throw HTTPError(.tooManyRequests, message: "Du har oprettet mange abonnementer på kort tid. Prøv igen om et minut.")
        }
        let v = Pages.SubscribeVM.Values(
            channel: f["kanal"] == "webhook" ? "webhook" : "email", address: (f["adresse"] ?? "").trimmingCharacters(in: .whitespaces),
            owner: (f["ejer"] ?? "").trimmingCharacters(in: .whitespaces), query: String((f["q"] ?? "").trimmingCharacters(in: .whitespaces).prefix(200)),
            topic: f["emne"] ?? "", municipality: f["kommune"] ?? "", frequency: f["hyppighed"] == "immediate" ? "immediate" : "daily")
        var problems: [String] = []
        let webhook = v.channel == "webhook"
        let owner = webhook ? v.owner : v.address
        if webhook && !Subscription.validWebhook(v.address) { problems.append("Webhooken skal være en http- eller https-adresse.") }
        if !Subscription.validEmail(owner) { problems.append(webhook ? "Skriv din e-mailadresse, så du kan bekræfte webhooken." : "Skriv en gyldig e-mailadresse.") }
        let topic = deps.topicList.first { $0.slug == v.topic }?.slug
        let municipality = try await deps.caches.storedMunicipalities(deps.store).first { $0.slug == v.municipality }?.slug
        if SearchQuery.parse(v.query).isEmpty && topic == nil { problems.append("Vælg et emne, eller skriv ord, du vil have besked om.") }
        guard problems.isEmpty else { return try await form(r, v, problems: problems, status: .unprocessableContent) }
        var secretBytes = [UInt8](repeating: 0, count: 24)
        for i in secretBytes.indices { secretBytes[i] = UInt8.random(in: 0...255) }
        let s = Subscription(
            channel: webhook ? .webhook : .email, address: v.address, ownerEmail: owner, secret: Data(secretBytes).base64EncodedString(), query: v.query,
            topic: topic, municipality: municipality, frequency: Subscription.Frequency(rawValue: v.frequency) ?? .daily)
        let id = try await deps.store.createSubscription(s)
        var saved = s
        saved.id = id
        let confirmURL = "\(deps.siteURL(r))/abonnement/\(id)/bekraeft?token=\(alerts.tokens.token("confirm", id))"
        do {
            try await alerts.mail(AlertMail.confirmation(to: owner, what: try await what(saved), channel: saved.channel, webhook: webhook ? v.address : nil, confirmURL: confirmURL))
        } catch {
            context.logger.error("confirmation e-mail failed", metadata: ["subscription": "\(id)", "error": "\(error)"])
            throw HTTPError(.serviceUnavailable, message: "Vi kunne ikke sende e-mailen til bekræftelse lige nu. Prøv igen senere.")
        }
        return message(r, "Tjek din e-mail", [
            "Vi har sendt en e-mail til \(owner) med et link. Når du har bekræftet, får du besked om \(try await what(saved)).",
            "Kommer der ingen e-mail, så se i spam-mappen.",
        ])
    }

    router.get("/abonnement/:id/bekraeft") { r, context in
        let token = r.uri.queryParameters.get("token")
        let s = try await subscription(context, token, "confirm")
        guard s.status == .pending else { return message(r, "Allerede bekræftet", ["Abonnementet er \(s.status == .active ? "aktivt" : "stoppet")."]) }
        return message(r, "Bekræft dit abonnement", ["Du får besked om \(try await what(s))."],
                       action: .init(url: "/abonnement/\(s.id)/bekraeft", token: token ?? "", label: "Ja, giv mig besked"))
    }
    router.post("/abonnement/:id/bekraeft") { r, context in
        let f = try await Form.read(r, limit: 4 << 10)
        let s = try await subscription(context, f["token"], "confirm")
        _ = try await deps.store.confirmSubscription(id: s.id)
        var lines = ["Du får nu besked om \(try await what(s)), \(s.frequency == .daily ? "én gang om dagen" : "når der er nyt"). Hver besked har et link til at afmelde."]
        if s.channel == .webhook {
            lines.append("Webhooken får JSON med overskriften X-Klartekst-Signature: sha256=HMAC af indholdet med denne nøgle (gem den nu, den vises ikke igen): \(s.secret)")
        }
        return message(r, "Tak – abonnementet er bekræftet", lines)
    }
    router.get("/abonnement/:id/afmeld") { r, context in
        let token = r.uri.queryParameters.get("token")
        let s = try await subscription(context, token, "unsubscribe")
        guard s.status == .active || s.status == .pending else { return message(r, "Du er afmeldt", ["Du får ikke flere beskeder om \(try await what(s))."]) }
        return message(r, "Afmeld besked", ["Vil du stoppe beskederne om \(try await what(s))?"],
                       action: .init(url: "/abonnement/\(s.id)/afmeld", token: token ?? "", label: "Afmeld"))
    }
    router.post("/abonnement/:id/afmeld") { r, context in
        // The page's button sends the token in the form; a mail client's one-click (RFC 8058) keeps it in the URL.
        let f = try await Form.read(r, limit: 4 << 10)
        let token: String? = f["token"] ?? r.uri.queryParameters.get("token").map { String($0) }
        let s = try await subscription(context, token, "unsubscribe")
        _ = try await deps.store.unsubscribe(id: s.id)
        return message(r, "Du er afmeldt", ["Du får ikke flere beskeder om \(try await what(s)).", "Du kan altid abonnere igen fra et emne eller en søgning."])
    }
}

extension Pages {
    struct SubscribeVM {
        struct Values: Sendable {
            var channel, address, owner, query, topic, municipality, frequency: String
        }
        struct Option { var value, label: String; var selected: Bool }
        var title = "Få besked om nye sager"
        var has_breadcrumbs = true
        var breadcrumbs = [Crumb(name: "Forside", url: "/")]
        var crumb = "Få besked"
        var v: Values
        var email, webhook, daily, immediate: Bool
        var problems: [String]
        var has_problems: Bool
        var topics: [Option]
        var municipalities: [Option]
        var csrf: String
        var enabled: Bool
    }

    func subscribe(values v: SubscribeVM.Values, problems: [String], topics: [Topic], municipalities: [MunicipalitySummary], csrf: String, enabled: Bool) -> String {
        render(
            SubscribeVM(
                v: v, email: v.channel != "webhook", webhook: v.channel == "webhook", daily: v.frequency != "immediate", immediate: v.frequency == "immediate",
                problems: problems, has_problems: !problems.isEmpty,
                topics: [.init(value: "", label: "Intet bestemt emne", selected: v.topic.isEmpty)]
                    + topics.map { .init(value: $0.slug, label: $0.name, selected: $0.slug == v.topic) },
                municipalities: [.init(value: "", label: "Alle kommuner", selected: v.municipality.isEmpty)]
                    + municipalities.map { .init(value: $0.slug, label: $0.name, selected: $0.slug == v.municipality) },
                csrf: csrf, enabled: enabled),
            "subscribe")
    }

    struct MessageVM {
        struct Action { var url, token, label: String }
        var title: String
        var has_breadcrumbs = true
        var breadcrumbs = [Crumb(name: "Forside", url: "/")]
        var crumb: String
        var lines: [String]
        var action: Action?
    }

    func message(title: String, lines: [String], action: MessageVM.Action?) -> String {
        render(MessageVM(title: title, crumb: title, lines: lines, action: action), "message")
    }
}
