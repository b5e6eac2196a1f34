import Foundation
import Hummingbird
import KlartekstCore
import Logging
import NIOCore
import Synchronization

/// A First Agenda portal on 127.0.0.1 for tests and benchmarks: serves recorded fixtures (and
/// agendas made from them), and misbehaves on request — 302 until a session cookie is set, 429
/// with Retry-After, 500s, slow answers, truncated JSON, a viewer page instead of a PDF, an
/// expired storage redirect. Every request is logged.
public final class FakePortal: Sendable {
    public struct Meeting: Sendable {
        public var id: String
        public var committeeID: String
        public var committeeName: String
        public var date: String
        public var name: String
        public var finished: Bool
        public var released: String
        public var agenda: Data

        public init(id: String, committeeID: String, committeeName: String, date: String, name: String, finished: Bool, released: String, agenda: Data) {
            self.id = id
            self.committeeID = committeeID
            self.committeeName = committeeName
            self.date = date
            self.name = name
            self.finished = finished
            self.released = released
            self.agenda = agenda
        }
    }

    public enum Fault: Sendable, Equatable {
        case status(Int, retryAfter: String?)
        case delay(seconds: Double)
        case truncate
        case viewerPage
        case notPDF
        case expiredRedirect
    }

    public struct Rule: Sendable {
        public var pathContains: String
        public var remaining: Int
        public var fault: Fault
        public init(_ pathContains: String, times: Int = 1, _ fault: Fault) {
            self.pathContains = pathContains
            self.remaining = times
            self.fault = fault
        }
    }

    public struct Request: Sendable {
        public var path: String
        public var at: ContinuousClock.Instant
        public var status: Int
        public var conditional: Bool
        public var cookie: Bool
        public var userAgent: String
    }

    struct State {
        var meetings: [Meeting]
        var files: [String: Data]
        var rules: [Rule] = []
        var log: [Request] = []
        var started: [String] = []
        var inFlight = 0
        var maxInFlight = 0
    }

    let state: Mutex<State>
    public let requireCookie: Bool
    let task = Mutex<Task<Void, any Error>?>(nil)
    let portBox = Mutex<Int?>(nil)

    public init(meetings: [Meeting], files: [String: Data], requireCookie: Bool = false) {
        state = Mutex(State(meetings: meetings, files: files))
        self.requireCookie = requireCookie
    }

    public var baseURL: String { "http://127.0.0.1:\(portBox.withLock { $0 } ?? 0)" }
    /// Completed requests, in completion order.
    public var requests: [Request] { state.withLock { $0.log } }
    /// Paths of every request received, including ones still running or abandoned by the client.
    public var started: [String] { state.withLock { $0.started } }
    public var maxConcurrentRequests: Int { state.withLock { $0.maxInFlight } }
    public func clearLog() {
        state.withLock {
            $0.log.removeAll()
            $0.started.removeAll()
        }
    }

    public func add(_ rule: Rule) { state.withLock { $0.rules.append(rule) } }
    public func replaceMeetings(_ meetings: [Meeting]) { state.withLock { $0.meetings = meetings } }
    public var meetings: [Meeting] { state.withLock { $0.meetings } }

    /// Starts the server on a free loopback port.
    public func start() async throws {
        let router = Router()
        router.get("**") { request, context in try await self.handle(request, context: context) }
        let (t, port) = await LoopbackServer.start(router, name: "FakePortal")
        task.withLock { $0 = t }
        portBox.withLock { $0 = port }
    }

    public func stop() async {
        await LoopbackServer.stop(task.withLock { $0 })
    }

    // MARK: Handling

    func handle(_ request: Request_, context: BasicRequestContext) async throws -> Response {
        let path = request.uri.path
        let full = request.uri.description
        let cookie = request.headers[.cookie]?.contains("FirstAgendaSession=") == true
        let conditional = request.headers[.ifNoneMatch] != nil
        let ua = request.headers[.userAgent] ?? ""
        let startedAt = ContinuousClock.now
        let fault: Fault? = state.withLock { s in
            s.inFlight += 1
            s.started.append(full)
            s.maxInFlight = max(s.maxInFlight, s.inFlight)
            for i in s.rules.indices where s.rules[i].remaining > 0 && full.contains(s.rules[i].pathContains) {
                s.rules[i].remaining -= 1
                return s.rules[i].fault
            }
            return nil
        }
        var response: Response
        if case .delay(let seconds) = fault {
            try? await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
        }
        response = try await respond(request, path: path, full: full, cookie: cookie, fault: fault)
        let status = Int(response.status.code)
        state.withLock { s in
            s.inFlight -= 1
            s.log.append(Request(path: full, at: startedAt, status: status, conditional: conditional, cookie: cookie, userAgent: ua))
        }
        return response
    }

    public typealias Request_ = Hummingbird.Request

