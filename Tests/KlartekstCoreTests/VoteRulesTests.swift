import Foundation
import KlartekstCore
import Testing

@Suite("Votes: tallies, the new-participant guard, decisions, opinion groups")
struct VoteRulesTests {
    @Test("shares, majority, and the cap on answers from brand-new participants")
    func tally() {
        var c = VoteCounts(established: [.agree: 30, .disagree: 10, .pass: 10])
        var t = VoteTally.compute(c)
        #expect(t.participants == 50 && !t.capped && t.share(.agree)?.percent == 60 && t.majority == .agree)
        // A burst of 150 new "disagree" answers: exact counts kept, but they weigh at most 50 %.
        c.new = [.disagree: 150]
        t = VoteTally.compute(c, newShareCap: 0.5, minimumForCap: 20)
        #expect(t.participants == 200 && t.capped && t.suspicious && t.newParticipantAnswers == 150)
        #expect(t.share(.disagree)?.count == 160)
        // Established 50 + new weighed to 50: disagree = (10 + 50) / 100.
        #expect(t.share(.disagree)?.percent == 60 && t.share(.agree)?.percent == 30)
        // Few new answers (a new item) are not capped; a burst on an item nobody else answered is flagged, not hidden.
        #expect(!VoteTally.compute(VoteCounts(new: [.agree: 5])).capped)
        let fresh = VoteTally.compute(VoteCounts(new: [.agree: 30, .disagree: 10]))
        #expect(fresh.suspicious && !fresh.capped && fresh.share(.agree)?.percent == 75)
        #expect(VoteTally.compute(VoteCounts(established: [.agree: 2, .disagree: 2])).majority == nil)
    }

    @Test("the decision next to the citizens' answer")
    func decision() {
        let tally = VoteTally.compute(VoteCounts(established: [.agree: 3, .disagree: 7]))
        let decided = Section(ordinal: 0, heading: "Beslutning", kind: .decision, text: "Anbefales.", html: "")
        let d = DecisionComparison.make(committee: "Økonomiudvalget", sections: [decided], steps: [], tally: tally)
        #expect(d?.outcome == .recommended && d?.body == "Økonomiudvalget" && d?.citizensAgree == false)
        let council = DecisionComparison.make(committee: "Byrådet", sections: [Section(ordinal: 0, heading: "Beslutning", kind: .decision, text: "Forkastet.", html: "")], steps: [], tally: tally)
        #expect(council?.body == "Byrådet" && council?.outcome == .rejected && council?.citizensAgree == true)
        #expect(DecisionComparison.make(committee: "X", sections: [], steps: [], tally: tally) == nil)
    }

    static func camps(noise: Double, seed: UInt64) -> [OpinionGroups.Answer] {
        var rng = SplitMix64(seed: seed)
        var answers: [OpinionGroups.Answer] = []
        for p in 0..<40 {
            let campA = p < 20
            for i in 0..<12 {
                var choice: VoteChoice = i == 11 ? .agree : ((i < 6) == campA ? .agree : .disagree)
                if rng.nextDouble() < noise { choice = [.agree, .disagree, .pass][Int(rng.next() % 3)] }
                answers.append(.init(participant: "p\(p)", item: "item\(i)", choice: choice))
            }
        }
        return answers
    }

    @Test("two known camps are recovered, with their distinctive answers and the item both agree on")
    func twoCamps() throws {
        let g = try #require(OpinionGroups.compute(Self.camps(noise: 0.1, seed: 7)))
        #expect(g.participants == 40 && g.items == 12)
        #expect(g.groups.count == 2 && g.clear && g.silhouette > 0.6)
        let groupOf = Dictionary(uniqueKeysWithValues: g.points.map { ($0.participant, $0.group) })
        let a = Set((0..<20).map { groupOf["p\($0)"]! })
        let b = Set((20..<40).map { groupOf["p\($0)"]! })
        #expect(a.count == 1 && b.count == 1 && a != b)
        let groupA = try #require(g.groups.first { $0.id == a.first })
        #expect(groupA.distinctive.count == 3 && groupA.distinctive.allSatisfy { ["item0", "item1", "item2", "item3", "item4", "item5"].contains($0.item) == ($0.choice == .agree) })
        #expect(g.consensus.map(\.item) == ["item11"] && g.consensus[0].choice == .agree)
        // Deterministic for a seed.
        #expect(OpinionGroups.compute(Self.camps(noise: 0.1, seed: 7)) == g)
    }

    @Test("random answers: no structure is reported as clear", arguments: [1, 2, 3, 4, 5] as [UInt64])
    func random(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        var answers: [OpinionGroups.Answer] = []
        for p in 0..<60 {
            for i in 0..<12 where rng.nextDouble() < 0.8 {
                answers.append(.init(participant: "p\(p)", item: "item\(i)", choice: [.agree, .disagree, .pass][Int(rng.next() % 3)]))
            }
        }
        let g = try #require(OpinionGroups.compute(answers))
        #expect(!g.clear, "silhouette \(g.silhouette)")
        print("random seed \(seed): silhouette \(g.silhouette), groups \(g.groups.count)")
        #expect(g.consensus.isEmpty)
    }

    @Test("too few participants with 7 answers: no groups")
    func tooFew() {
        let answers = (0..<10).flatMap { p in (0..<6).map { OpinionGroups.Answer(participant: "p\(p)", item: "i\($0)", choice: .agree) } }
        #expect(OpinionGroups.compute(answers) == nil)
    }
}
