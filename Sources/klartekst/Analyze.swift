import ArgumentParser
import Foundation
import KlartekstApp
import KlartekstCore
import KlartekstLLM
import KlartekstPipeline

struct Analyze: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the versioned prompts (prompts/) over public items: citizen summary and topic relevance, every result checked.")
    @OptionGroup var common: CommonOptions
    @Option(name: .customLong("municipality")) var municipality: String?
    @Option(help: "One item's identity key.") var item: String?
    @Option(help: "Prompts, e.g. summary@v1 (repeatable).") var prompt: [String] = ["summary", "relevance"]
    @Option(help: "deterministic (no model), or the base URL of an OpenAI-compatible server.") var backend: String = "deterministic"
    @Option(help: "Model name sent to the server.") var model: String = "qwen2.5-coder-1.5b-instruct-q4_k_m"
    @Option(help: "response_format dialect: auto, openai, llamacpp.") var dialect: String = "auto"
    @Option(help: "Requests in flight to the backend.") var concurrency: Int = 1
    @Option(help: "The prompts folder.") var prompts: String = "prompts"
    @Flag(help: "Hold checked results for operator review instead of publishing them.") var review = false

    func run() async throws {
        let (config, logger) = try await common.load()
        let library = try PromptLibrary.load(directory: URL(fileURLWithPath: prompts))
        let store = try await App.openStore(config, logger: logger)
        var llm: OpenAIChatModel?
        let stageBackend: AnalyzeStage.Backend
        if backend == "deterministic" {
            stageBackend = .deterministic
        } else {
            let m = OpenAIChatModel(
                baseURL: backend, model: model, apiKey: ProcessInfo.processInfo.environment["KLARTEKST_LLM_API_KEY"],
                dialect: OpenAIChatModel.Dialect(rawValue: dialect) ?? .auto, maxConcurrent: concurrency, logger: logger)
            llm = m
            stageBackend = .model(m)
        }
        let stage = AnalyzeStage(store: store, library: library, backend: stageBackend, concurrency: concurrency, autopublish: !review, logger: logger)
        let prompts = backend == "deterministic" ? prompt.filter { $0.hasPrefix("summary") } : prompt
        let report = try await stage.run(municipality: municipality.map(Slug.make), itemKey: item, prompts: prompts)
        await llm?.shutdown()
        await store.close()
        print("\(report.analysed) analysed (\(report.published) published, \(report.pendingReview) for review, \(report.failed) failed), \(report.skipped) unchanged, \(report.notApplicable) procedural/closed; \(report.modelCalls) model calls, \(report.promptTokens)+\(report.completionTokens) tokens, \(String(format: "%.1f", report.seconds)) s")
        for p in report.problems.prefix(10) { print("    \(p)") }
    }
}
