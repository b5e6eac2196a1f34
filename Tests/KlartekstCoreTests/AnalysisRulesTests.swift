import Foundation
import KlartekstCore
import KlartekstTestSupport
import Testing

@Suite("Citizen analysis rules: prompts, checks, deterministic fallback")
struct AnalysisRulesTests {
    static let prompts = Fixtures.root.appendingPathComponent("prompts")
    static func taxonomy() throws -> Taxonomy { try Taxonomy.load(Data(contentsOf: prompts.appendingPathComponent("taxonomy.json"))) }

    @Test("the prompt files parse, and the schema carries the taxonomy")
    func promptFiles() throws {
        for file in ["summary/v1.md", "relevance/v1.md"] {
            let p = try Prompt.parse(String(contentsOf: Self.prompts.appendingPathComponent(file), encoding: .utf8), file: file)
            #expect(p.version == 1 && !p.inputs.isEmpty)
            #expect(p.system.contains("<kilde>"))
            let schema = try p.schema(taxonomy: try Self.taxonomy())
            #expect(schema["type"] as? String == "object")
        }
        #expect(try Self.taxonomy().labels.count >= 20)
    }

    @Test("the deterministic fallback builds the Kalundborg question and a grounded summary")
    func fallback() throws {
        let parsed = try Fixtures.kalundborgSections()
        let s = DeterministicSummary.analyse(item: "Beslutning om hjemløsestrategi", sections: parsed, municipality: "Kalundborg Kommune", taxonomy: try Self.taxonomy())
        #expect(s.question == "Skal Kalundborg Kommune godkende hjemløsestrategien?")
        #expect(s.keywords.first == "Hjemløshed")
        #expect(!s.argumentsGenerated && s.pros.isEmpty)
        let source = parsed.map(\.text).joined(separator: "\n")
        let v = AnalysisValidator(municipalityName: "Kalundborg Kommune", source: source, taxonomy: try Self.taxonomy())
        #expect(s.summary.allSatisfy { v.quoteFound($0.quote) })
    }

    @Test("ungrounded quotes, foreign keywords, invented numbers, hard Danish and non-questions are caught")
    func checks() throws {
        let source = "Direktøren indstiller, at hjemløsestrategien godkendes. Der er afsat 2,5 mio. kr. i 2026 til en hjemløsekoordinator."
        let v = AnalysisValidator(municipalityName: "Kalundborg Kommune", source: source, taxonomy: try Self.taxonomy())
        let good = CitizenSummary(
            question: "Skal Kalundborg Kommune godkende hjemløsestrategien?",
            summary: [Claim(text: "Kommunen vil have en plan mod hjemløshed.", quote: "at hjemløsestrategien godkendes"),
                      Claim(text: "Der er 2,5 mio. kr. i 2026 til en koordinator.", quote: "afsat 2,5 mio. kr. i 2026")],
            pros: [], cons: [], keywords: ["Hjemløshed"])
        #expect(v.check(good) == [])
        var bad = good
        bad.question = "Hvad mener du om strategien"
        bad.summary[1] = Claim(text: "Den koster 19 mio. kr.", quote: "strategien koster 19 mio. kr.")
        bad.keywords = ["Ældre", "HACKED"]
        let problems = v.check(bad).joined(separator: "\n")
        for expected in ["does not end with", "does not name", "not a yes/no", "quote not found", "number 19", "not in the taxonomy"] {
            #expect(problems.contains(expected), "\(expected)")
        }
        #expect(LIX.compute("Kalundborg Kommune har i samarbejde med Social- og Boligstyrelsen udviklet en samlet og tværfaglig indsats for at reducere og forebygge hjemløshed.") > 40)
        #expect(LIX.compute("Byen vil hjælpe folk uden hjem. Planen er klar.") < 40)
    }
}

