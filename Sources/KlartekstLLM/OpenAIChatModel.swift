import AsyncHTTPClient
import Foundation
import KlartekstCore
import Logging
import NIOCore

/// Any OpenAI-compatible `/v1/chat/completions` server (llama.cpp, vLLM, Ollama, hosted APIs)
/// with JSON-schema constrained output. Speaks both dialects of `response_format`: the OpenAI
/// form (`json_schema`) and llama.cpp's (`json_object` + `schema`); with `.auto` it tries the
/// OpenAI form and falls back once, remembering what the server accepts.
public final class OpenAIChatModel: LanguageModel, @unchecked Sendable {
    public enum Dialect: String, Sendable { case auto, openAI = "openai", llamaCpp = "llamacpp" }

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
        /// The server did not answer, or answered busy/broken (429, 408, 5xx) after the retries:
        /// another endpoint, or the same one later, may succeed.
        public var transient = false
    }

    public let baseURL: String
    public let modelID: String
    public var backendID: String { "openai-compatible \(baseURL)" }
    let apiKey: String?
    let http: HTTPClient
    let timeout: Duration
    let retry: RetryPolicy
    let slots: AsyncSemaphore
    let state: DialectState
    let logger: Logger

    public init(
        baseURL: String, model: String, apiKey: String? = nil, dialect: Dialect = .auto, timeout: Duration = .seconds(300),
        maxConcurrent: Int = 1, retry: RetryPolicy = RetryPolicy(maxAttempts: 3, baseDelay: .seconds(1)), logger: Logger
    ) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        if !base.hasSuffix("/v1") { base += "/v1" }
        self.baseURL = base
        self.modelID = model
        self.apiKey = apiKey
        // A refused connection fails at once (our retry policy and the endpoint pool decide what
        // next), instead of the client retrying it silently until the request's deadline.
        var configuration = HTTPClient.Configuration()
        configuration.timeout.connect = .seconds(10)
        configuration.connectionPool.retryConnectionEstablishment = false
        self.http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.timeout = timeout
        self.retry = retry
        self.slots = AsyncSemaphore(max(1, maxConcurrent))
        self.logger = logger
        self.state = DialectState(dialect)
    }

    public func shutdown() async { try? await http.shutdown() }

    public func complete(system: String, user: String, schema: [String: Any], schemaName: String, maxTokens: Int) async throws -> ModelAnswer {
        await slots.acquire()
        do {
            let answer = try await completeHoldingSlot(system: system, user: user, schema: schema, schemaName: schemaName, maxTokens: maxTokens)
            await slots.release()
            return answer
        } catch {
            await slots.release()
            throw error
        }
    }

    func completeHoldingSlot(system: String, user: String, schema: [String: Any], schemaName: String, maxTokens: Int) async throws -> ModelAnswer {
        var dialect = await state.current
        if dialect == .auto { dialect = .openAI }
        var attempt = 0
        var switched = false
        while true {
            attempt += 1
            let body = try Self.body(model: modelID, system: system, user: user, schema: schema, schemaName: schemaName, maxTokens: maxTokens, dialect: dialect)
            var request = HTTPClientRequest(url: baseURL + "/chat/completions")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            if let apiKey { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
            request.body = .bytes(ByteBuffer(bytes: body))
            let status: Int
            let data: Data
            do {
                let response = try await http.execute(request, timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000))
                status = Int(response.status.code)
                data = Data(try await response.body.collect(upTo: 16 << 20).readableBytesView)
            } catch {
                if case .retry(let d) = retry.decide(attempt: attempt, outcome: .timeout, jitter: Double.random(in: 0..<1)) {
                    try await Task.sleep(for: d)
                    continue
                }
                throw Failure(description: "the model server at \(baseURL) did not answer: \(error)", transient: true)
            }
            if status == 200 {
                if await state.current == .auto { await state.set(dialect) }
                return try Self.parse(data)
            }
            // A server that does not know this response_format dialect: try the other one once.
            let negotiable = await state.current == .auto
            if !switched && (status == 400 || status == 422 || status == 500) && negotiable {
                switched = true
                dialect = dialect == .openAI ? .llamaCpp : .openAI
                logger.notice("switching response_format dialect", metadata: ["server": "\(baseURL)", "to": "\(dialect.rawValue)"])
                continue
            }
            switch retry.decide(attempt: attempt, outcome: .status(status, retryAfter: nil), jitter: Double.random(in: 0..<1)) {
            case .retry(let d):
                try await Task.sleep(for: d)
            case .giveUp(let why):
                let detail = String(decoding: data.prefix(300), as: UTF8.self)
                throw Failure(
                    description: "the model server answered HTTP \(status) (\(why)): \(detail)",
                    transient: status == 429 || status == 408 || (500...599).contains(status))
            }
        }
    }

    static func body(model: String, system: String, user: String, schema: [String: Any], schemaName: String, maxTokens: Int, dialect: Dialect) throws -> Data {
        let format: [String: Any] = dialect == .llamaCpp
            ? ["type": "json_object", "schema": schema]
            : ["type": "json_schema", "json_schema": ["name": schemaName, "schema": schema, "strict": true]]
        let body: [String: Any] = [
            "model": model, "temperature": 0, "max_tokens": maxTokens, "response_format": format,
            "messages": [["role": "system", "content": system], ["role": "user", "content": user]],
        ]
        return try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
    }

    static func parse(_ data: Data) throws -> ModelAnswer {
        guard let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let choices = obj["choices"] as? [[String: Any]], let message = choices.first?["message"] as? [String: Any],
            let content = message["content"] as? String
        else {
            throw Failure(description: "the model server's answer is not a chat completion: \(String(decoding: data.prefix(200), as: UTF8.self))")
        }
        let usage = obj["usage"] as? [String: Any]
        return ModelAnswer(
            content: content, promptTokens: usage?["prompt_tokens"] as? Int ?? 0, completionTokens: usage?["completion_tokens"] as? Int ?? 0)
    }
}

actor DialectState {
    var current: OpenAIChatModel.Dialect
    init(_ d: OpenAIChatModel.Dialect) { current = d }
    func set(_ d: OpenAIChatModel.Dialect) { current = d }
}


