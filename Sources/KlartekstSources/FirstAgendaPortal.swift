import Foundation
import KlartekstCore
import Logging

/// One First Agenda portal (`https://dagsordener.<kommune>.dk`) over a ``PoliteHTTPClient``:
/// the anonymous-session dance, conditional GETs, and attachment downloads that follow the
/// short-lived storage redirect at once and refuse anything that is not a PDF.
public struct FirstAgendaPortal: PortalFetching {
    public let baseURL: String
    let client: PoliteHTTPClient
    let logger: Logger

    public init(baseURL: String, client: PoliteHTTPClient, logger: Logger) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.client = client
        self.logger = logger
    }

    func absolute(_ pathOrURL: String) -> String {
        if pathOrURL.hasPrefix("http://") || pathOrURL.hasPrefix("https://") { return pathOrURL }
        return baseURL + (pathOrURL.hasPrefix("/") ? pathOrURL : "/" + pathOrURL)
    }

    static func isRedirect(_ status: Int) -> Bool { [301, 302, 303, 307, 308].contains(status) }

    public func get(_ pathOrURL: String, validators: CacheValidators?, maxBytes: Int) async throws -> FetchResult {
        let url = absolute(pathOrURL)
        var headers: [(String, String)] = []
        if let etag = validators?.etag { headers.append(("If-None-Match", etag)) }
        if let lm = validators?.lastModified { headers.append(("If-Modified-Since", lm)) }
        var exchange = try await client.get(url, headers: headers, maxBytes: maxBytes)
        if Self.isRedirect(exchange.status) {
            // Some hosts answer the API with 302 until an anonymous session cookie is set.
            try await establishSession()
            exchange = try await client.get(url, headers: headers, maxBytes: maxBytes)
        }
        switch exchange.status {
        case 304:
            return .notModified
        case 200..<300:
            return .ok(
                body: exchange.body, contentType: exchange.header("Content-Type"),
                validators: CacheValidators(etag: exchange.header("ETag"), lastModified: exchange.header("Last-Modified")))
        default:
            throw FetchError(.http, url: url, "HTTP \(exchange.status)\(Self.isRedirect(exchange.status) ? " (still redirected after getting a session)" : "")")
        }
    }

    /// `GET /Home/AnonymousAuthentication?callback=<base>/`, following its redirects on the portal
    /// host to collect the session cookie.
    func establishSession() async throws {
        let callback = (baseURL + "/").addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? baseURL
        var url = baseURL + "/Home/AnonymousAuthentication?callback=" + callback
        for _ in 0..<4 {
            let exchange = try await client.get(url, maxBytes: 1 << 20)
            guard Self.isRedirect(exchange.status), let location = exchange.header("Location") else { return }
            let next = URL(string: location, relativeTo: URL(string: url))?.absoluteString ?? location
            guard URL(string: next)?.host == URL(string: baseURL)?.host else { return }
            url = next
        }
        logger.debug("anonymous session established", metadata: ["portal": "\(baseURL)"])
    }

    public func download(_ pathOrURL: String, maxBytes: Int) async throws -> (body: Data, contentType: String?) {
        let url = absolute(pathOrURL)
        var lastProblem = ""
        for _ in 0..<2 {  // a second round when the pre-signed URL had already expired
            var exchange = try await client.get(url, maxBytes: maxBytes)
            if Self.isRedirect(exchange.status) && exchange.header("Location").map({ $0.contains("AnonymousAuthentication") }) == true {
                try await establishSession()
                exchange = try await client.get(url, maxBytes: maxBytes)
            }
            if Self.isRedirect(exchange.status), let location = exchange.header("Location") {
                // Pre-signed storage URL, valid for minutes: follow now, never store it.
                let target = URL(string: location, relativeTo: URL(string: url))?.absoluteString ?? location
                exchange = try await client.get(target, maxBytes: maxBytes)
                if exchange.status == 403 || exchange.status == 400 {
                    lastProblem = "the storage link had expired (HTTP \(exchange.status))"
                    continue
                }
            }
            guard (200..<300).contains(exchange.status) else {
                throw FetchError(.http, url: url, "HTTP \(exchange.status)")
            }
            if Self.isPDF(exchange.body) { return (exchange.body, exchange.header("Content-Type")) }
            // The viewer page (an HTML page with an iframe to the PDF) instead of the PDF.
            if let frame = Self.iframeSource(exchange.body) {
                let target = URL(string: frame, relativeTo: URL(string: url))?.absoluteString ?? frame
                let inner = try await client.get(target, maxBytes: maxBytes)
                if (200..<300).contains(inner.status) && Self.isPDF(inner.body) { return (inner.body, inner.header("Content-Type")) }
                if inner.status == 403 || inner.status == 400 {
                    lastProblem = "the viewer's storage link had expired (HTTP \(inner.status))"
                    continue
                }
                throw FetchError(.notPDF, url: url, "a viewer page whose frame is not a PDF (HTTP \(inner.status))")
            }
            let type = exchange.header("Content-Type") ?? "no content type"
            throw FetchError(.notPDF, url: url, "not a PDF (\(type), starts with \(Self.preview(exchange.body)))")
        }
        throw FetchError(.http, url: url, lastProblem)
    }

    static func isPDF(_ data: Data) -> Bool {
        data.prefix(1024).range(of: Data("%PDF-".utf8)) != nil
    }

    static func preview(_ data: Data) -> String {
        let s = String(decoding: data.prefix(24), as: UTF8.self).filter { !$0.isNewline }
        return "\"\(s)\""
    }

    /// The `src` of the first `<iframe>` in a viewer page, entities decoded.
    static func iframeSource(_ data: Data) -> String? {
        let html = String(decoding: data.prefix(64 * 1024), as: UTF8.self)
        guard let frame = html.range(of: "<iframe", options: .caseInsensitive) else { return nil }
        let rest = html[frame.upperBound...]
        guard let src = rest.range(of: "src=\"", options: .caseInsensitive) else { return nil }
        let value = rest[src.upperBound...].prefix { $0 != "\"" }
        return String(value).replacingOccurrences(of: "&amp;", with: "&")
    }
}
