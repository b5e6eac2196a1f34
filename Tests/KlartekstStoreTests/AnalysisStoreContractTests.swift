import Foundation
import KlartekstApp
import KlartekstCore
import KlartekstStore
import KlartekstTestSupport
import Logging
import Testing

/// Analyses in the store: keyed results, the review queue and operator decisions, the same on
/// SQLite and PostgreSQL.
@Suite("Store contract: analyses and review")
struct AnalysisStoreContractTests {
    static func analysis(_ key: String, prompt: String = "summary", topic: String = "", status: StoredAnalysis.Status, result: String = #"{"a":1}"#) -> StoredAnalysis {
        StoredAnalysis(
            itemKey: key, prompt: prompt, promptVersion: 1, topic: topic, model: "m", backend: "b", inputHash: "h-\(prompt)-\(topic)", status: status,
            result: result, problems: status == .failed ? ["quote not found in the source: \"x\"", "summary LIX 55 is above 40"] : [],
            promptTokens: 1200, completionTokens: 300, seconds: 42.5)
    }

    @Test("results are keyed, queued for review, and operator decisions keep the model's original", arguments: TestBackend.available)
    func review(backend: TestBackend) async throws {
        try await backend.withStore { store, _ in
            let importer = ImportService(store: store, registry: try Registry.bundled(), limitBytes: 64 << 20, logger: Logger(label: "t"))
            _ = await importer.importPaths([Fixtures.sampleDirectory.path])
            let inputs = try await store.analysisInputs(municipality: nil, itemKey: nil)
            #expect(inputs.count == 23)
            let k = try #require(inputs.first { $0.municipality == "kalundborg" })
            #expect(k.number == "4" && k.municipalityName == "Kalundborg Kommune" && !k.sections.isEmpty)
            let h = try #require(inputs.first { $0.municipality == "hvidovre" && $0.number == "16" })

            try await store.saveAnalysis(Self.analysis(k.itemKey, status: .pendingReview))
            try await store.saveAnalysis(Self.analysis(k.itemKey, prompt: "relevance", topic: "hjemloeshed", status: .published))
            try await store.saveAnalysis(Self.analysis(h.itemKey, status: .failed))
            #expect(try await store.hasAnalysis(itemKey: k.itemKey, prompt: "summary", version: 1, topic: "", model: "m", inputHash: "h-summary-"))
            #expect(!(try await store.hasAnalysis(itemKey: k.itemKey, prompt: "summary", version: 2, topic: "", model: "m", inputHash: "h-summary-")))

            let queue = try await store.reviewQueue(limit: 10)
            #expect(queue.map(\.analysis.status) == [.pendingReview, .failed])
            #expect(queue[0].municipality == "kalundborg" && queue[0].number == "4" && queue[0].title == "Beslutning om hjemløsestrategi")
            #expect(queue[1].analysis.problems.count == 2 && queue[1].analysis.seconds == 42.5 && queue[1].analysis.promptTokens == 1200)

            let pendingID = try #require(queue[0].analysis.id)
            #expect(try await store.review(id: pendingID, status: .published, editedResult: nil, reviewer: "ane"))
            let failedID = try #require(queue[1].analysis.id)
            #expect(try await store.review(id: failedID, status: .published, editedResult: #"{"b":2}"#, reviewer: "bo"))
            #expect(try await store.review(id: failedID, status: .published, editedResult: #"{"b":3}"#, reviewer: "bo"))
            #expect(!(try await store.review(id: 999_999, status: .rejected, editedResult: nil, reviewer: "x")))

            let approved = try #require(try await store.analysis(id: pendingID))
            #expect(approved.status == .published && approved.reviewedBy == "ane" && !approved.edited && approved.originalResult == nil)
            let edited = try #require(try await store.analysis(id: failedID))
            #expect(edited.status == .published && edited.edited && edited.result == #"{"b":3}"# && edited.problems.isEmpty)
            #expect(edited.originalResult == #"{"a":1}"#)
            #expect(try await store.reviewQueue(limit: 10).isEmpty)

            // A rerun saving the same key does not overwrite an operator's decision.
            try await store.saveAnalysis(Self.analysis(h.itemKey, status: .failed))
            #expect(try await store.analysis(id: failedID)?.result == #"{"b":3}"#)
            #expect(try await store.analyses(itemKey: k.itemKey).count == 2)
        }
    }

    @Test("front-page reads and cached speech behave the same on both backends", arguments: TestBackend.available)
    func frontPageAndSpeech(backend: TestBackend) async throws {
        try await backend.withStore { store, _ in
            let importer = ImportService(store: store, registry: try Registry.bundled(), limitBytes: 64 << 20, logger: Logger(label: "t"))
            _ = await importer.importPaths([Fixtures.sampleDirectory.path])
            // Hvidovre meets on 18 May 2026 (Kalundborg's sample meeting has no date: never "upcoming").
            let upcoming = try await store.upcomingMeetings(municipality: nil, from: "2026-05-18", limit: 10)
            #expect(upcoming.map(\.municipality) == ["hvidovre"])
            #expect(upcoming.first?.meeting.committeeName == "Økonomiudvalget" && upcoming.first?.meeting.itemCount == 22)
            #expect(try await store.upcomingMeetings(municipality: nil, from: "2026-05-19", limit: 10).isEmpty)
            #expect(try await store.upcomingMeetings(municipality: "kalundborg", from: "2026-01-01", limit: 10).isEmpty)
            // Only items whose current text has a decision section: Kalundborg's item 4.
            let decided = try await store.latestDecidedItems(municipality: nil, limit: 10)
            #expect(decided.map(\.number) == ["4"] && decided.first?.municipality == "kalundborg")
            #expect(decided.first?.sections.contains { $0.kind == .decision } == true)
            #expect(try await store.latestDecidedItems(municipality: "hvidovre", limit: 10).isEmpty)

            let audio: [UInt8] = Array("RIFF".utf8) + (0..<5000).map { UInt8($0 % 251) }
            #expect(try await store.speech(analysisID: 7, textHash: "t1", voice: "v") == nil)
            try await store.saveSpeech(analysisID: 7, textHash: "t1", voice: "v", audio: audio)
            try await store.saveSpeech(analysisID: 7, textHash: "t1", voice: "v", audio: [1, 2, 3])  // a second node's copy is ignored
            #expect(try await store.speech(analysisID: 7, textHash: "t1", voice: "v") == audio)
            #expect(try await store.speech(analysisID: 7, textHash: "t2", voice: "v") == nil)
            #expect(try await store.speech(analysisID: 7, textHash: "t1", voice: "other") == nil)
        }
    }
}