@Suite("Prompt v2: numbered source sentences and citations")
struct SentenceEvidenceTests {
    static func prompt(_ file: String) throws -> Prompt {
        try Prompt.parse(String(contentsOf: AnalysisRulesTests.prompts.appendingPathComponent(file), encoding: .utf8), file: file)
    }

    static func kalundborg() throws -> AnalysisInput {
        AnalysisInput(
            itemKey: "k", municipalityName: "Kalundborg Kommune", committee: "Kommunalbestyrelsen", title: "Beslutning om hjemløsestrategi",
            status: .public, sections: try Fixtures.kalundborgSections(), attachmentText: "")
    }

    @Test("the source is sent with numbered sentences; a citation becomes the exact sentence")
    func numbered() throws {
        let p = try Self.prompt("summary/v2.md")
        #expect(p.evidence == .sentences && p.version == 2)
        let src = p.renderSource(for: try Self.kalundborg())
        #expect(src.text.hasPrefix("## Indstillinger\n[1] Direktøren indstiller, at hjemløsestrategien godkendes."))
        #expect(src.text.contains("] Anbefales."))
        let n = try #require(src.sentences.firstIndex(of: "Direktøren indstiller, at hjemløsestrategien godkendes.")) + 1
        #expect(src.text.contains("[\(n)] Direktøren indstiller, at hjemløsestrategien godkendes."))
        #expect(!src.truncated && src.sentences.count > 30)
        let answer = #"{"question": "Skal Kalundborg Kommune godkende strategien?", "summary": [{"text": "Kommunen vil godkende en plan.", "kilde": \#(n)}, {"text": "Mere.", "kilde": 999}], "pros": [], "cons": [], "keywords": ["Hjemløshed"]}"#
        let (resolved, problems) = src.resolveCitations(answer)
        let s = try JSONDecoder().decode(CitizenSummary.self, from: Data(resolved.utf8))
        #expect(s.summary[0].quote == "Direktøren indstiller, at hjemløsestrategien godkendes.")
        #expect(problems == ["source sentence [999] does not exist (the source has \(src.sentences.count))"])
        let rel = #"{"relevant": true, "reason": "Det handler om hjemløse.", "kilde": "[\#(n)]"}"#
        let r = try JSONDecoder().decode(Relevance.self, from: Data(src.resolveCitations(rel).0.utf8))
        #expect(r.quote == "Direktøren indstiller, at hjemløsestrategien godkendes.")
    }

    @Test("a source longer than the budget is cut at a sentence, recommendation first")
    func budget() throws {
        for file in ["summary/v1.md", "summary/v2.md"] {
            let p = try Self.prompt(file)
            let full = p.renderSource(for: try Self.kalundborg())
            let cut = p.renderSource(for: try Self.kalundborg(), maxCharacters: 1200)
            #expect(full.text.count > 3000 && cut.text.count <= 1200 && cut.truncated)
            #expect(cut.text.contains("Direktøren indstiller, at hjemløsestrategien godkendes."))
            #expect(cut.text.hasSuffix(".") || cut.text.hasSuffix(":"))
        }
    }
}

@Suite("Quote matching edge cases")
struct QuoteMatchingTests {
    @Test("a quote ending in a no-break space or a line break still matches")
    func edges() throws {
        let taxonomy = try Taxonomy.load(Data(contentsOf: AnalysisRulesTests.prompts.appendingPathComponent("taxonomy.json")))
        let v = AnalysisValidator(municipalityName: "Hvidovre Kommune", source: "[3] Det er lavet ændring efter ØU den 20. april 2026\n[4] OBS: Den supplerende indstilling", taxonomy: taxonomy)
        #expect(v.quoteFound("Det er lavet ændring efter ØU den 20. april 2026\u{00A0} "))
        #expect(v.quoteFound("\nDet er lavet ændring efter ØU den 20. april 2026.\n"))
        #expect(!v.quoteFound("Det er lavet ændring efter ØU den 21. april 2026"))
    }
}
