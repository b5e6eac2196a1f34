import Crypto
import Foundation

/// A subscriber's standing search: e-mail (double opt-in) or a webhook (its owner confirms by
/// e-mail), for a topic and/or words and a municipality, sent at once or daily.
public struct Subscription: Sendable, Equatable {
    public enum Channel: String, Sendable, Codable { case email, webhook }
    public enum Frequency: String, Sendable, Codable, CaseIterable { case immediate, daily }
    public enum Status: String, Sendable, Codable { case pending, active, unsubscribed, disabled }

    public var id: Int64
    public var channel: Channel
    /// The e-mail address, or the webhook URL.
    public var address: String
    /// Who confirms and is told when a webhook is disabled (the address itself for e-mail).
    public var ownerEmail: String
    /// The webhook's signing key (HMAC-SHA256), shown to the owner once confirmed.
    public var secret: String
    public var query: String
    public var topic: String?
    public var municipality: String?
    public var frequency: Frequency
    public var status: Status
    /// Consecutive failed deliveries.
    public var failures: Int
    /// Items indexed after this search_doc id are new to the subscriber.
    public var cursor: Int64
    public var lastSentAt: String?

    public init(
        id: Int64 = 0, channel: Channel, address: String, ownerEmail: String, secret: String, query: String, topic: String?, municipality: String?,
        frequency: Frequency, status: Status = .pending, failures: Int = 0, cursor: Int64 = 0, lastSentAt: String? = nil
    ) {
        self.id = id
        self.channel = channel
        self.address = address
        self.ownerEmail = ownerEmail
        self.secret = secret
        self.query = query
        self.topic = topic
        self.municipality = municipality
        self.frequency = frequency
        self.status = status
        self.failures = failures
        self.cursor = cursor
        self.lastSentAt = lastSentAt
    }

    /// After this many failed deliveries in a row the channel is disabled and its owner told.
    public static let maximumFailures = 5

    /// What the subscriber follows, in Danish ("hjemløshed", "«budget» i Hvidovre Kommune").
    public func describe(topicName: String?, municipalityName: String?) -> String {
        var parts: [String] = []
        if let topicName { parts.append(topicName.lowercased()) }
        if !query.isEmpty { parts.append("«\(query)»") }
        var text = parts.isEmpty ? "alle nye punkter" : parts.joined(separator: " og ")
        if let municipalityName { text += " i \(municipalityName)" }
        return text
    }

    /// Due now: immediate subscriptions always; daily ones once per Danish day, from 6 o'clock.
    public func isDue(now: Date) -> Bool {
        guard status == .active else { return false }
        guard frequency == .daily else { return true }
        let today = DanishFormat.isoDay(now)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/Copenhagen") ?? .gmt
        guard calendar.component(.hour, from: now) >= 6 else { return false }
        return (lastSentAt.map { DanishFormat.isoDay(ISO8601DateFormatter().date(from: $0) ?? .distantPast) } ?? "") < today
    }

    /// Simple checks of what a citizen typed.
    public static func validEmail(_ s: String) -> Bool {
        let parts = s.split(separator: "@", omittingEmptySubsequences: false)
        return s.count <= 254 && parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !parts[1].hasPrefix(".")
            && !parts[1].hasSuffix(".") && s.allSatisfy { !$0.isWhitespace && $0 != "<" && $0 != ">" && $0 != "," && $0 != ";" }
    }

    public static func validWebhook(_ s: String) -> Bool {
        guard s.count <= 500, let url = URL(string: s), let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http",
            let host = url.host, !host.isEmpty
        else { return false }
        return true
    }
}

/// One new item in a digest.
public struct AlertItem: Sendable, Equatable, Codable {
    public var itemKey: String
    public var title: String
    public var municipality: String
    public var committee: String
    public var date: String?
    public var question: String?
    public var url: String

    public init(itemKey: String, title: String, municipality: String, committee: String, date: String?, question: String?, url: String) {
        self.itemKey = itemKey
        self.title = title
        self.municipality = municipality
        self.committee = committee
        self.date = date
        self.question = question
        self.url = url
    }
}

/// A digest made for a subscriber: stored before it is sent, so a crash or a failing channel
/// never loses it and it is never made twice.
public struct AlertDigest: Sendable, Equatable {
    public var id: Int64
    public var subscriptionID: Int64
    public var items: [AlertItem]
    public var attempts: Int

    public init(id: Int64, subscriptionID: Int64, items: [AlertItem], attempts: Int) {
        self.id = id
        self.subscriptionID = subscriptionID
        self.items = items
        self.attempts = attempts
    }
}

/// Signed links in messages (confirm, unsubscribe): HMAC-SHA256 of purpose and id.
public struct AlertTokens: Sendable {
    let key: SymmetricKey
    public init(secret: String) { key = SymmetricKey(data: Data(("klartekst-alerts:" + secret).utf8)) }

    public func token(_ purpose: String, _ id: Int64) -> String {
        Data(HMAC<SHA256>.authenticationCode(for: Data("\(purpose):\(id)".utf8), using: key)).prefix(18).base64URL
    }

