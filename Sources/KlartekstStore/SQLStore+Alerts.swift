import Foundation
import KlartekstCore

/// Alert subscriptions and their digests. A digest is written (with the subscription's cursor
/// moved past its items) in one transaction before anything is sent, so every new item is in
/// exactly one digest per subscriber, whatever fails afterwards.
extension SQLStore {
    static func subscription(_ r: SQLRow) -> Subscription {
        Subscription(
            id: Int64(r.int("id") ?? 0), channel: Subscription.Channel(rawValue: r.string("channel") ?? "") ?? .email,
            address: r.string("address") ?? "", ownerEmail: r.string("owner_email") ?? "", secret: r.string("secret") ?? "",
            query: r.string("query") ?? "", topic: r.string("topic"), municipality: r.string("municipality"),
            frequency: Subscription.Frequency(rawValue: r.string("frequency") ?? "") ?? .daily,
            status: Subscription.Status(rawValue: r.string("status") ?? "") ?? .pending, failures: r.int("failures") ?? 0,
            cursor: Int64(r.int("cursor_id") ?? 0), lastSentAt: r.string("last_sent_at"))
    }

    public func createSubscription(_ s: Subscription) async throws -> Int64 {
        let now = Self.iso(self.now())
        return try await db.transaction { exec in
            let row = try await exec.query(
                """
                INSERT INTO subscription (channel, address, owner_email, secret, query, topic, municipality, frequency, status, failures, cursor_id, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, 0, ?) RETURNING id
                """,
                [.text(s.channel.rawValue), .text(s.address), .text(s.ownerEmail), .text(s.secret), .text(s.query), SQLValue(s.topic),
                 SQLValue(s.municipality), .text(s.frequency.rawValue), .text(now)]
            ).first
            return Int64(row?.int("id") ?? 0)
        }
    }

    public func subscription(id: Int64) async throws -> Subscription? {
        try await db.read { exec in try await exec.one("SELECT * FROM subscription WHERE id = ?", .int(id)).map(Self.subscription) }
    }

    public func confirmSubscription(id: Int64) async throws -> Bool {
        let now = Self.iso(self.now())
        return try await db.transaction { exec in
            guard try await exec.one("SELECT id FROM subscription WHERE id = ? AND status = 'pending'", .int(id)) != nil else { return false }
            let newest = try await exec.one("SELECT COALESCE(MAX(id), 0) AS m FROM search_doc")?.int("m") ?? 0
            try await exec.execute(
                "UPDATE subscription SET status = 'active', confirmed_at = ?, cursor_id = ? WHERE id = ?", .text(now), .int(Int64(newest)), .int(id))
            return true
        }
    }

    public func unsubscribe(id: Int64) async throws -> Bool {
        try await db.transaction { exec in
            guard try await exec.one("SELECT id FROM subscription WHERE id = ? AND status IN ('pending', 'active')", .int(id)) != nil else { return false }
            try await exec.execute("UPDATE subscription SET status = 'unsubscribed' WHERE id = ?", .int(id))
            try await exec.execute("UPDATE alert_digest SET status = 'abandoned' WHERE subscription_id = ? AND status = 'pending'", .int(id))
            return true
        }
    }

    public func activeSubscriptions() async throws -> [Subscription] {
        try await db.read { exec in try await exec.query("SELECT * FROM subscription WHERE status = 'active' ORDER BY id").map(Self.subscription) }
    }

    public func createDigest(subscriptionID: Int64, items: [AlertItem], cursor: Int64) async throws {
        let now = Self.iso(self.now())
        let json = String(decoding: try JSONEncoder().encode(items), as: UTF8.self)
        try await db.transaction { exec in
            // Only moves forward: a second notifier that read the same items makes no second digest.
            guard try await exec.one("SELECT id FROM subscription WHERE id = ? AND cursor_id < ? AND status = 'active'", .int(subscriptionID), .int(cursor)) != nil
            else { return }
            try await exec.execute("UPDATE subscription SET cursor_id = ? WHERE id = ?", .int(cursor), .int(subscriptionID))
            if !items.isEmpty {
                try await exec.execute(
                    "INSERT INTO alert_digest (subscription_id, items, status, attempts, created_at) VALUES (?, ?, 'pending', 0, ?)",
                    .int(subscriptionID), .text(json), .text(now))
            }
        }
    }

