import Foundation
import HTTPTypes
import Hummingbird
import KlartekstCore

/// Response helpers: every page and API body gets an ETag and a cache policy, and a matching
/// `If-None-Match` gets 304 without a body.
enum Responses {
    static func html(_ body: String, request: Request, status: HTTPResponse.Status = .ok) -> Response {
        make(body, contentType: "text/html; charset=utf-8", request: request, status: status, cacheControl: "public, max-age=60")
    }

    static func json(_ body: String, request: Request, status: HTTPResponse.Status = .ok) -> Response {
        make(body, contentType: "application/json; charset=utf-8", request: request, status: status, cacheControl: "public, max-age=60")
    }

    static func make(
        _ body: String, contentType: String, request: Request, status: HTTPResponse.Status, cacheControl: String
    ) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        guard status == .ok else {
            headers[.cacheControl] = "no-store"
            return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        let etag = "\"\(ContentHash.sha256(body).prefix(32))\""
        headers[.eTag] = etag
        headers[.cacheControl] = cacheControl
        if let match = request.headers[.ifNoneMatch],
            match.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == etag || $0.trimmingCharacters(in: .whitespaces) == "W/" + etag })
        {
            headers[.contentType] = nil
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

extension Responses {
    /// Binary content (audio) with an ETag, long caching and single byte ranges (`Range:
    /// bytes=a-b`), which phone browsers need to play and seek media.
    static func bytes(_ data: [UInt8], contentType: String, request: Request, etag: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.eTag] = etag
        headers[.acceptRanges] = "bytes"
        headers[.cacheControl] = "public, max-age=86400"
        if request.headers[.ifNoneMatch] == etag {
            return Response(status: .notModified, headers: headers)
        }
        if let range = request.headers[.range], let (start, end) = byteRange(range, count: data.count) {
            headers[.contentRange] = "bytes \(start)-\(end)/\(data.count)"
            return Response(status: .partialContent, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data[start...end])))
        } else if request.headers[.range] != nil {
            headers[.contentRange] = "bytes */\(data.count)"
            return Response(status: .rangeNotSatisfiable, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// `bytes=a-b`, `bytes=a-` or `bytes=-n` → inclusive offsets; nil when unsatisfiable or malformed.
    static func byteRange(_ header: String, count: Int) -> (Int, Int)? {
        guard header.hasPrefix("bytes="), count > 0 else { return nil }
        let spec = header.dropFirst(6).split(separator: ",").first.map(String.init) ?? ""
        let parts = spec.split(separator: "-", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2 else { return nil }
        if parts[0].isEmpty {
            guard let n = Int(parts[1]), n > 0 else { return nil }
            return (max(0, count - n), count - 1)
        }
        guard let start = Int(parts[0]), start >= 0, start < count else { return nil }
        if parts[1].isEmpty { return (start, count - 1) }
        guard let end = Int(parts[1]), end >= start else { return nil }
        return (start, min(end, count - 1))
    }
}

/// Security headers on every response: a CSP with no inline script, no framing, no sniffing.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    static var contentSecurityPolicy: String {
        "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; connect-src 'self'; media-src 'self'; form-action 'self'; "
            + "frame-ancestors 'none'; base-uri 'none'"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.referrerPolicy] = "strict-origin-when-cross-origin"
        response.headers[.xFrameOptions] = "DENY"
        response.headers[.permissionsPolicy] = "interest-cohort=()"
        return response
    }
}

/// Maps errors at the edge: known HTTP errors keep their status, anything else is logged and
/// becomes a bare 500. Pages get a Danish error page, the API gets JSON.
struct ErrorPageMiddleware<Context: RequestContext>: RouterMiddleware {
    let pages: Pages

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError {
            var response = render(status: error.status, message: error.body ?? Self.defaultMessage(error.status), request: request)
            for field in error.headers where field.name != .contentType && field.name != .contentLength { response.headers.append(field) }
            return response
        } catch {
            context.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return render(status: .internalServerError, message: Self.defaultMessage(.internalServerError), request: request)
        }
    }

    func render(status: HTTPResponse.Status, message: String, request: Request) -> Response {
        if request.uri.path.hasPrefix("/api/") {
            let body = APIEncoding.encode(APIError(error: .init(status: Int(status.code), message: message)))
            return Responses.json(body, request: request, status: status)
        }
        return Responses.html(pages.error(status: Int(status.code), message: message), request: request, status: status)
    }

    static func defaultMessage(_ status: HTTPResponse.Status) -> String {
        switch status.code {
        case 404: "Siden findes ikke."
        case 400: "Forespørgslen kunne ikke forstås."
        default: "Der skete en fejl hos os. Prøv igen om lidt."
        }
    }
}

struct APIError: Encodable {
    struct Body: Encodable {
        var status: Int
        var message: String
    }
    var error: Body
}

enum APIEncoding {
    static func encode(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}

extension HTTPField.Name {
    // Header names are constants; the initialiser only fails on invalid tokens.
    static let xContentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    static let xFrameOptions = HTTPField.Name("X-Frame-Options")!
    static let permissionsPolicy = HTTPField.Name("Permissions-Policy")!
}
