import Foundation
import Hummingbird
import KlartekstCore
import Logging
import Metrics
import Prometheus

/// What the web layer needs; assembled by the App module (and by tests).
public struct WebDependencies: Sendable {
    public var store: any KlartekstStore
    public var pages: Pages
    public var metrics: PrometheusCollectorRegistry
    public var staticFiles: [String: (contentType: String, body: String)]
    public var openAPI: String
    /// The municipalities Klartekst knows (registry), for the operator page.
    public var registry: [Municipality]
    /// Per-source sync health, when a sync state store is wired.
    public var sourceHealth: (@Sendable () async throws -> [SourceHealth])?
    /// Signing keys and operator login.
    public var security: WebSecurity
    /// Checks an operator's edit of an analysis like a model answer (result JSON → re-encoded result, problems).
    public var checkEdit: (@Sendable (StoredAnalysis, String) async throws -> (String, [String]))?
    /// Followed topics: slug → Danish name.
    public var topics: [String: String]
    /// Limits and guards for citizens' answers.
    public var voting: VotingSettings
    /// Followed topics with their descriptions (topic pages).
    public var topicList: [Topic] = []
    /// How analyses are made here, for the about page: backend and model, prompt versions.
    public var analysisBackend = "uden sprogmodel (regler)"
    public var promptVersions: [String] = []
    /// Reads summaries aloud (espeak-ng); nil hides the audio player.
    public var speech: SpeechService?
    /// The site's public address (`https://klartekst.example`) for links in feeds and calendars;
    /// nil: taken from the request's Host.
    public var publicURL: String?
    /// Subscriptions to alerts (nil: no e-mail configured, the form says so).
    public var alerts: AlertsWeb?
    /// The site's address for links that leave the page (feeds, calendars, e-mails).
    func siteURL(_ r: Request) -> String {
        if let configured = publicURL, !configured.isEmpty { return configured }
        return "http://" + (r.head.authority ?? "localhost")
    }

    /// Seconds a rendered public page is reused on this node (0: render every request).
    public var pageCacheSeconds = 10
    /// The job queue (operators' page `/drift/koe`, queue gauges in `/metrics`); nil: not shown.
    public var jobs: (any JobQueue)?
    var caches = WebCaches(seconds: 0)
    /// Today in Denmark (`yyyy-MM-dd`): which meetings are still to come.
    public var today: @Sendable () -> String = { DanishFormat.isoDay(Date()) }

    public init(
        store: any KlartekstStore, pages: Pages, metrics: PrometheusCollectorRegistry, registry: [Municipality] = [],
        sourceHealth: (@Sendable () async throws -> [SourceHealth])? = nil, security: WebSecurity = WebSecurity(secrets: []),
        checkEdit: (@Sendable (StoredAnalysis, String) async throws -> (String, [String]))? = nil, topics: [String: String] = [:],
        voting: VotingSettings = VotingSettings()
    ) throws {
        self.voting = voting
        self.security = security
        self.checkEdit = checkEdit
        self.topics = topics
        self.store = store
        self.pages = pages
        self.metrics = metrics
        self.registry = registry
        self.sourceHealth = sourceHealth
        guard let staticDir = Bundle.module.resourceURL?.appendingPathComponent("Static") else {
            throw WebError("static files are missing from the bundle")
        }
        self.staticFiles = [
            "klartekst.css": ("text/css; charset=utf-8", try String(contentsOf: staticDir.appendingPathComponent("klartekst.css"), encoding: .utf8)),
            "klartekst.js": ("text/javascript; charset=utf-8", try String(contentsOf: staticDir.appendingPathComponent("klartekst.js"), encoding: .utf8)),
        ]
        self.openAPI = try String(contentsOf: staticDir.appendingPathComponent("openapi.json"), encoding: .utf8)
    }

    /// Loads templates and static files from the bundle.
    public static func load(
        store: any KlartekstStore, metrics: PrometheusCollectorRegistry, registry: [Municipality] = [],
        sourceHealth: (@Sendable () async throws -> [SourceHealth])? = nil, security: WebSecurity = WebSecurity(secrets: []),
        checkEdit: (@Sendable (StoredAnalysis, String) async throws -> (String, [String]))? = nil, topics: [String: String] = [:],
        voting: VotingSettings = VotingSettings()
    ) async throws -> WebDependencies {
        try WebDependencies(
            store: store, pages: try await Pages.load(), metrics: metrics, registry: registry, sourceHealth: sourceHealth, security: security,
            checkEdit: checkEdit, topics: topics, voting: voting)
    }
}

