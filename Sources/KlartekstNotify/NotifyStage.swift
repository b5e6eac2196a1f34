import Foundation
import KlartekstCore
import Logging
import Metrics

/// Sends alerts: for every active subscription that is due, the items indexed since its cursor
/// that match it become one digest (stored first, cursor moved, in one transaction), then every
/// pending digest is sent — e-mail through `mail`, webhooks through `post`. A failed delivery
/// stays pending and is tried on the next run; after ``Subscription/maximumFailures`` failures in
/// a row a webhook is disabled and its owner told by e-mail. Safe to run from several processes.
public struct NotifyStage: Sendable {
    public struct Report: Sendable, Equatable {
        public var digests = 0
        public var sent = 0
        public var failed = 0
        public var disabled = 0
        public var errors: [String] = []
        public init() {}
    }

    let store: any AlertStore
    let mail: @Sendable (AlertMail.Message) async throws -> Void
    let post: @Sendable (WebhookSender.Payload, String, String) async throws -> Void
    let tokens: AlertTokens
    let baseURL: String
    let topics: [String: String]
    let municipalities: [String: String]
    let logger: Logger
    let now: @Sendable () -> Date

    public init(
        store: any AlertStore, mail: @escaping @Sendable (AlertMail.Message) async throws -> Void,
        post: @escaping @Sendable (WebhookSender.Payload, String, String) async throws -> Void, tokens: AlertTokens, baseURL: String,
        topics: [String: String], municipalities: [String: String], logger: Logger, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.store = store
        self.mail = mail
        self.post = post
        self.tokens = tokens
        self.baseURL = baseURL
        self.topics = topics
        self.municipalities = municipalities
        self.logger = logger
        self.now = now
    }

    public func describe(_ s: Subscription) -> String {
        s.describe(topicName: s.topic.flatMap { topics[$0] }, municipalityName: s.municipality.flatMap { municipalities[$0] })
    }

    public func unsubscribeURL(_ s: Subscription) -> String { "\(baseURL)/abonnement/\(s.id)/afmeld?token=\(tokens.token("unsubscribe", s.id))" }

    public func run() async -> Report {
        var report = Report()
        let subscriptions: [Subscription]
        do { subscriptions = try await store.activeSubscriptions() } catch {
            report.errors.append("subscriptions: \(error)")
            return report
        }
        for s in subscriptions {
            do {
                if s.isDue(now: now()) {
                    let (found, cursor) = try await store.newAlertItems(s, limit: 200)
                    let items = found.map { f in
                        AlertItem(
                            itemKey: f.hit.itemKey, title: f.hit.title, municipality: f.hit.municipalityName, committee: f.hit.committee,
                            date: f.hit.date.isEmpty ? nil : f.hit.date, question: f.question,
                            url: baseURL + SiteLinks.item(f.hit.municipality, f.hit.meetingSlug, f.hit.number))
                    }
                    if cursor > s.cursor {
                        try await store.createDigest(subscriptionID: s.id, items: items, cursor: cursor)
                        if !items.isEmpty { report.digests += 1 }
                    }
                }
                for digest in try await store.pendingDigests(subscriptionID: s.id) {
                    try await deliver(digest, s, &report)
                }
            } catch {
                report.errors.append("subscription \(s.id): \(error)")
            }
        }
        Counter(label: "klartekst_alerts_sent_total").increment(by: report.sent)
        Counter(label: "klartekst_alerts_failed_total").increment(by: report.failed)
        return report
    }

    func deliver(_ digest: AlertDigest, _ s: Subscription, _ report: inout Report) async throws {
        do {
            switch s.channel {
            case .email:
                try await mail(AlertMail.digest(to: s.address, what: describe(s), items: digest.items, unsubscribeURL: unsubscribeURL(s)))
            case .webhook:
                try await post(
                    WebhookSender.Payload(subscription: s.id, delivery: digest.id, following: describe(s), items: digest.items, unsubscribeURL: unsubscribeURL(s)),
                    s.address, s.secret)
            }
            try await store.markDigestSent(id: digest.id)
            report.sent += 1
        } catch {
            report.failed += 1
            let failures = try await store.markDigestFailed(id: digest.id, error: "\(error)")
            logger.warning("alert delivery failed", metadata: ["subscription": "\(s.id)", "failures": "\(failures)", "error": "\(error)"])
            guard failures >= Subscription.maximumFailures else { return }
            try await store.disableSubscription(id: s.id, reason: "\(error)")
            report.disabled += 1
            if s.channel == .webhook {
                try? await mail(AlertMail.disabled(to: s.ownerEmail, webhook: s.address, what: describe(s), reason: "\(error)", subscribeURL: baseURL + "/abonner"))
            }
        }
    }
}
