import Foundation
import KlartekstCore
import KlartekstLLM
import KlartekstPipeline
import Logging

/// Makes the analysis backend the configuration names: the deterministic fallback, the embedded
/// model (started here, stopped by `close()`), or any OpenAI-compatible server.
public final class AnalysisBackendFactory: @unchecked Sendable {
    public let backend: AnalyzeStage.Backend
    /// e.g. "deterministic", "embedded http://127.0.0.1:41234", "https://api.example".
    public let label: String
    let model: OpenAIChatModel?
    let server: EmbeddedModelServer?

    init(backend: AnalyzeStage.Backend, label: String, model: OpenAIChatModel?, server: EmbeddedModelServer?) {
        self.backend = backend
        self.label = label
        self.model = model
        self.server = server
    }

    /// - Parameter name: overrides `llm.backend` ("deterministic", "embedded" or a URL).
    public static func make(config: AppConfig, name: String? = nil, logger: Logger) async throws -> AnalysisBackendFactory {
        let choice = name ?? config.llmBackend
        if choice == "deterministic" {
            return AnalysisBackendFactory(backend: .deterministic, label: "deterministic", model: nil, server: nil)
        }
        var server: EmbeddedModelServer?
        var base = choice
        var dialect: OpenAIChatModel.Dialect = .auto
        if choice == "embedded" {
            let s = EmbeddedModelServer(
                options: .init(python: config.llmPython, model: config.llmModelPath, contextSize: config.llmContext), logger: logger)
            base = try await s.start()
            server = s
            dialect = .llamaCpp
        }
        let m = OpenAIChatModel(
            baseURL: base, model: config.llmModel, apiKey: config.llmAPIKey, dialect: dialect, timeout: .seconds(config.llmTimeout),
            maxConcurrent: config.llmConcurrency, logger: logger)
        return AnalysisBackendFactory(backend: .model(m), label: choice == "embedded" ? "embedded \(base)" : base, model: m, server: server)
    }

    /// Closes the HTTP client and stops an embedded server.
    public func close() async {
        await model?.shutdown()
        await server?.stop()
    }
}
