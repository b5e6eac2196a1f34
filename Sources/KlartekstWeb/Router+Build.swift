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

    public init(
        store: any KlartekstStore, pages: Pages, metrics: PrometheusCollectorRegistry, registry: [Municipality] = [],
        sourceHealth: (@Sendable () async throws -> [SourceHealth])? = nil
    ) throws {
        self.store = store
        self.pages = pages
        self.metrics = metrics
        self.registry = registry
        self.sourceHealth = sourceHealth
        guard let staticDir = Bundle.module.resourceURL?.appendingPathComponent("Static") else {
            throw WebError("static files are missing from the bundle")
        }
        self.staticFiles = [
            "klartekst.css": ("text/css; charset=utf-8", try String(contentsOf: staticDir.appendingPathComponent("klartekst.css"), encoding: .utf8))
        ]
        self.openAPI = try String(contentsOf: staticDir.appendingPathComponent("openapi.json"), encoding: .utf8)
    }

    /// Loads templates and static files from the bundle.
    public static func load(
        store: any KlartekstStore, metrics: PrometheusCollectorRegistry, registry: [Municipality] = [],
        sourceHealth: (@Sendable () async throws -> [SourceHealth])? = nil
    ) async throws -> WebDependencies {
        try WebDependencies(store: store, pages: try await Pages.load(), metrics: metrics, registry: registry, sourceHealth: sourceHealth)
    }
}

/// Builds the router: HTML pages (Danish), the JSON API under `/api/v1`, `/metrics`, `/healthz`.
public func buildRouter(_ deps: WebDependencies) -> Router<BasicRequestContext> {
    let router = Router(context: BasicRequestContext.self)
    router.middlewares.add(SecurityHeadersMiddleware())
    router.middlewares.add(MetricsMiddleware())
    router.middlewares.add(LogRequestsMiddleware(.debug))
    router.middlewares.add(ErrorPageMiddleware(pages: deps.pages))
    let store = deps.store
    let pages = deps.pages

    // MARK: Pages
    router.get("/") { request, _ in
        Responses.html(pages.home(try await store.municipalities()), request: request)
    }
    router.get("/kommune/:municipality") { request, context in
        guard let page = try await store.municipality(slug: try context.parameters.require("municipality")) else {
            throw HTTPError(.notFound, message: "Kommunen findes ikke i Klartekst.")
        }
        return Responses.html(pages.municipality(page), request: request)
    }
    router.get("/kommune/:municipality/moede/:meeting") { request, context in
        guard let page = try await store.meeting(
            municipality: try context.parameters.require("municipality"), slug: try context.parameters.require("meeting"))
        else { throw HTTPError(.notFound, message: "Mødet findes ikke.") }
        return Responses.html(pages.meeting(page), request: request)
    }
    router.get("/kommune/:municipality/moede/:meeting/punkt/:number") { request, context in
        guard let page = try await store.item(
            municipality: try context.parameters.require("municipality"), meeting: try context.parameters.require("meeting"),
            number: try context.parameters.require("number"))
        else { throw HTTPError(.notFound, message: "Punktet findes ikke.") }
        return Responses.html(pages.item(page), request: request)
    }
    router.get("/kommune/:municipality/sag/:case") { request, context in
        guard let page = try await store.caseItems(
            municipality: try context.parameters.require("municipality"), caseSlug: try context.parameters.require("case"))
        else { throw HTTPError(.notFound, message: "Sagen findes ikke.") }
        return Responses.html(pages.caseFile(page), request: request)
    }
    router.get("/kommune/:municipality/bilag/:id") { request, context in
        guard let page = try await store.attachment(
            municipality: try context.parameters.require("municipality"), portalID: try context.parameters.require("id"))
        else { throw HTTPError(.notFound, message: "Bilaget findes ikke.") }
        return Responses.html(pages.attachment(page), request: request)
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
        guard let page = try await store.municipality(slug: try context.parameters.require("municipality")) else {
            throw HTTPError(.notFound, message: "unknown municipality")
        }
        let body = API.MunicipalityDetail(
            municipality: .init(page.municipality), committees: page.committees,
            meetings: page.meetings.map { API.Meeting($0, municipality: page.municipality.slug) })
        return Responses.json(APIEncoding.encode(body), request: request)
    }
    router.get("/api/v1/municipalities/:municipality/meetings/:meeting") { request, context in
        guard let page = try await store.meeting(
            municipality: try context.parameters.require("municipality"), slug: try context.parameters.require("meeting"))
        else { throw HTTPError(.notFound, message: "unknown meeting") }
        let m = page.municipality.slug
        let body = API.MeetingDetail(
            municipality: .init(page.municipality), meeting: .init(page.meeting, municipality: m), documents: page.documents,
            participants: page.participants, items: page.items.map { API.itemRow($0, municipality: m, meeting: page.meeting.slug) })
        return Responses.json(APIEncoding.encode(body), request: request)
    }
    router.get("/api/v1/municipalities/:municipality/meetings/:meeting/items/:number") { request, context in
        guard let page = try await store.item(
            municipality: try context.parameters.require("municipality"), meeting: try context.parameters.require("meeting"),
            number: try context.parameters.require("number"))
        else { throw HTTPError(.notFound, message: "unknown item") }
        return Responses.json(APIEncoding.encode(API.item(page)), request: request)
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
    router.get("/healthz") { request, _ in
        _ = try await store.counts()
        return Responses.make("ok\n", contentType: "text/plain; charset=utf-8", request: request, status: .ok, cacheControl: "no-store")
    }
    router.get("/metrics") { _, _ in
        var buffer: [UInt8] = []
        deps.metrics.emit(into: &buffer)
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
    }
    return router
}
