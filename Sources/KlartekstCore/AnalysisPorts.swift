import Foundation

/// A chat-completions backend that answers with JSON constrained by a schema.
public protocol LanguageModel: Sendable {
    /// Identifies the model in stored results (e.g. "qwen2.5-coder-1.5b-instruct-q4_k_m").
    var modelID: String { get }
    /// e.g. "openai-compatible http://127.0.0.1:8081", "deterministic".
    var backendID: String { get }
    func complete(system: String, user: String, schema: [String: Any], schemaName: String, maxTokens: Int) async throws -> ModelAnswer
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
    public var edited: Bool

    public init(
        itemKey: String, prompt: String, promptVersion: Int, topic: String, model: String, backend: String, inputHash: String,
        status: Status, result: String, problems: [String], promptTokens: Int, completionTokens: Int, seconds: Double, createdAt: String = "",
        edited: Bool = false
    ) {
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
}

/// An item ready for analysis.
public struct AnalysisInput: Sendable {
    public var itemKey: String
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
    /// The newest analyses of an item, per prompt and topic.
    func analyses(itemKey: String) async throws -> [StoredAnalysis]
}
