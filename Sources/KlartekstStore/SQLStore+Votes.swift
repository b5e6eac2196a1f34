import Foundation
import KlartekstCore

extension SQLStore {
    /// Fixed-width ISO time with milliseconds, so text order is time order.
    static func isoMillis(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    public func answerTarget(municipality: String, meeting: String, number: String) async throws -> AnswerTarget? {
        try await db.read { exec in
            try await exec.one(
                """
                SELECT i.identity_key, i.status FROM item i JOIN meeting g ON g.id = i.meeting_id
                WHERE g.municipality = ? AND g.slug = ? AND i.number = ? ORDER BY i.id LIMIT 1
                """, .text(municipality), .text(meeting), .text(number)
            ).map {
                AnswerTarget(
                    itemKey: $0.string("identity_key") ?? "", municipality: municipality,
                    status: ItemStatus(rawValue: $0.string("status") ?? "") ?? .closed)
            }
        }
    }

    public func recordVote(participant: String, itemKey: String, municipality: String, choice: VoteChoice) async throws {
        let now = Self.isoMillis(self.now())
        try await db.transaction { exec in
            try await exec.execute(
                "INSERT INTO participant (id, level, created_at) VALUES (?, 'anonymous', ?) ON CONFLICT (id) DO NOTHING", .text(participant), .text(now))
            try await exec.execute(
                """
                INSERT INTO vote (participant_id, item_key, municipality, choice, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (participant_id, item_key) DO UPDATE SET choice = excluded.choice, updated_at = excluded.updated_at
                WHERE vote.updated_at <= excluded.updated_at
                """, .text(participant), .text(itemKey), .text(municipality), .text(choice.rawValue), .text(now), .text(now))
        }
    }

    public func vote(participant: String, itemKey: String) async throws -> VoteChoice? {
        try await db.read { exec in
            try await exec.one("SELECT choice FROM vote WHERE participant_id = ? AND item_key = ?", .text(participant), .text(itemKey))?
                .string("choice").flatMap(VoteChoice.init(rawValue:))
        }
    }

    public func voteCounts(itemKey: String, newSince: Date) async throws -> VoteCounts {
        let since = Self.isoMillis(newSince)
        return try await db.read { exec in
            try await Self.counts(exec, itemKey: itemKey, since: since)
        }
    }

    static func counts(_ exec: any SQLExecutor, itemKey: String, since: String) async throws -> VoteCounts {
        var c = VoteCounts()
        for r in try await exec.query(
            """
            SELECT choice, level, is_new, COUNT(*) AS n FROM (
                SELECT v.choice, p.level, CASE WHEN p.created_at > ? THEN 1 ELSE 0 END AS is_new
                FROM vote v JOIN participant p ON p.id = v.participant_id WHERE v.item_key = ?
            ) t GROUP BY choice, level, is_new
            """, .text(since), .text(itemKey))
        {
            guard let choice = r.string("choice").flatMap(VoteChoice.init(rawValue:)) else { continue }
            let n = r.int("n") ?? 0
            if r.bool("is_new") { c.new[choice, default: 0] += n } else { c.established[choice, default: 0] += n }
            let level = r.string("level").flatMap(ParticipantLevel.init(rawValue:)) ?? .anonymous
            c.byLevel[level, default: [:]][choice, default: 0] += n
        }
        return c
    }

    public func participantAnswers(participant: String) async throws -> [ParticipantAnswer] {
        try await db.read { exec in
            try await exec.query(
                """
                SELECT v.item_key, v.choice, v.updated_at, g.municipality, g.slug AS meeting_slug, i.number, i.title
                FROM vote v JOIN item i ON i.identity_key = v.item_key JOIN meeting g ON g.id = i.meeting_id
                WHERE v.participant_id = ? ORDER BY v.updated_at DESC
                """, .text(participant)
            ).compactMap { r in
                guard let choice = r.string("choice").flatMap(VoteChoice.init(rawValue:)) else { return nil }
                return ParticipantAnswer(
                    itemKey: r.string("item_key") ?? "", municipality: r.string("municipality") ?? "", meetingSlug: r.string("meeting_slug") ?? "",
                    number: r.string("number") ?? "", title: r.string("title") ?? "", choice: choice, answeredAt: r.string("updated_at") ?? "")
            }
        }
    }

    public func deleteParticipant(_ id: String) async throws -> Int {
        try await db.transaction { exec in
            let n = try await exec.one("SELECT COUNT(*) AS n FROM vote WHERE participant_id = ?", .text(id))?.int("n") ?? 0
            try await exec.execute("DELETE FROM vote WHERE participant_id = ?", .text(id))
            try await exec.execute("DELETE FROM participant WHERE id = ?", .text(id))
            return n
        }
    }

    public func municipalityAnswers(municipality: String) async throws -> [OpinionGroups.Answer] {
        try await db.read { exec in
            try await exec.query("SELECT participant_id, item_key, choice FROM vote WHERE municipality = ?", .text(municipality)).compactMap { r in
                guard let choice = r.string("choice").flatMap(VoteChoice.init(rawValue:)) else { return nil }
                return OpinionGroups.Answer(participant: r.string("participant_id") ?? "", item: r.string("item_key") ?? "", choice: choice)
            }
        }
    }

    public func answeredItems(municipality: String, newSince: Date, limit: Int) async throws -> [AnsweredItem] {
        let since = Self.isoMillis(newSince)
        return try await db.read { exec in
            var out: [AnsweredItem] = []
            for r in try await exec.query(
                """
                SELECT v.item_key, COUNT(*) AS n, MAX(i.id) AS item_id, MAX(i.number) AS number, MAX(i.title) AS title,
                    MAX(i.current_revision) AS current_revision, MAX(g.slug) AS meeting_slug, MAX(g.meeting_date) AS meeting_date,
                    MAX(c.name) AS committee
                FROM vote v JOIN item i ON i.identity_key = v.item_key JOIN meeting g ON g.id = i.meeting_id JOIN committee c ON c.id = g.committee_id
                WHERE v.municipality = ? GROUP BY v.item_key ORDER BY COUNT(*) DESC, v.item_key LIMIT ?
                """, .text(municipality), .int(Int64(limit)))
            {
                let key = r.string("item_key") ?? ""
                let revision = try await exec.one(
                    "SELECT id FROM item_revision WHERE item_id = ? AND revision = ?", .int(Int64(r.int("item_id") ?? 0)),
                    .int(Int64(r.int("current_revision") ?? 1)))?.int("id")
                var sections: [Section] = []
                if let revision { sections = try await self.sections(revisionID: revision, exec) }
                out.append(AnsweredItem(
                    itemKey: key, meetingSlug: r.string("meeting_slug") ?? "", committee: r.string("committee") ?? "", date: r.string("meeting_date"),
                    number: r.string("number") ?? "", title: r.string("title") ?? "", counts: try await Self.counts(exec, itemKey: key, since: since),
                    sections: sections))
            }
            return out
        }
    }

    public func flagVotes(_ flag: VoteFlag) async throws {
        try await db.transaction { exec in
            try await exec.execute(
                "INSERT INTO vote_flag (item_key, kind, detail, created_at) VALUES (?, ?, ?, ?)", .text(flag.itemKey), .text(flag.kind), .text(flag.detail),
                .text(Self.iso(self.now())))
        }
    }

    public func voteFlags(limit: Int) async throws -> [VoteFlag] {
        try await db.read { exec in
            try await exec.query("SELECT * FROM vote_flag ORDER BY id DESC LIMIT ?", .int(Int64(limit))).map {
                VoteFlag(itemKey: $0.string("item_key") ?? "", kind: $0.string("kind") ?? "", detail: $0.string("detail") ?? "", createdAt: $0.string("created_at") ?? "")
            }
        }
    }
}