    public func valid(_ token: String?, _ purpose: String, _ id: Int64) -> Bool {
        guard let token else { return false }
        let expected = Array(self.token(purpose, id).utf8)
        let given = Array(token.utf8)
        guard expected.count == given.count else { return false }
        return zip(expected, given).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// `sha256=<hex>` of a webhook body with the subscription's secret.
    public static func webhookSignature(body: [UInt8], secret: String) -> String {
        "sha256=" + HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8))).map { String(format: "%02x", $0) }.joined()
    }
}

extension Data {
    /// Base64 for URLs and cookies (RFC 4648 §5, no padding).
    public var base64URL: String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}

/// The texts of alert e-mails, in Danish (plain text: every mail client shows it, nothing to escape).
public enum AlertMail {
    public struct Message: Sendable, Equatable {
        public var to: String
        public var subject: String
        public var body: String
        /// One-click unsubscribe (RFC 8058), when the message is a digest.
        public var unsubscribeURL: String?
        public init(to: String, subject: String, body: String, unsubscribeURL: String? = nil) {
            self.to = to
            self.subject = subject
            self.body = body
            self.unsubscribeURL = unsubscribeURL
        }
    }

    public static func confirmation(to: String, what: String, channel: Subscription.Channel, webhook: String?, confirmURL: String) -> Message {
        let via = channel == .email ? "på e-mail" : "som webhook til \(webhook ?? "")"
        return Message(
            to: to, subject: "Bekræft: besked fra Klartekst om \(what)",
            body: """
                Hej

                Nogen (forhåbentlig dig) har bedt om at få besked fra Klartekst \(via), når kommunerne behandler nye sager om \(what).

                Bekræft her:
                \(confirmURL)

                Hvis det ikke var dig, skal du ikke gøre noget. Så hører du ikke fra os igen.

                Klartekst – kommunernes beslutninger i klart sprog
                """)
    }

    public static func digest(to: String, what: String, items: [AlertItem], unsubscribeURL: String) -> Message {
        let count = items.count == 1 ? "1 nyt punkt" : "\(DanishFormat.integer(items.count)) nye punkter"
        var body = "Hej\n\nDer er \(count) om \(what) hos kommunerne:\n\n"
        for i in items {
            body += "• \(i.title)\n  \(i.municipality) · \(i.committee)\(DanishFormat.date(i.date).map { ", \($0)" } ?? "")\n"
            if let q = i.question { body += "  \(q)\n" }
            body += "  \(i.url)\n\n"
        }
        body += """
            Resuméerne på Klartekst er lavet automatisk og kan indeholde fejl; læs altid sagens egen tekst.

            Du får denne e-mail, fordi du har bedt om besked om \(what).
            Afmeld: \(unsubscribeURL)
            """
        return Message(to: to, subject: "Klartekst: \(count) om \(what)", body: body, unsubscribeURL: unsubscribeURL)
    }

    public static func disabled(to: String, webhook: String, what: String, reason: String, subscribeURL: String) -> Message {
        Message(
            to: to, subject: "Klartekst har stoppet din webhook",
            body: """
                Hej

                Klartekst kunne ikke levere besked om \(what) til din webhook \(webhook) \(Subscription.maximumFailures) gange i træk og har derfor stoppet den.
                Seneste fejl: \(reason)

                Når webhooken virker igen, kan du oprette den på ny her:
                \(subscribeURL)

                Klartekst
                """)
    }
}

/// The alert subscriptions and digests in the store.
public protocol AlertStore: Sendable {
    /// A new pending subscription; returns its id.
    func createSubscription(_ s: Subscription) async throws -> Int64
    func subscription(id: Int64) async throws -> Subscription?
    /// Pending → active, with the cursor at the newest indexed item (only later items are new). False if not pending.
    func confirmSubscription(id: Int64) async throws -> Bool
    /// Active or pending → unsubscribed. False if it was not.
    func unsubscribe(id: Int64) async throws -> Bool
    func activeSubscriptions() async throws -> [Subscription]
    /// Stores a digest of `items` and moves the subscription's cursor to `cursor`, in one transaction.
    func createDigest(subscriptionID: Int64, items: [AlertItem], cursor: Int64) async throws
    /// Digests not yet delivered, oldest first.
    func pendingDigests(subscriptionID: Int64) async throws -> [AlertDigest]
    func markDigestSent(id: Int64) async throws
    /// Counts a failed attempt; returns the subscription's consecutive failures.
    func markDigestFailed(id: Int64, error: String) async throws -> Int
    func disableSubscription(id: Int64, reason: String) async throws
    /// Indexed items after the subscription's cursor that match it, oldest first (at most
    /// `limit`), with the question of their analysis; and the newest index id seen.
    func newAlertItems(_ s: Subscription, limit: Int) async throws -> (items: [(hit: SearchHit, question: String?)], cursor: Int64)
}

/// Readable, stable links to items (the web layer serves them; messages and feeds point at them).
public enum SiteLinks {
    static let segmentCharacters = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))

    public static func segment(_ s: String) -> String {
        // Slugs and item numbers are plain ASCII: nothing to encode (the common case, cheaply).
        if s.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x2E || $0 == 0x5F || $0 == 0x7E }) {
            return s
        }
        return s.addingPercentEncoding(withAllowedCharacters: segmentCharacters) ?? s
    }

    public static func item(_ municipality: String, _ meeting: String, _ number: String) -> String {
        "/kommune/\(segment(municipality))/moede/\(segment(meeting))/punkt/\(segment(number))"
    }
}
