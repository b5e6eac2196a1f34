import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// An OpenAI-compatible `/v1/chat/completions` server on 127.0.0.1 whose answers a test scripts:
/// good, invalid, repetitive, ungrounded or injected content, HTTP errors, a dialect it refuses,
/// a fixed latency and a capacity (requests served at once). Every request body is recorded.
public final class ScriptedModelServer: Sendable {
    public enum Reply: Sendable {
        /// A chat completion whose message content is this text.
        case content(String, promptTokens: Int = 100, completionTokens: Int = 50)
        /// An HTTP status with a body.
        case status(Int, String)
    }

    public struct Recorded: Sendable {
        public var body: [String: any Sendable]
        public var system: String
        public var user: String
        public var responseFormatType: String
    }

    struct State {
        var byPrompt: [(marker: String, replies: [Reply])] = []
        var script: [Reply] = []
        var fallback: (@Sendable ([String: Any]) -> Reply)?
        var recorded: [Recorded] = []
        var inFlight = 0
        var maxInFlight = 0
        var served = 0
    }

    let state = Mutex(State())
    let task = Mutex<Task<Void, any Error>?>(nil)
    let portBox = Mutex<Int?>(nil)
    /// Refuse `response_format.type == "json_schema"` with HTTP 500, as llama.cpp's server does.
    public let refuseOpenAIDialect: Bool
    public let latency: Duration
    let capacity: CapacityGate

    public init(refuseOpenAIDialect: Bool = false, latency: Duration = .zero, capacity: Int = 64) {
        self.refuseOpenAIDialect = refuseOpenAIDialect
        self.latency = latency
        self.capacity = CapacityGate(capacity)
    }

    public var baseURL: String { "http://127.0.0.1:\(portBox.withLock { $0 } ?? 0)" }
    public var recorded: [Recorded] { state.withLock { $0.recorded } }
    public var maxConcurrentRequests: Int { state.withLock { $0.maxInFlight } }
    public var served: Int { state.withLock { $0.served } }

    /// Replies per prompt: a request whose system prompt contains `marker` takes the next reply of
    /// that list (requests of different prompts may arrive in any order).
    public func script(byPrompt: [(marker: String, replies: [Reply])]) {
        state.withLock { $0.byPrompt = byPrompt }
    }

    /// Markers of the bundled prompts' system texts.
    public static let summaryPrompt = "Du skriver for borgere"
    public static let relevancePrompt = "Du vurderer, om et punkt"

    /// Replies used in order, one per request; then `fallback` (or HTTP 500 "script exhausted").
    public func script(_ replies: [Reply], fallback: (@Sendable ([String: Any]) -> Reply)? = nil) {
        state.withLock {
            $0.script = replies
            $0.fallback = fallback
        }
    }

    /// A relevance answer quoting the first line of the source it was sent (grounded for any item).
    public static let groundedRelevance: @Sendable ([String: Any]) -> Reply = { body in
        let user = ((body["messages"] as? [[String: Any]])?.last?["content"] as? String) ?? ""
        let source = user.components(separatedBy: "<kilde>\n").last ?? ""
        let line = source.split(separator: "\n").first { !$0.hasPrefix("##") && $0.count > 20 } ?? ""
        let quote = String(line.prefix(60)).replacingOccurrences(of: "\\", with: "").replacingOccurrences(of: "\"", with: "\\\"")
        return .content("{\"relevant\": false, \"reason\": \"Punktet handler om noget andet.\", \"quote\": \"\(quote)\"}", promptTokens: 900, completionTokens: 40)
    }

    public func start() async throws {
        let router = Router()
        router.post("/v1/chat/completions") { request, _ in try await self.handle(request) }
        router.get("/v1/models") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"data":[{"id":"scripted"}]}"#)))
        }
        let (t, port) = await LoopbackServer.start(router, name: "ScriptedModelServer")
        task.withLock { $0 = t }
        portBox.withLock { $0 = port }
    }

    public func stop() async {
        await LoopbackServer.stop(task.withLock { $0 })
    }

    func handle(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 8 << 20)
        guard let json = try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any] else {
            return Self.response(400, #"{"error":"bad json"}"#)
        }
        let messages = json["messages"] as? [[String: Any]] ?? []
        let format = (json["response_format"] as? [String: Any])?["type"] as? String ?? ""
        let rec = Recorded(
            body: json.mapValues { "\($0)" }, system: messages.first { $0["role"] as? String == "system" }?["content"] as? String ?? "",
            user: messages.first { $0["role"] as? String == "user" }?["content"] as? String ?? "", responseFormatType: format)
        if refuseOpenAIDialect && format == "json_schema" {
            state.withLock { $0.recorded.append(rec) }
            return Self.response(500, #"{"error":{"message":"unsupported response_format"}}"#)
        }
        await capacity.enter()
        state.withLock {
            $0.recorded.append(rec)
            $0.inFlight += 1
            $0.maxInFlight = max($0.maxInFlight, $0.inFlight)
        }
        if latency > .zero { try? await Task.sleep(for: latency) }
        let reply: Reply = state.withLock {
            $0.inFlight -= 1
            $0.served += 1
            if let i = $0.byPrompt.firstIndex(where: { rec.system.contains($0.marker) && !$0.replies.isEmpty }) {
                return $0.byPrompt[i].replies.removeFirst()
            }
            if !$0.script.isEmpty { return $0.script.removeFirst() }
            return $0.fallback?(json) ?? .status(500, #"{"error":"script exhausted"}"#)
        }
        await capacity.leave()
        switch reply {
        case .status(let code, let text):
            return Self.response(code, text)
        case .content(let content, let p, let c):
            let answer: [String: Any] = [
                "id": "chatcmpl-test", "object": "chat.completion", "model": json["model"] as? String ?? "scripted",
                "choices": [["index": 0, "finish_reason": "stop", "message": ["role": "assistant", "content": content]]],
                "usage": ["prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c],
            ]
            let data = try JSONSerialization.data(withJSONObject: answer)
            return Self.response(200, String(decoding: data, as: UTF8.self))
        }
    }

    static func response(_ status: Int, _ body: String) -> Response {
        Response(
            status: .init(code: status), headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

/// Lets at most N requests be served at once; the rest wait (a backend's parallel capacity).
actor CapacityGate {
    var free: Int
    var waiting: [CheckedContinuation<Void, Never>] = []
    init(_ n: Int) { free = max(1, n) }
    func enter() async {
        if free > 0 {
            free -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }
    func leave() {
        if waiting.isEmpty { free += 1 } else { waiting.removeFirst().resume() }
    }
}
