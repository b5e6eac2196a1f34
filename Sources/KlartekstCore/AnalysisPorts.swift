import Foundation

/// A chat-completions backend that answers with JSON constrained by a schema.
public protocol LanguageModel: Sendable {
    /// Identifies the model in stored results (e.g. "qwen2.5-coder-1.5b-instruct-q4_k_m").
    var modelID: String { get }
    /// e.g. "openai-compatible http://127.0.0.1:8081", "deterministic".
    var backendID: String { get }
    func complete(system: String, user: String, schema: [String: Any], schemaName: String, maxTokens: Int) async throws -> ModelAnswer
}

/// No language-model endpoint could take the request (all down or failing): the work should be
/// tried again later, not recorded as a failed analysis.
public struct ModelUnavailable: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

public struct ModelAnswer: Sendable {
    public var content: String
    public var promptTokens: Int
    public var completionTokens: Int
    public init(content: String, promptTokens: Int, completionTokens: Int) {
        self.content = content
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }
}

/// A stored analysis result.
public struct StoredAnalysis: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable { case published, pendingReview, failed, rejected }
    public var itemKey: String
    public var prompt: String
    public var promptVersion: Int
    /// For relevance: the topic slug; empty for the summary.
    public var topic: String
    public var model: String
    public var backend: String
    public var inputHash: String
    public var status: Status
    /// The JSON result (a CitizenSummary or a Relevance).
    public var result: String
    public var problems: [String]
    public var promptTokens: Int
    public var completionTokens: Int
    public var seconds: Double
    public var createdAt: String
    /// An operator changed the result; the model's own answer is kept in `originalResult`.
    public var edited: Bool
    /// The database row id (nil before it is stored).
    public var id: Int64?
    public var originalResult: String?
    public var reviewedBy: String?
    public var reviewedAt: String?

    public init(
        itemKey: String, prompt: String, promptVersion: Int, topic: String, model: String, backend: String, inputHash: String,
        status: Status, result: String, problems: [String], promptTokens: Int, completionTokens: Int, seconds: Double, createdAt: String = "",
        edited: Bool = false, id: Int64? = nil, originalResult: String? = nil, reviewedBy: String? = nil, reviewedAt: String? = nil
    ) {
        self.id = id
        self.originalResult = originalResult
        self.reviewedBy = reviewedBy
        self.reviewedAt = reviewedAt
        self.itemKey = itemKey
        self.prompt = prompt
        self.promptVersion = promptVersion
        self.topic = topic
        self.model = model
        self.backend = backend
        self.inputHash = inputHash
        self.status = status
        self.result = result
        self.problems = problems
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.seconds = seconds
        self.createdAt = createdAt
        self.edited = edited
    }

    public var summary: CitizenSummary? { try? JSONDecoder().decode(CitizenSummary.self, from: Data(result.utf8)) }
    public var relevance: Relevance? { try? JSONDecoder().decode(Relevance.self, from: Data(result.utf8)) }
    /// "summary@v1".
    public var promptID: String { "\(prompt)@v\(promptVersion)" }
    /// Made without a language model (the deterministic fallback).
    public var isDeterministic: Bool { backend == "deterministic" }

    /// What citizens see of an item: per prompt and topic, the published result of the newest
    /// prompt version, a model's before the deterministic fallback's, the newest first.
    public static func shown(_ all: [StoredAnalysis]) -> [StoredAnalysis] {
        var best: [String: StoredAnalysis] = [:]
        for a in all where a.status == .published {
            let key = a.prompt + "\u{1F}" + a.topic
            guard let b = best[key] else {
                best[key] = a
                continue
            }
            let rank = { (x: StoredAnalysis) in (x.isDeterministic ? 0 : 1, x.promptVersion, x.createdAt, x.id ?? 0) }
            if rank(a) > rank(b) { best[key] = a }
        }
        return best.values.sorted { ($0.prompt, $0.topic) < ($1.prompt, $1.topic) }
    }
}

/// An analysis waiting for an operator, with where its item is.
public struct ReviewEntry: Sendable, Equatable {
    public var analysis: StoredAnalysis
    public var municipality: String
    public var meetingSlug: String
    public var number: String
    public var title: String

    public init(analysis: StoredAnalysis, municipality: String, meetingSlug: String, number: String, title: String) {
        self.analysis = analysis
        self.municipality = municipality
        self.meetingSlug = meetingSlug
        self.number = number
        self.title = title
    }
}

