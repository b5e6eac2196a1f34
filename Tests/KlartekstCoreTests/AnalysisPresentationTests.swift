import Foundation
import KlartekstCore
import KlartekstTestSupport
import Testing

@Suite("Quotes located in the source, deterministic relevance, evaluation figures")
struct AnalysisPresentationTests {
    static func topics() throws -> [Topic] {
        struct File: Decodable { var topics: [Topic] }
        return try JSONDecoder().decode(File.self, from: Data(contentsOf: Fixtures.root.appendingPathComponent("prompts/topics.json"))).topics
    }

    @Test("a quote is found in its section despite case, line breaks and typographic dashes, with words around it")
    func locate() throws {
        let sections = try Fixtures.kalundborgSections()
        let l = try #require(QuoteLocator.locate("dette  ARBEJDE er\nfortsat i proces.", sections: sections))
        #expect(l.match == "Dette arbejde er fortsat i proces")
        #expect(l.before.hasPrefix("… ") && l.before.hasSuffix("tilpasse arbejdsgange på tværs af organisationens fagområder. "))
        #expect(l.after.hasPrefix(" og forventes endeligt realiseret i sommeren 2026."))
        let section = try #require(sections.first { $0.ordinal == l.sectionOrdinal })
        #expect(section.kind == .caseText)
        #expect(QuoteLocator.locate("Strategien koster 19 mio. kr. om året", sections: sections) == nil)
        #expect(QuoteLocator.locate("kort", sections: sections) == nil)
        let inAttachment = try #require(QuoteLocator.locate("bilagets egen tekst", sections: sections, attachmentText: "Her står bilagets egen tekst om sagen."))
        #expect(inAttachment.sectionOrdinal == nil && inAttachment.heading == "Bilag")
    }

    @Test("deterministic relevance: Kalundborg's strategy is about homelessness, Hvidovre's items are not")
    func relevance() throws {
        let topic = try #require(try Self.topics().first { $0.slug == "hjemloeshed" })
        let k = DeterministicRelevance.judge(topic: topic, title: "Beslutning om hjemløsestrategi", sections: try Fixtures.kalundborgSections())
        #expect(k.relevant && k.reason.contains("hjemløs"))
        var relevant: [String] = []
        for item in try Fixtures.hvidovreItemSections() {
            if DeterministicRelevance.judge(topic: topic, title: item.title, sections: item.sections).relevant { relevant.append(item.number) }
        }
        #expect(relevant == [])
    }

