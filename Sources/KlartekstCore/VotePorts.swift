import Foundation

/// An item a participant answered, for "Mine svar".
public struct ParticipantAnswer: Sendable, Equatable, Codable {
    public var itemKey: String
    public var municipality: String
    public var meetingSlug: String
    public var number: String
    public var title: String
    public var choice: VoteChoice
    public var answeredAt: String

    public init(itemKey: String, municipality: String, meetingSlug: String, number: String, title: String, choice: VoteChoice, answeredAt: String) {
        self.itemKey = itemKey
        self.municipality = municipality
        self.meetingSlug = meetingSlug
        self.number = number
        self.title = title
        self.choice = choice
        self.answeredAt = answeredAt
    }
}

/// An answered item of a municipality with its counts and decision text.
public struct AnsweredItem: Sendable, Equatable {
    public var itemKey: String
    public var meetingSlug: String
    public var committee: String
    public var date: String?
    public var number: String
    public var title: String
    public var counts: VoteCounts
    public var sections: [Section]

    public init(
        itemKey: String, meetingSlug: String, committee: String, date: String?, number: String, title: String, counts: VoteCounts, sections: [Section]
    ) {
        self.itemKey = itemKey
        self.meetingSlug = meetingSlug
        self.committee = committee
        self.date = date
        self.number = number
        self.title = title
        self.counts = counts
        self.sections = sections
    }
}

/// Suspicious answering that operators should look at (never silently dropped).
public struct VoteFlag: Sendable, Equatable, Codable {
    public var itemKey: String
    public var kind: String
    public var detail: String
    public var createdAt: String

    public init(itemKey: String, kind: String, detail: String, createdAt: String) {
        self.itemKey = itemKey
        self.kind = kind
        self.detail = detail
        self.createdAt = createdAt
    }
}

/// What an answer needs to know about its item (a light lookup, not the whole page).
public struct AnswerTarget: Sendable, Equatable {
    public var itemKey: String
    public var municipality: String
    public var status: ItemStatus
    public init(itemKey: String, municipality: String, status: ItemStatus) {
        self.itemKey = itemKey
        self.municipality = municipality
        self.status = status
    }
}

/// Citizens' answers. One current answer per participant and item, enforced by the store's key.
public protocol VoteStore: Sendable {
    func answerTarget(municipality: String, meeting: String, number: String) async throws -> AnswerTarget?
    /// Stores (or changes) a participant's answer; the participant row is created on first use.
    /// A later answer wins; an answer older than the stored one is ignored.
    func recordVote(participant: String, itemKey: String, municipality: String, choice: VoteChoice) async throws
    func vote(participant: String, itemKey: String) async throws -> VoteChoice?
    /// Counts for an item; participants created after `newSince` (ISO time) count as new.
    func voteCounts(itemKey: String, newSince: Date) async throws -> VoteCounts
    func participantAnswers(participant: String) async throws -> [ParticipantAnswer]
    /// Deletes the participant and every answer (GDPR). Returns the number of answers deleted.
    func deleteParticipant(_ id: String) async throws -> Int
    /// Every answer in a municipality (for opinion groups).
    func municipalityAnswers(municipality: String) async throws -> [OpinionGroups.Answer]
    /// A municipality's answered items, most answered first.
    func answeredItems(municipality: String, newSince: Date, limit: Int) async throws -> [AnsweredItem]
    func flagVotes(_ flag: VoteFlag) async throws
    func voteFlags(limit: Int) async throws -> [VoteFlag]
}