/// Builds the router: HTML pages (Danish), the JSON API under `/api/v1`, `/metrics`, `/healthz`.
public func buildRouter(_ dependencies: WebDependencies) -> Router<WebContext> {
    var configured = dependencies
    configured.caches = WebCaches(seconds: dependencies.pageCacheSeconds)
    let deps = configured
    let router = Router(context: WebContext.self)
    router.middlewares.add(SecurityHeadersMiddleware())
    router.middlewares.add(MetricsMiddleware())
    router.middlewares.add(LogRequestsMiddleware(.debug))
    router.middlewares.add(ErrorPageMiddleware(pages: deps.pages))
    let store = deps.store
    let pages = deps.pages
    let voting = Voting(store: store, security: deps.security, settings: deps.voting, limiter: RateLimiter(), flagged: FlagThrottle(checkEvery: .seconds(deps.voting.burstCheckSeconds)))

    // MARK: Pages
    addHomeRoutes(router, deps)
    addSearchRoutes(router, deps)
    addFeedRoutes(router, deps)
    addSpeechRoutes(router, deps)
    addTopicRoutes(router, deps)
    router.get("/kommune/:municipality") { request, context in
        let slug = try context.parameters.require("municipality")
        return Responses.html(try await deps.caches.pages.value(request.cacheKey) {
            guard let page = try await store.municipality(slug: slug) else { throw HTTPError(.notFound, message: "Kommunen findes ikke i Klartekst.") }
            return pages.municipality(page)
        }, request: request)
    }
    router.get("/kommune/:municipality/moede/:meeting") { request, context in
        let (m, g) = (try context.parameters.require("municipality"), try context.parameters.require("meeting"))
        return Responses.html(try await deps.caches.pages.value(request.cacheKey) {
            guard let page = try await store.meeting(municipality: m, slug: g) else { throw HTTPError(.notFound, message: "Mødet findes ikke.") }
            return pages.meeting(page)
        }, request: request)
    }
    router.get("/kommune/:municipality/moede/:meeting/punkt/:number") { request, context in
        let p = context.parameters
        let (m, g, n) = (try p.require("municipality"), try p.require("meeting"), try p.require("number"))
        let cached = try await deps.caches.items.value(request.uri.path) {
            guard let page = try await store.item(municipality: m, meeting: g, number: n) else { throw HTTPError(.notFound, message: "Punktet findes ikke.") }
            let analysis = try await itemAnalysis(store, page)
            let question = analysis.summary?.question
            let decision = DecisionComparison.make(
                committee: page.meeting.committeeName, sections: page.sections, steps: page.steps, tally: nil, meetingDate: page.meeting.date)
            return CachedItem(
                page: page, question: question, shell: pages.itemShell(page, analysis: analysis, topics: deps.topics, audio: deps.speech != nil),
                openBox: page.item.status == .public
                    ? pages.answerBox(Pages.answerVM(question: question, page: page, csrf: Pages.csrfMarker, current: nil, tally: nil, decision: decision))
                    : nil)
        }
        return try await itemPageResponse(cached, request: request, deps: deps, voting: voting)
    }
    router.get("/kommune/:municipality/sag/:case") { request, context in
        let (m, c) = (try context.parameters.require("municipality"), try context.parameters.require("case"))
        return Responses.html(try await deps.caches.pages.value(request.cacheKey) {
            guard let page = try await store.caseItems(municipality: m, caseSlug: c) else { throw HTTPError(.notFound, message: "Sagen findes ikke.") }
            return pages.caseFile(page)
        }, request: request)
    }
    router.get("/kommune/:municipality/bilag/:id") { request, context in
        let (m, id) = (try context.parameters.require("municipality"), try context.parameters.require("id"))
        return Responses.html(try await deps.caches.pages.value(request.cacheKey) {
            guard let page = try await store.attachment(municipality: m, portalID: id) else { throw HTTPError(.notFound, message: "Bilaget findes ikke.") }
            return pages.attachment(page)
        }, request: request)
    }
    router.get("/favicon.ico") { _, _ in
        Response(status: .noContent, headers: [.cacheControl: "public, max-age=604800"])
    }
    router.get("/static/:file") { request, context in
        guard let file = deps.staticFiles[try context.parameters.require("file")] else { throw HTTPError(.notFound) }
        return Responses.make(file.body, contentType: file.contentType, request: request, status: .ok, cacheControl: "public, max-age=86400")
    }

    // MARK: API
    router.get("/api/v1/openapi.json") { request, _ in
        Responses.json(deps.openAPI, request: request)
    }
    router.get("/api/v1/municipalities") { request, _ in
        let list = try await store.municipalities().map(API.Municipality.init)
        return Responses.json(APIEncoding.encode(API.MunicipalityList(municipalities: list)), request: request)
    }
    router.get("/api/v1/municipalities/:municipality") { request, context in
        let slug = try context.parameters.require("municipality")
        return Responses.json(try await deps.caches.pages.value(request.cacheKey) {
            guard let page = try await store.municipality(slug: slug) else { throw HTTPError(.notFound, message: "unknown municipality") }
            return APIEncoding.encode(API.MunicipalityDetail(
                municipality: .init(page.municipality), committees: page.committees,
                meetings: page.meetings.map { API.Meeting($0, municipality: page.municipality.slug) }))
        }, request: request)
    }
    router.get("/api/v1/municipalities/:municipality/meetings/:meeting") { request, context in
        let (municipality, meeting) = (try context.parameters.require("municipality"), try context.parameters.require("meeting"))
        return Responses.json(try await deps.caches.pages.value(request.cacheKey) {
            guard let page = try await store.meeting(municipality: municipality, slug: meeting) else { throw HTTPError(.notFound, message: "unknown meeting") }
            let m = page.municipality.slug
            return APIEncoding.encode(API.MeetingDetail(
                municipality: .init(page.municipality), meeting: .init(page.meeting, municipality: m), documents: page.documents,
                participants: page.participants, items: page.items.map { API.itemRow($0, municipality: m, meeting: page.meeting.slug) }))
        }, request: request)
    }
    router.get("/api/v1/municipalities/:municipality/meetings/:meeting/items/:number") { request, context in
        let p = context.parameters
        let (m, g, n) = (try p.require("municipality"), try p.require("meeting"), try p.require("number"))
        return Responses.json(try await deps.caches.pages.value(request.cacheKey) {
            guard let page = try await store.item(municipality: m, meeting: g, number: n) else { throw HTTPError(.notFound, message: "unknown item") }
            return APIEncoding.encode(API.item(page, analysis: try await itemAnalysis(store, page)))
        }, request: request)
    }
    router.get("/api/v1/municipalities/:municipality/attachments/:id") { request, context in
        guard let page = try await store.attachment(
            municipality: try context.parameters.require("municipality"), portalID: try context.parameters.require("id"))
        else { throw HTTPError(.notFound, message: "unknown attachment") }
        let body = API.AttachmentText(
            municipality: .init(page.municipality), name: page.name, portalID: page.portalID, item: page.item, text: page.text,
            error: page.error)
        return Responses.json(APIEncoding.encode(body), request: request)
    }
    router.get("/api/v1/municipalities/:municipality/cases/:case") { request, context in
        guard let page = try await store.caseItems(
            municipality: try context.parameters.require("municipality"), caseSlug: try context.parameters.require("case"))
        else { throw HTTPError(.notFound, message: "unknown case") }
        let body = API.CaseDetail(municipality: .init(page.municipality), caseNumber: page.caseNumber, items: page.items)
        return Responses.json(APIEncoding.encode(body), request: request)
    }

    // MARK: Operations
    router.get("/drift") { request, _ in
        let health = try await deps.sourceHealth?() ?? []
        return Responses.make(
            pages.operations(registry: deps.registry, health: health), contentType: "text/html; charset=utf-8", request: request,
            status: .ok, cacheControl: "no-store")
    }
    router.get("/api/v1/sources") { request, _ in
        let health = Dictionary(uniqueKeysWithValues: try await deps.sourceHealth?().map { ($0.municipality, $0) } ?? [])
        let rows = deps.registry.map { API.Source(municipality: $0, health: health[$0.slug]) }
        return Responses.make(APIEncoding.encode(["sources": rows]), contentType: "application/json; charset=utf-8", request: request,
            status: .ok, cacheControl: "no-store")
    }
    addReviewRoutes(router, deps)
    addAnswerRoutes(router, deps, voting)
    addAboutRoutes(router, deps, voting)
    addAlertRoutes(router, deps, voting)
    addJobRoutes(router, deps)
    router.get("/healthz") { request, _ in
        _ = try await store.counts()
        return Responses.make("ok\n", contentType: "text/plain; charset=utf-8", request: request, status: .ok, cacheControl: "no-store")
    }
    let queueGauges = QueueGauges()
    router.get("/metrics") { _, _ in
        if let jobs = deps.jobs { await queueGauges.refresh(jobs, into: deps.metrics) }
        var buffer: [UInt8] = []
        deps.metrics.emit(into: &buffer)
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
    }
    return router
}