    @Test("evaluation figures from labelled outcomes")
    func figures() throws {
        func label(_ n: String, _ status: ItemStatus, relevant: Bool, keywords: [String]) -> EvalSet.Label {
            EvalSet.Label(municipality: "x", number: n, title: n, status: status, relevant: ["t": relevant], keywords: keywords)
        }
        func analysis(_ result: String, problems: [String] = [], seconds: Double = 2, tokens: Int = 100) -> StoredAnalysis {
            StoredAnalysis(
                itemKey: "k", prompt: "summary", promptVersion: 1, topic: "", model: "m", backend: "b", inputHash: "h", status: .published,
                result: result, problems: problems, promptTokens: tokens, completionTokens: 0, seconds: seconds)
        }
        func rel(_ r: Bool) -> StoredAnalysis {
            var a = analysis(#"{"relevant": \#(r), "reason": "fordi", "quote": "citat her"}"#, seconds: 1, tokens: 10)
            a.prompt = "relevance"
            a.topic = "t"
            return a
        }
        let s1 = #"{"question":"Skal X Kommune godkende det?","summary":[{"text":"Byen vil hjælpe folk.","quote":"q"}],"keywords":["A","B"]}"#
        let s2 = #"{"question":"Skal X Kommune godkende det?","summary":[{"text":"Planen er klar nu.","quote":"q"}],"keywords":["C"]}"#
        let outcomes = [
            EvalOutcome(label: label("1", .public, relevant: true, keywords: ["A"]), status: .public, summary: analysis(s1), relevance: ["t": rel(true)]),
            EvalOutcome(label: label("2", .public, relevant: false, keywords: ["C", "D"]), status: .public,
                summary: analysis(s2, problems: ["quote not found in the source: \"q\""]), relevance: ["t": rel(true)]),
            EvalOutcome(label: label("3", .public, relevant: true, keywords: ["A"]), status: .public,
                summary: analysis("nonsense", problems: ["the answer is not valid JSON of the schema"]), relevance: ["t": rel(false)]),
            EvalOutcome(label: label("4", .procedural, relevant: false, keywords: []), status: .public, summary: nil, relevance: [:]),
        ]
        let f = EvalFigures.compute(outcomes)
        #expect(f.items == 4 && f.analysed == 3)
        #expect(abs(f.validPercent - 200.0 / 3) < 0.01 && abs(f.groundedPercent - 100.0 / 3) < 0.01 && abs(f.passedPercent - 100.0 / 3) < 0.01)
        #expect(abs((f.keywordPrecision ?? 0) - 200.0 / 3) < 0.01 && abs((f.keywordRecall ?? 0) - 200.0 / 3) < 0.01)
        #expect(f.relevancePrecision == 50 && f.relevanceRecall == 50 && abs((f.relevanceAccuracy ?? 0) - 100.0 / 3) < 0.01)
        #expect(f.statusAccuracy == 75)
        #expect(f.lixMedian != nil)
        // 3 summaries × 2 s + 3 relevance × 1 s over 3 analysed items.
        #expect(f.secondsPerItem == 3 && f.tokensPerItem == 110)
    }

    @Test("Danish decimals")
    func decimals() {
        #expect(DanishFormat.decimal(32.45) == "32,5")
        #expect(DanishFormat.decimal(33.0) == "33")
        #expect(DanishFormat.decimal(1234.5) == "1.234,5")
        #expect(DanishFormat.decimal(0.05) == "0,1")
    }

    @Test("what citizens see: a model's newest published version before the fallback's")
    func shown() {
        func a(_ backend: String, _ version: Int, _ status: StoredAnalysis.Status, id: Int64) -> StoredAnalysis {
            StoredAnalysis(
                itemKey: "k", prompt: "summary", promptVersion: version, topic: "", model: backend, backend: backend, inputHash: "h",
                status: status, result: "{}", problems: [], promptTokens: 0, completionTokens: 0, seconds: 0, createdAt: "2026-11-30", id: id)
        }
        let all = [a("deterministic", 1, .published, id: 1), a("llm", 1, .published, id: 2), a("llm", 2, .failed, id: 3), a("llm", 2, .pendingReview, id: 4)]
        #expect(StoredAnalysis.shown(all).map(\.id) == [2])
        #expect(StoredAnalysis.shown([all[0]]).map(\.id) == [1])
        #expect(StoredAnalysis.shown([all[2], all[3]]).isEmpty)
    }
}

@Suite("Danish sentence splitting")
struct SentenceSplittingTests {
    @Test("abbreviations, numbers and dates do not end a sentence", arguments: [
        ("Dertil kommer boliger til ca. 40 fordrevne ukrainere fra maj 2026. Kommunalbestyrelsen skal godkende det.", 2),
        ("Bevillingen er på 12,123 mio. kr. i 2026. Den dækker bl.a. husleje og drift.", 2),
        ("Mødet holdes den 18. maj 2026 kl. 17.00 på rådhuset. Alle er velkomne!", 2),
        ("Sagen behandles jf. § 110. Se f.eks. bilag 2. Det er vigtigt.", 3),
        ("En sætning uden punktum", 1),
    ])
    func split(text: String, count: Int) {
        #expect(SourceText.sentences(text).count == count, "\(SourceText.sentences(text))")
    }
}

extension SentenceSplittingTests {
    @Test("a paragraph without a full stop is a sentence of its own")
    func paragraphs() {
        #expect(SourceText.sentences("Det er lavet ændring den 20. april 2026\n\u{00A0}\nOBS: Den supplerende indstilling erstatter den oprindelige") ==
            ["Det er lavet ændring den 20. april 2026", "OBS: Den supplerende indstilling erstatter den oprindelige"])
    }
}
