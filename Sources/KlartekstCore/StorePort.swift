import Foundation

/// What storing one meeting document did.
public struct SaveReport: Sendable, Equatable {
    public var meetingKey: String
    public var documentIsNew: Bool
    public var itemsNew: Int
    public var itemsRevised: Int
    public var itemsUnchanged: Int
    /// Unchanged items whose portal links (GUIDs) were refreshed after a republish.
    public var linksRefreshed: Int
    /// Unchanged items whose sections were rebuilt by a newer parser.
    public var sectionsRebuilt: Int

    public init(meetingKey: String) {
        self.meetingKey = meetingKey
        documentIsNew = false
        itemsNew = 0
        itemsRevised = 0
        itemsUnchanged = 0
        linksRefreshed = 0
        sectionsRebuilt = 0
    }
}

/// Row counts, for operators and tests.
public struct StoreCounts: Sendable, Equatable {
    public var municipalities: Int
    public var committees: Int
    public var meetings: Int
    public var documents: Int
    public var items: Int
    public var revisions: Int
    public var sections: Int
    public var attachments: Int
    public var cases: Int

    public init(
        municipalities: Int = 0, committees: Int = 0, meetings: Int = 0, documents: Int = 0, items: Int = 0,
        revisions: Int = 0, sections: Int = 0, attachments: Int = 0, cases: Int = 0
    ) {
        self.municipalities = municipalities
        self.committees = committees
        self.meetings = meetings
        self.documents = documents
        self.items = items
        self.revisions = revisions
        self.sections = sections
        self.attachments = attachments
        self.cases = cases
    }
}

/// The storage port. Implemented once over SQL for SQLite (embedded default) and PostgreSQL
/// (scale-out); the same contract tests run against both.
public protocol KlartekstStore: AnalysisStore, VoteStore, SearchStore, AlertStore {
    /// Applies pending migrations (idempotent; safe with several processes starting at once).
    func migrate() async throws
    /// The names of applied migrations, oldest first.
    func appliedMigrations() async throws -> [String]
    /// Inserts or updates registry entries.
    func upsertMunicipalities(_ municipalities: [Municipality]) async throws
    /// Stores one meeting document in one transaction: all of it or nothing.
    func save(_ meeting: ParsedMeeting) async throws -> SaveReport

    func municipalities() async throws -> [MunicipalitySummary]
    func municipality(slug: String) async throws -> MunicipalityPage?
    func meeting(municipality: String, slug: String) async throws -> MeetingPage?
    func item(municipality: String, meeting: String, number: String) async throws -> ItemPage?
    func caseItems(municipality: String, caseSlug: String) async throws -> CasePage?
    /// An attachment (by portal id) with its extracted text, if any.
    func attachment(municipality: String, portalID: String) async throws -> AttachmentPage?
    func counts() async throws -> StoreCounts
    func close() async
}
