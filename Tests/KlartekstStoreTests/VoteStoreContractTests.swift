import Foundation
import KlartekstApp
import KlartekstCore
import KlartekstStore
import KlartekstTestSupport
import Logging
import Testing

/// Citizens' answers in the store, the same on SQLite and PostgreSQL.
@Suite("Store contract: answers")
struct VoteStoreContractTests {
    @Test("one answer per participant and item; counts split new/established; answers listed and deleted", arguments: TestBackend.available)
    func votes(backend: TestBackend) async throws {
        try await backend.withStore { store, _ in
            let importer = ImportService(store: store, registry: try Registry.bundled(), limitBytes: 64 << 20, logger: Logger(label: "t"))
            _ = await importer.importPaths([Fixtures.sampleDirectory.path])
            let target = try #require(try await store.answerTarget(municipality: "hvidovre", meeting: "oekonomiudvalget-2026-05-18", number: "16"))
            #expect(target.status == .public && target.itemKey.hasPrefix("hvidovre/oekonomiudvalget-2026-05-18/16"))
            #expect(try await store.answerTarget(municipality: "hvidovre", meeting: "oekonomiudvalget-2026-05-18", number: "99") == nil)
            let key = target.itemKey
            try await store.recordVote(participant: "p1", itemKey: key, municipality: "hvidovre", choice: .agree)
            try await store.recordVote(participant: "p1", itemKey: key, municipality: "hvidovre", choice: .disagree)
            try await store.recordVote(participant: "p2", itemKey: key, municipality: "hvidovre", choice: .agree)
            #expect(try await store.vote(participant: "p1", itemKey: key) == .disagree)
            let all = try await store.voteCounts(itemKey: key, newSince: Date().addingTimeInterval(-3600))
            #expect(all.total == 2 && all.newTotal == 2 && all.count(.agree) == 1 && all.count(.disagree) == 1)
            let later = try await store.voteCounts(itemKey: key, newSince: Date().addingTimeInterval(3600))
            #expect(later.newTotal == 0 && later.established.values.reduce(0, +) == 2 && later.byLevel[.anonymous]?.values.reduce(0, +) == 2)
            #expect(try await store.participantAnswers(participant: "p1").map(\.choice) == [.disagree])
            #expect(try await store.municipalityAnswers(municipality: "hvidovre").count == 2)
            let answered = try await store.answeredItems(municipality: "hvidovre", newSince: Date(), limit: 10)
            #expect(answered.count == 1 && answered[0].number == "16" && answered[0].counts.total == 2 && !answered[0].sections.isEmpty)
            try await store.flagVotes(VoteFlag(itemKey: key, kind: "burst", detail: "test", createdAt: ""))
            #expect(try await store.voteFlags(limit: 5).map(\.kind) == ["burst"])
            #expect(try await store.deleteParticipant("p1") == 1)
            #expect(try await store.voteCounts(itemKey: key, newSince: Date()).total == 1)
            #expect(try await store.participantAnswers(participant: "p1").isEmpty)
        }
    }
}