    func respond(_ request: Request_, path: String, full: String, cookie: Bool, fault: Fault?) async throws -> Response {
        if case .status(let code, let retryAfter) = fault {
            var h = HTTPFields()
            if let retryAfter { h[.retryAfter] = retryAfter }
            return Response(status: .init(code: code), headers: h, body: .init(byteBuffer: ByteBuffer(string: "fejl")))
        }
        if path == "/" || path.hasPrefix("/Home/AnonymousAuthentication") {
            var h = HTTPFields()
            h[.setCookie] = "FirstAgendaSession=s\(UUID().uuidString.prefix(8)); Path=/; HttpOnly"
            if path.hasPrefix("/Home"), let callback = request.uri.queryParameters["callback"].map(String.init) {
                h[.location] = callback.removingPercentEncoding ?? callback
                return Response(status: .found, headers: h)
            }
            return Response(status: .ok, headers: h, body: .init(byteBuffer: ByteBuffer(string: "<html></html>")))
        }
        if path.hasPrefix("/api/") && requireCookie && !cookie {
            var h = HTTPFields()
            h[.location] = "/Home/AnonymousAuthentication?callback=%2F"
            return Response(status: .found, headers: h)
        }
        if path == "/api/agenda/udvalgsliste" {
            return json(committeeList(), request: request, fault: fault)
        }
        if path.hasPrefix("/api/agenda/soeg") {
            let year = request.uri.queryParameters["request.kriterie.moedeDato"].map(String.init) ?? ""
            return json(search(year: year), request: request, fault: fault)
        }
        if path.hasPrefix("/api/agenda/dagsorden/") {
            let id = String(path.dropFirst("/api/agenda/dagsorden/".count)).lowercased()
            guard let m = meetings.first(where: { $0.id == id }) else { return Response(status: .notFound) }
            return json(m.agenda, request: request, fault: fault)
        }
        if path.lowercased().hasPrefix("/vis/pdf/bilag/") {
            let id = path.lowercased().dropFirst("/vis/pdf/bilag/".count).split(separator: "/").first.map(String.init) ?? ""
            guard state.withLock({ $0.files[id] }) != nil else { return Response(status: .notFound) }
            if fault == .viewerPage {
                let html = "<html><body><iframe src=\"\(baseURL)/s3/\(id)?X-Amz-Expires=300&amp;sig=x\" id=\"pdfframe\"></iframe></body></html>"
                var h = HTTPFields()
                h[.contentType] = "text/html; charset=utf-8"
                return Response(status: .ok, headers: h, body: .init(byteBuffer: ByteBuffer(string: html)))
            }
            var h = HTTPFields()
            h[.location] = "\(baseURL)/s3/\(id)?X-Amz-Expires=300\(fault == .expiredRedirect ? "&expired=1" : "")"
            return Response(status: .found, headers: h)
        }
        if path.hasPrefix("/s3/") {
            let id = String(path.dropFirst("/s3/".count))
            if full.contains("expired=1") {
                return Response(status: .forbidden, body: .init(byteBuffer: ByteBuffer(string: "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>")))
            }
            return pdf(id, fault: fault)
        }
        if path == "/Pdf/HentEksternPdf" {
            let id = (request.uri.queryParameters["documentId"].map(String.init) ?? "").lowercased()
            return pdf(id, fault: fault)
        }
        return Response(status: .notFound)
    }

    func pdf(_ id: String, fault: Fault?) -> Response {
        guard let data = state.withLock({ $0.files[id] }) else { return Response(status: .notFound) }
        var h = HTTPFields()
        if fault == .notPDF {
            h[.contentType] = "text/html"
            return Response(status: .ok, headers: h, body: .init(byteBuffer: ByteBuffer(string: "<html><body>Dokumentet findes ikke</body></html>")))
        }
        h[.contentType] = "application/pdf"
        return Response(status: .ok, headers: h, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    func json(_ data: Data, request: Request_, fault: Fault?) -> Response {
        var h = HTTPFields()
        h[.contentType] = "application/json; charset=utf-8"
        let etag = "\"\(ContentHash.sha256(data).prefix(16))\""
        h[.eTag] = etag
        if request.headers[.ifNoneMatch] == etag { return Response(status: .notModified, headers: h) }
        let body = fault == .truncate ? data.prefix(data.count / 2) : data
        return Response(status: .ok, headers: h, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    func committeeList() -> Data {
        var committees: [String: [String: Any]] = [:]
        for m in meetings {
            var c = committees[m.committeeID] ?? ["Id": m.committeeID, "Navn": m.committeeName, "Historisk": false, "Moeder": [[String: Any]]()]
            var list = c["Moeder"] as! [[String: Any]]
            list.append(meetingJSON(m))
            c["Moeder"] = list
            committees[m.committeeID] = c
        }
        let groups = ["2022-2025": committees.keys.sorted().map { committees[$0]! }]
        return (try? JSONSerialization.data(withJSONObject: ["Udvalg": groups], options: [.sortedKeys])) ?? Data()
    }

    func meetingJSON(_ m: Meeting) -> [String: Any] {
        [
            "Id": m.id, "Dato": "\(m.date)T17:00:00+02:00", "MeetingBeginUtc": "\(m.date)T17:00:00+02:00", "Navn": m.name,
            "Afsluttet": m.finished, "ReleasedDate": m.released, "Sted": "Rådhuset", "IsSupplementaryAgenda": false,
        ]
    }

    func search(year: String) -> Data {
        let hits = meetings.filter { $0.date.hasPrefix(year) }.map { m -> [String: Any] in
            ["Id": m.id, "Moede": meetingJSON(m), "Udvalg": ["Id": m.committeeID, "Navn": m.committeeName]]
        }
        let body: [String: Any] = ["Dagsordner": hits, "AntalResultater": hits.count, "MoreToBeSearched": false, "IkkePubliceredeMoeder": false]
        return (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data()
    }
}
