import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// Secrets and operator credentials for the web layer: signs values (cookies, CSRF tokens) with
/// HMAC-SHA256 under the current key and accepts signatures of earlier keys (rotation).
public struct WebSecurity: Sendable {
    /// Signing keys, newest first; signatures are made with the first and checked against all.
    let keys: [SymmetricKey]
    /// Operator login for `/drift/analyser` (HTTP Basic); nil: the review pages are switched off.
    let adminUser: String?
    let adminPassword: String?
    /// Send cookies with `Secure` (behind HTTPS).
    public let secureCookies: Bool

    /// - Parameters:
    ///   - secrets: signing secrets, newest first (at least 16 bytes each); empty: a random key for this process only.
    public init(secrets: [String], adminUser: String? = nil, adminPassword: String? = nil, secureCookies: Bool = false) {
        var keys = secrets.filter { !$0.isEmpty }.map { SymmetricKey(data: Data(SHA256.hash(data: Data($0.utf8)))) }
        if keys.isEmpty { keys = [SymmetricKey(size: .bits256)] }
        self.keys = keys
        self.adminUser = adminUser.flatMap { $0.isEmpty ? nil : $0 }
        self.adminPassword = adminPassword.flatMap { $0.isEmpty ? nil : $0 }
        self.secureCookies = secureCookies
    }

    /// "value.signature" (signature: base64url HMAC of purpose + value).
    public func sign(_ value: String, purpose: String) -> String {
        value + "." + Self.base64url(Data(HMAC<SHA256>.authenticationCode(for: Data((purpose + "\u{1F}" + value).utf8), using: keys[0])))
    }

    /// The value of a signed string, or nil when the signature does not match any key.
    public func verify(_ signed: String, purpose: String) -> String? {
        guard let dot = signed.lastIndex(of: ".") else { return nil }
        let value = String(signed[..<dot])
        guard let mac = Self.unbase64url(String(signed[signed.index(after: dot)...])) else { return nil }
        for key in keys where HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: Data((purpose + "\u{1F}" + value).utf8), using: key) {
            return value
        }
        return nil
    }

    /// A CSRF token bound to a session value (participant id or operator name) and a time window.
    public func csrfToken(for session: String, now: Date = Date()) -> String {
        sign("\(Int(now.timeIntervalSince1970) / 3600)", purpose: "csrf:" + session)
    }

    /// Valid for the hour it was made and the next 23.
    public func csrfValid(_ token: String?, for session: String, now: Date = Date()) -> Bool {
        guard let token, let hourText = verify(token, purpose: "csrf:" + session), let hour = Int(hourText) else { return false }
        let current = Int(now.timeIntervalSince1970) / 3600
        return hour <= current && current - hour < 24
    }

    /// The operator name when the request carries valid Basic credentials.
    func operatorName(_ request: Request) -> String? {
        guard let user = adminUser, let password = adminPassword, let header = request.headers[.authorization],
            header.lowercased().hasPrefix("basic "), let decoded = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
            let text = String(data: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return nil }
        let u = String(text[..<colon])
        let p = String(text[text.index(after: colon)...])
        // Compare digests so the time taken does not depend on where the strings differ.
        let ok = Self.constantTimeEqual(u, user) && Self.constantTimeEqual(p, password)
        return ok ? u : nil
    }

    /// Throws 401 (with a Basic challenge) unless an operator is logged in; 403 when no login is configured.
    func requireOperator(_ request: Request) throws -> String {
        guard adminUser != nil, adminPassword != nil else {
            throw HTTPError(.forbidden, message: "Redaktionens sider er slået fra: sæt admin.user og admin.password i konfigurationen.")
        }
        guard let name = operatorName(request) else {
            throw HTTPError(.unauthorized, headers: [.wwwAuthenticate: "Basic realm=\"Klartekst redaktion\", charset=\"UTF-8\""], message: "Log ind som redaktør.")
        }
        return name
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = SHA256.hash(data: Data(a.utf8))
        let y = SHA256.hash(data: Data(b.utf8))
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    static func base64url(_ d: Data) -> String {
        d.base64URL
    }

    static func unbase64url(_ s: String) -> Data? {
        var t = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while t.count % 4 != 0 { t += "=" }
        return Data(base64Encoded: t)
    }
}

/// `application/x-www-form-urlencoded` bodies.
enum Form {
    static func parse(_ body: String) -> [String: String] {
        var out: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String { String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            guard let k = parts.first else { continue }
            out[decode(k)] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return out
    }

    /// Reads a form body of at most `limit` bytes.
    static func read(_ request: Request, limit: Int = 64 << 10) async throws -> [String: String] {
        let buffer = try await request.body.collect(upTo: limit)
        return parse(String(buffer: buffer))
    }
}

extension HTTPField.Name {
    static let wwwAuthenticate = HTTPField.Name("WWW-Authenticate")!
}