/// The published analyses of an item, ready to show.
func itemAnalysis(_ store: any KlartekstStore, _ page: ItemPage) async throws -> ItemAnalysis {
    ItemAnalysis.present(StoredAnalysis.shown(try await store.analyses(itemKey: page.key)), sections: page.sections)
}

/// The operators' review queue: `GET /drift/analyser` lists results waiting for approval and
/// failed ones; `POST /drift/analyser/{id}` approves, rejects or publishes an edit (checked like a
/// model answer; the model's original is kept). HTTP Basic login and a CSRF token on every form.
func addReviewRoutes(_ router: Router<WebContext>, _ deps: WebDependencies) {
    let store = deps.store
    let security = deps.security
    @Sendable func page(_ request: Request, operatorName: String, message: String?, problems: [String], status: HTTPResponse.Status) async throws -> Response {
        let entries = try await store.reviewQueue(limit: 100)
        let reports = try await store.openErrorReports(limit: 100)
        let body = deps.pages.review(
            entries, reports: reports, operatorName: operatorName, csrf: security.csrfToken(for: "operator:" + operatorName), message: message,
            problems: problems)
        return Responses.make(body, contentType: "text/html; charset=utf-8", request: request, status: status, cacheControl: "no-store")
    }
    router.get("/drift/analyser") { request, _ in
        let name = try security.requireOperator(request)
        let messages = [
            "godkendt": "Resultatet er offentliggjort.", "afvist": "Resultatet er afvist.", "rettet": "Rettelsen er gemt og offentliggjort.",
            "lukket": "Fejlmeldingen er lukket.",
        ]
        return try await page(request, operatorName: name, message: request.uri.queryParameters.get("besked").flatMap { messages[$0] }, problems: [], status: .ok)
    }
    router.post("/drift/analyser/:id") { request, context in
        let name = try security.requireOperator(request)
        let form = try await Form.read(request)
        guard security.csrfValid(form["csrf"], for: "operator:" + name) else {
            throw HTTPError(.forbidden, message: "Formularen er udløbet eller kom ikke fra Klartekst. Genindlæs siden og prøv igen.")
        }
        guard let id = Int64(try context.parameters.require("id")), let analysis = try await store.analysis(id: id) else {
            throw HTTPError(.notFound, message: "Analysen findes ikke.")
        }
        let done: String
        switch form["action"] {
        case "approve":
            guard analysis.status == .pendingReview else {
                return try await page(
                    request, operatorName: name, message: nil,
                    problems: ["Kun resultater, der har bestået tjekkene, kan godkendes uden rettelse."], status: .unprocessableContent)
            }
            _ = try await store.review(id: id, status: .published, editedResult: nil, reviewer: name)
            done = "godkendt"
        case "reject":
            _ = try await store.review(id: id, status: .rejected, editedResult: nil, reviewer: name)
            done = "afvist"
        case "edit":
            guard let checkEdit = deps.checkEdit else { throw HTTPError(.serviceUnavailable, message: "Rettelser kan ikke tjekkes her.") }
            let (result, problems) = try await checkEdit(analysis, form["result"] ?? "")
            guard problems.isEmpty else {
                return try await page(request, operatorName: name, message: "Rettelsen blev ikke gemt: den består ikke tjekkene.", problems: problems, status: .unprocessableContent)
            }
            _ = try await store.review(id: id, status: .published, editedResult: result, reviewer: name)
            done = "rettet"
        default:
            throw HTTPError(.badRequest, message: "Ukendt handling.")
        }
        await deps.caches.clear()
        context.logger.notice("analysis reviewed", metadata: ["analysis.id": "\(id)", "action": "\(done)", "operator": "\(name)"])
        return Response(status: .seeOther, headers: [.location: "/drift/analyser?besked=\(done)"])
    }
}