/// An item ready for analysis.
public struct AnalysisInput: Sendable {
    public var itemKey: String
    /// Municipality slug and item number (for evaluation labels and links).
    public var municipality: String = ""
    public var number: String = ""
    public var municipalityName: String
    public var committee: String
    public var title: String
    public var status: ItemStatus
    public var sections: [Section]
    public var attachmentText: String
    public init(itemKey: String, municipalityName: String, committee: String, title: String, status: ItemStatus, sections: [Section], attachmentText: String) {
        self.itemKey = itemKey
        self.municipalityName = municipalityName
        self.committee = committee
        self.title = title
        self.status = status
        self.sections = sections
        self.attachmentText = attachmentText
    }
}

public protocol AnalysisStore: Sendable {
    func analysisInputs(municipality: String?, itemKey: String?) async throws -> [AnalysisInput]
    func hasAnalysis(itemKey: String, prompt: String, version: Int, topic: String, model: String, inputHash: String) async throws -> Bool
    func saveAnalysis(_ a: StoredAnalysis) async throws
    /// A reader's error report ("Meld fejl") for the operators' queue.
    func saveErrorReport(page: String, message: String) async throws
    /// Open reports, oldest first.
    func openErrorReports(limit: Int) async throws -> [ErrorReport]
    func closeErrorReport(id: Int64, by: String) async throws -> Bool
    /// Items with a published relevance result for `topic` that says relevant, newest meeting first.
    func topicItems(topic: String, limit: Int) async throws -> [TopicItem]
    /// The newest public items decided at their own meeting (a non-empty decision section that is
    /// not an earlier committee's), newest meeting first, optionally in one municipality.
    func latestDecidedItems(municipality: String?, limit: Int) async throws -> [TopicItem]
    /// Meetings on or after `from` (yyyy-MM-dd), soonest first, optionally in one municipality.
    func upcomingMeetings(municipality: String?, from: String, limit: Int) async throws -> [UpcomingMeeting]
    /// Cached speech for an analysis text (`textHash` of what was spoken, `voice` names engine and voice).
    func speech(analysisID: Int64, textHash: String, voice: String) async throws -> [UInt8]?
    func saveSpeech(analysisID: Int64, textHash: String, voice: String, audio: [UInt8]) async throws
    /// Every stored analysis of an item (all prompts, versions, topics and statuses), newest first.
    func analyses(itemKey: String) async throws -> [StoredAnalysis]
    /// One analysis by row id.
    func analysis(id: Int64) async throws -> StoredAnalysis?
    /// Results waiting for an operator (pending review first, then failed), oldest first.
    func reviewQueue(limit: Int) async throws -> [ReviewEntry]
    /// An operator's decision: publish, reject, or publish an edited result (the original is kept).
    /// Returns false when the analysis does not exist.
    func review(id: Int64, status: StoredAnalysis.Status, editedResult: String?, reviewer: String) async throws -> Bool
}

/// A meeting still to come, with its municipality, for the front page and calendars.
public struct UpcomingMeeting: Sendable, Equatable {
    public var municipality: String
    public var municipalityName: String
    public var meeting: MeetingSummary

    public init(municipality: String, municipalityName: String, meeting: MeetingSummary) {
        self.municipality = municipality
        self.municipalityName = municipalityName
        self.meeting = meeting
    }
}

/// An item judged relevant to a topic, for the topic page.
public struct TopicItem: Sendable, Equatable {
    public var itemKey: String
    public var municipality: String
    public var municipalityName: String
    public var meetingSlug: String
    public var committee: String
    public var date: String?
    public var number: String
    public var title: String
    /// Every stored analysis of the item (pick with ``StoredAnalysis/shown(_:)``).
    public var analyses: [StoredAnalysis]
    public var sections: [Section]

    public init(
        itemKey: String, municipality: String, municipalityName: String, meetingSlug: String, committee: String, date: String?, number: String,
        title: String, analyses: [StoredAnalysis], sections: [Section]
    ) {
        self.itemKey = itemKey
        self.municipality = municipality
        self.municipalityName = municipalityName
        self.meetingSlug = meetingSlug
        self.committee = committee
        self.date = date
        self.number = number
        self.title = title
        self.analyses = analyses
        self.sections = sections
    }

    /// The published relevance judgement for `topic` says the item is about it.
    public func isRelevant(to topic: String) -> Bool {
        StoredAnalysis.shown(analyses).first { $0.prompt == "relevance" && $0.topic == topic }?.relevance?.relevant == true
    }
}

/// A reader's report of an error on a page.
public struct ErrorReport: Sendable, Equatable {
    public var id: Int64
    public var page: String
    public var message: String
    public var createdAt: String
    public init(id: Int64, page: String, message: String, createdAt: String) {
        self.id = id
        self.page = page
        self.message = message
        self.createdAt = createdAt
    }
}
