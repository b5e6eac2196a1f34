import Foundation
import KlartekstCore
import Logging

/// Runs prompt versions over a labelled set and computes the quality figures
/// (`klartekst eval`). The store must hold the set's items (the CLI imports the sample into a
/// throw-away database first).
public struct EvalRunner: Sendable {
    let store: any AnalysisStore
    let library: PromptLibrary
    let backend: AnalyzeStage.Backend
    let concurrency: Int
    let contextTokens: Int?
    let logger: Logger

    public init(
        store: any AnalysisStore, library: PromptLibrary, backend: AnalyzeStage.Backend, concurrency: Int = 1, contextTokens: Int? = nil, logger: Logger
    ) {
        self.contextTokens = contextTokens
        self.store = store
        self.library = library
        self.backend = backend
        self.concurrency = concurrency
        self.logger = logger
    }

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Analyses the set's items with `summary` and `relevance` (specs like `summary@v1`), then
    /// scores what was stored for exactly those prompt versions and this backend's model.
    /// - Parameter limit: analyse only the first N labelled items (for slow backends).
    public func run(set: EvalSet, summary: String, relevance: String, limit: Int? = nil) async throws -> (EvalFigures, AnalyzeStage.Report) {
        guard let sp = library.prompt(summary), let rp = library.prompt(relevance) else {
            throw Failure(description: "unknown prompt \(summary) or \(relevance); known: \(library.prompts.map(\.id).joined(separator: ", "))")
        }
        let inputs = try await store.analysisInputs(municipality: nil, itemKey: nil)
        var byLabel: [(EvalSet.Label, AnalysisInput)] = []
        var missing: [String] = []
        for label in set.items.prefix(limit ?? set.items.count) {
            if let input = inputs.first(where: { $0.municipality == label.municipality && $0.number == label.number }) {
                byLabel.append((label, input))
            } else {
                missing.append("\(label.municipality) #\(label.number)")
            }
        }
        guard missing.isEmpty else { throw Failure(description: "labelled items not in the database: \(missing.joined(separator: ", "))") }
        let stage = AnalyzeStage(
            store: store, library: library, backend: backend, concurrency: concurrency, autopublish: true, contextTokens: contextTokens, logger: logger)
        var report = AnalyzeStage.Report()
        for (_, input) in byLabel {
            report.merge(try await stage.run(itemKey: input.itemKey, prompts: [sp.id, rp.id]))
        }
        var outcomes: [EvalOutcome] = []
        for (label, input) in byLabel {
            let stored = try await store.analyses(itemKey: input.itemKey).filter { $0.model == stage.modelID }
            let s = stored.first { $0.prompt == sp.name && $0.promptVersion == sp.version }
            var rel: [String: StoredAnalysis] = [:]
            for a in stored where a.prompt == rp.name && a.promptVersion == rp.version && rel[a.topic] == nil { rel[a.topic] = a }
            outcomes.append(EvalOutcome(label: label, status: input.status, summary: s, relevance: rel))
        }
        return (EvalFigures.compute(outcomes), report)
    }
}
