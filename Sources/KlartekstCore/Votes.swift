import Foundation

/// A citizen's answer to an item's question ("Er du enig eller uenig?").
public enum VoteChoice: String, Sendable, Codable, CaseIterable {
    case agree, disagree, pass

    public var danishLabel: String {
        switch self {
        case .agree: "Enig"
        case .disagree: "Uenig"
        case .pass: "Ved ikke"
        }
    }

    /// The value used by the opinion-group analysis.
    public var score: Double {
        switch self {
        case .agree: 1
        case .disagree: -1
        case .pass: 0
        }
    }
}

/// How sure we are who a participant is. Anonymous today; a later issue may add e-mail or
/// national identity (MitID) as `verified`. Results can be split by level.
public enum ParticipantLevel: String, Sendable, Codable, CaseIterable {
    case anonymous, verified
}

/// Raw answer counts for one item, split by participant age (new = created within the guard window) and level.
public struct VoteCounts: Sendable, Equatable, Codable {
    public var established: [VoteChoice: Int]
    public var new: [VoteChoice: Int]
    public var byLevel: [ParticipantLevel: [VoteChoice: Int]]

    public init(established: [VoteChoice: Int] = [:], new: [VoteChoice: Int] = [:], byLevel: [ParticipantLevel: [VoteChoice: Int]] = [:]) {
        self.established = established
        self.new = new
        self.byLevel = byLevel
    }

    public var total: Int { established.values.reduce(0, +) + new.values.reduce(0, +) }
    public var newTotal: Int { new.values.reduce(0, +) }
    public func count(_ c: VoteChoice) -> Int { (established[c] ?? 0) + (new[c] ?? 0) }
}

/// The tally shown next to an item: exact counts, and shares in which answers from participants
/// created in the last minutes weigh at most `newShareCap` of the whole (a CONSUL-style guard
/// against bursts of throw-away participants). Pure.
public struct VoteTally: Sendable, Equatable, Codable {
    public struct Share: Sendable, Equatable, Codable {
        public var choice: VoteChoice
        public var count: Int
        /// Percent of the (guarded) total, one decimal.
        public var percent: Double
    }
    public var participants: Int
    public var shares: [Share]
    /// Answers from new participants were weighed down because they exceeded the cap.
    public var capped: Bool
    /// New participants exceed the cap (operators are told, whether or not it could be weighed down).
    public var suspicious: Bool
    public var newParticipantAnswers: Int
    /// Shares per participant level, when more than one level has answers.
    public var byLevel: [String: [Share]]

    /// - Parameters:
    ///   - newShareCap: the largest part (0–1) of the shares new participants may make up.
    ///   - minimumForCap: below this many new answers the cap does not apply (a new item is answered by new people).
    public static func compute(_ c: VoteCounts, newShareCap: Double = 0.5, minimumForCap: Int = 20) -> VoteTally {
        let established = c.established.values.reduce(0, +)
        let new = c.newTotal
        var weight = 1.0
        let suspicious = new >= minimumForCap && Double(new) > newShareCap * Double(established + new)
        // With no established answers there is nothing to weigh against: shown as counted, flagged.
        if suspicious && established > 0 {
            // new × w = cap × (established + new × w)  →  w = cap × established / ((1 − cap) × new)
            weight = newShareCap >= 1 ? 1 : max(0, newShareCap * Double(established) / ((1 - newShareCap) * Double(new)))
        }
        func shares(_ counts: (VoteChoice) -> (Double, Int)) -> [Share] {
            let weighted = VoteChoice.allCases.map { counts($0) }
            let sum = weighted.map(\.0).reduce(0, +)
            return zip(VoteChoice.allCases, weighted).map { choice, w in
                Share(choice: choice, count: w.1, percent: sum > 0 ? (1000 * w.0 / sum).rounded() / 10 : 0)
            }
        }
        let main = shares { ch in (Double(c.established[ch] ?? 0) + weight * Double(c.new[ch] ?? 0), c.count(ch)) }
        var levels: [String: [Share]] = [:]
        if c.byLevel.filter({ !$0.value.isEmpty && $0.value.values.reduce(0, +) > 0 }).count > 1 {
            for (level, counts) in c.byLevel {
                levels[level.rawValue] = shares { ch in (Double(counts[ch] ?? 0), counts[ch] ?? 0) }
            }
        }
        return VoteTally(participants: c.total, shares: main, capped: weight < 1, suspicious: suspicious, newParticipantAnswers: new, byLevel: levels)
    }

    public func share(_ c: VoteChoice) -> Share? { shares.first { $0.choice == c } }

    /// The answer most participants gave, ignoring "Ved ikke"; nil on a tie or with no answers.
    public var majority: VoteChoice? {
        let a = share(.agree)?.percent ?? 0
        let d = share(.disagree)?.percent ?? 0
        if a == d { return nil }
        return a > d ? .agree : .disagree
    }
}

/// What the council or committee decided, next to what citizens said.
public struct DecisionComparison: Sendable, Equatable, Codable {
    /// "Byrådet" / "Kommunalbestyrelsen" / "Udvalget".
    public var body: String
    public var outcome: DecisionOutcome
    /// The decision text as written ("Anbefales.").
    public var text: String
    /// When it was decided (`yyyy-MM-dd`), when known.
    public var date: String?
    /// Citizens' majority agrees with what was decided (approved/recommended ↔ agree, rejected ↔ disagree); nil when not comparable.
    public var citizensAgree: Bool?

    public init(body: String, outcome: DecisionOutcome, text: String, citizensAgree: Bool?, date: String? = nil) {
        self.date = date
        self.body = body
        self.outcome = outcome
        self.text = text
        self.citizensAgree = citizensAgree
    }

    /// From the item's decision sections (the meeting's own decision) or, without one, the newest
    /// case-history step; nil while nothing is decided.
    /// The text of the meeting's own decision: the decision sections that name no other
    /// committee and date (an earlier step's "Beslutning i Økonomiudvalget den …" is history).
    public static func ownDecision(_ sections: [Section]) -> String {
        sections.filter { $0.kind == .decision && $0.committee == nil }.map(\.text).joined(separator: " ")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public static func make(
        committee: String, sections: [Section], steps: [CaseHistory.Step], tally: VoteTally?, meetingDate: String? = nil
    ) -> DecisionComparison? {
        // Only this meeting's own decision: an earlier step in the case history (a committee's
        // recommendation, the administration's) is never shown as what was decided here.
        let text = ownDecision(sections)
        let who = committee
        let when = meetingDate
        guard !text.isEmpty, DecisionOutcome.parse(text) != .notReleased else { return nil }
        let outcome = DecisionOutcome.parse(text)
        let lower = who.lowercased()
        let body =
            lower.contains("byråd") ? "Byrådet"
            : lower.contains("kommunalbestyrelse") ? "Kommunalbestyrelsen"
            : (who.isEmpty || lower.hasPrefix("ukendt")) ? "Politikerne" : who
        var agree: Bool?
        if let majority = tally?.majority, tally?.participants ?? 0 > 0 {
            switch outcome {
            case .approved, .recommended: agree = majority == .agree
            case .rejected: agree = majority == .disagree
            default: agree = nil
            }
        }
        return DecisionComparison(body: body, outcome: outcome, text: String(text.prefix(300)), citizensAgree: agree, date: when)
    }
}