    public func pendingDigests(subscriptionID: Int64) async throws -> [AlertDigest] {
        try await db.read { exec in
            try await exec.query("SELECT * FROM alert_digest WHERE subscription_id = ? AND status = 'pending' ORDER BY id", .int(subscriptionID)).map {
                AlertDigest(
                    id: Int64($0.int("id") ?? 0), subscriptionID: subscriptionID,
                    items: (try? JSONDecoder().decode([AlertItem].self, from: Data(($0.string("items") ?? "[]").utf8))) ?? [],
                    attempts: $0.int("attempts") ?? 0)
            }
        }
    }

    public func markDigestSent(id: Int64) async throws {
        let now = Self.iso(self.now())
        try await db.transaction { exec in
            try await exec.execute("UPDATE alert_digest SET status = 'sent', sent_at = ?, attempts = attempts + 1 WHERE id = ?", .text(now), .int(id))
            try await exec.execute(
                "UPDATE subscription SET failures = 0, last_sent_at = ? WHERE id = (SELECT subscription_id FROM alert_digest WHERE id = ?)", .text(now), .int(id))
        }
    }

    public func markDigestFailed(id: Int64, error: String) async throws -> Int {
        try await db.transaction { exec in
            try await exec.execute("UPDATE alert_digest SET attempts = attempts + 1, last_error = ? WHERE id = ?", .text(String(error.prefix(500))), .int(id))
            try await exec.execute(
                "UPDATE subscription SET failures = failures + 1 WHERE id = (SELECT subscription_id FROM alert_digest WHERE id = ?)", .int(id))
            return try await exec.one(
                "SELECT s.failures FROM subscription s JOIN alert_digest d ON d.subscription_id = s.id WHERE d.id = ?", .int(id))?.int("failures") ?? 0
        }
    }

    public func disableSubscription(id: Int64, reason: String) async throws {
        try await db.transaction { exec in
            try await exec.execute("UPDATE subscription SET status = 'disabled', disabled_reason = ? WHERE id = ?", .text(String(reason.prefix(500))), .int(id))
            try await exec.execute("UPDATE alert_digest SET status = 'abandoned' WHERE subscription_id = ? AND status = 'pending'", .int(id))
        }
    }

    public func newAlertItems(_ s: Subscription, limit: Int) async throws -> (items: [(hit: SearchHit, question: String?)], cursor: Int64) {
        let newest = Int64(try await db.read { exec in try await exec.one("SELECT COALESCE(MAX(id), 0) AS m FROM search_doc")?.int("m") ?? 0 })
        guard newest > s.cursor else { return ([], s.cursor) }
        var search = SearchRequest(query: .parse(s.query), municipality: s.municipality, topic: s.topic, today: DanishFormat.isoDay(now()))
        search.afterID = s.cursor
        search.throughID = newest
        let request = search
        let (filterSQL, filterBinds) = Self.searchFilters(request)
        let dialect = db.dialect
        let rows: [SQLRow] = try await db.read { exec in
            if request.query.isEmpty {
                return try await exec.query(
                    "SELECT \(Self.hitColumns), 0 AS score, d.analysis FROM search_doc d WHERE 1 = 1\(filterSQL) ORDER BY d.id LIMIT \(limit)", filterBinds)
            }
            let match: SQLValue = .text(dialect == .sqlite ? request.query.fts5(municipality: request.municipality) : request.query.tsquery())
            let from = dialect == .sqlite ? "search_fts CROSS JOIN search_doc d ON d.id = search_fts.rowid" : "search_doc d, to_tsquery('danish', ?) q"
            let matchSQL = dialect == .sqlite ? "search_fts MATCH ?" : "d.tsv @@ q"
            return try await exec.query(
                "SELECT \(Self.hitColumns), 0 AS score, d.analysis FROM \(from) WHERE \(matchSQL)\(filterSQL) ORDER BY d.id LIMIT \(limit)",
                [match] + filterBinds)
        }
        let items = rows.map { r -> (SearchHit, String?) in
            let first = (r.string("analysis") ?? "").split(separator: "\n").first.map(String.init)
            return (Self.hit(r), first?.hasSuffix("?") == true ? first : nil)
        }
        // With `limit` reached, continue after the last one next time; otherwise everything up to `newest` is seen.
        let cursor = rows.count >= limit ? Int64(rows.last?.int("id") ?? Int(newest)) : newest
        return (items, cursor)
    }
}
