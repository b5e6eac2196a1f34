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
    let pool: ModelPool?

    init(backend: AnalyzeStage.Backend, label: String, model: OpenAIChatModel?, server: EmbeddedModelServer?, pool: ModelPool? = nil) {
        self.backend = backend
        self.label = label
        self.model = model
        self.server = server
        self.pool = pool
    }

    /// The endpoints' health and latency (workers report it for the operator page).
    public func status() async -> [BackendStatus] { await pool?.status() ?? [] }

    /// For workers: `llm.endpoints` as a pool, or the one configured backend inside a pool of one,
    /// so an endpoint that does not answer makes the job wait and retry instead of storing a
    /// failed analysis.
    public static func makePooled(config: AppConfig, logger: Logger) async throws -> AnalysisBackendFactory {
        guard let list = config.llmEndpoints else {
            let single = try await make(config: config, logger: logger)
            guard let model = single.model else { return single }
            let endpoint = ModelPool.Endpoint(url: model.baseURL, weight: 1, concurrency: config.llmConcurrency)
            let pool = ModelPool(modelID: model.modelID, endpoints: [endpoint], clients: [model], logger: logger)
            return AnalysisBackendFactory(backend: .model(pool), label: single.label, model: model, server: single.server, pool: pool)
        }
        let endpoints: [ModelPool.Endpoint]
        do { endpoints = try ModelPool.Endpoint.parseList(list, defaultConcurrency: config.llmConcurrency) } catch { throw AppError("\(error)") }
        let pool = ModelPool.http(
            model: config.llmModel, endpoints: endpoints, apiKey: config.llmAPIKey, timeout: .seconds(config.llmTimeout), logger: logger)
        return AnalysisBackendFactory(
            backend: .model(pool), label: "\(endpoints.count) endpoints (\(endpoints.map(\.url).joined(separator: ", ")))", model: nil, server: nil,
            pool: pool)
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
        await pool?.shutdown()
        await model?.shutdown()
        await server?.stop()
    }
}
