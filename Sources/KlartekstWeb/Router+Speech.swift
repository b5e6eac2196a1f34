import Foundation
import Hummingbird
import KlartekstCore

/// Reads summaries aloud ("Lyt til resuméet"): made on first request, then cached in the store by
/// analysis, spoken text and voice, so every web node shares it and a new voice or an edited
/// summary makes new audio.
public struct SpeechService: Sendable {
    /// Engine, voice and speed (part of the cache key).
    public var voiceKey: String
    public var synthesize: @Sendable (String) async throws -> [UInt8]
    /// At most this many syntheses at once on a web node (they use a whole core each).
    public var concurrency: Int

    public init(voiceKey: String, concurrency: Int = 2, synthesize: @escaping @Sendable (String) async throws -> [UInt8]) {
        self.voiceKey = voiceKey
        self.synthesize = synthesize
        self.concurrency = max(1, concurrency)
    }
}

func addSpeechRoutes(_ router: Router<WebContext>, _ deps: WebDependencies) {
    guard let speech = deps.speech else { return }
    let slots = AsyncSemaphore(speech.concurrency)
    router.get("/lyd/:id") { request, context in
        guard let id = Int64(try context.parameters.require("id")), let a = try await deps.store.analysis(id: id), a.prompt == "summary",
            a.status == .published, let summary = a.summary
        else { throw HTTPError(.notFound, message: "Der er ingen lydfil til dette resumé.") }
        let text = SpokenSummary.text(summary)
        let hash = ContentHash.sha256(text)
        var audio = try await deps.store.speech(analysisID: id, textHash: hash, voice: speech.voiceKey)
        if audio == nil {
            await slots.acquire()
            do {
                // Another request may have made it while this one waited.
                audio = try await deps.store.speech(analysisID: id, textHash: hash, voice: speech.voiceKey)
                if audio == nil {
                    let made = try await speech.synthesize(text)
                    try await deps.store.saveSpeech(analysisID: id, textHash: hash, voice: speech.voiceKey, audio: made)
                    audio = made
                }
                await slots.release()
            } catch {
                await slots.release()
                context.logger.error("speech failed for analysis \(id): \(error)")
                throw HTTPError(.serviceUnavailable, message: "Lydfilen kunne ikke laves lige nu. Prøv igen senere.")
            }
        }
        return Responses.bytes(audio ?? [], contentType: "audio/wav", request: request, etag: "\"\(hash.prefix(16))-\(id)\"")
    }
}
