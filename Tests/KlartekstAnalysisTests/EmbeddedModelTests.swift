import Foundation
import KlartekstApp
import KlartekstCore
import KlartekstLLM
import KlartekstPipeline
import KlartekstStore
import KlartekstTestSupport
import Logging
import Testing

/// The embedded default end to end: Klartekst starts llama-cpp-python's server with the
/// Qwen2.5-Coder-1.5B GGUF that scripts/setup-model.sh installed, analyses the Kalundborg item
/// and stops the server. Runs only where the model is installed (about 1–3 minutes on 2 cores).
@Suite("Embedded model, end to end")
struct EmbeddedModelTests {
    static let options = EmbeddedModelServer.Options(
        python: AppConfig().llmPython, model: AppConfig().llmModelPath, logFile: FileManager.default.temporaryDirectory.appendingPathComponent("klartekst-llm-test.log").path)
    static var installed: Bool { EmbeddedModelServer.installed(options).ok }

    @Test("Kalundborg's item through the embedded model: valid JSON under the schema, checked, stored with its provenance",
        .enabled(if: installed, "the embedded model is not installed (scripts/setup-model.sh)"), .timeLimit(.minutes(10)))
    func kalundborg() async throws {
        try await AnalysisHarness.withSample { store in
            let server = EmbeddedModelServer(options: Self.options, logger: AnalysisHarness.logger)
            let base = try await server.start()
            #expect(base.hasPrefix("http://127.0.0.1:"))
            let model = OpenAIChatModel(baseURL: base, model: "qwen2.5-coder-1.5b-instruct-q4_k_m", dialect: .llamaCpp, timeout: .seconds(400), logger: AnalysisHarness.logger)
            let stage = AnalyzeStage(store: store, library: try AnalysisHarness.library(), backend: .model(model), logger: AnalysisHarness.logger)
            let key = try await AnalysisHarness.kalundborgKey(store)
            let report = try await stage.run(itemKey: key, prompts: ["summary@v1"])
            await model.shutdown()
            await server.stop()
            #expect(report.analysed == 1 && report.modelCalls >= 1 && report.promptTokens > 500 && report.completionTokens > 20)
            let a = try #require(try await store.analyses(itemKey: key).first)
            #expect(a.model == "qwen2.5-coder-1.5b-instruct-q4_k_m" && a.backend == "openai-compatible \(base)/v1")
            // Constrained output parses as the schema; whatever the small model got wrong, the checks say so.
            #expect(!a.problems.contains { $0.contains("not valid JSON") }, "\(a.problems)")
            let summary = try #require(a.summary)
            #expect(!summary.summary.isEmpty && !summary.keywords.isEmpty)
            if a.status == .published {
                #expect(a.problems.isEmpty)
            } else {
                #expect(a.status == .failed && !a.problems.isEmpty)
            }
            // The server is gone after stop().
            let probe = OpenAIChatModel(
                baseURL: base, model: "x", timeout: .seconds(2), retry: RetryPolicy(maxAttempts: 1, baseDelay: .milliseconds(1)), logger: AnalysisHarness.logger)
            let again = try? await probe.complete(system: "s", user: "u", schema: ["type": "object"], schemaName: "x", maxTokens: 5)
            await probe.shutdown()
            #expect(again == nil)
        }
    }
}
