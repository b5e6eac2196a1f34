import Foundation
import KlartekstCore
import KlartekstExtraction
import KlartekstTestSupport
import Testing

@Suite("Sections of every fixture item")
struct SectionParserTests {
    static let hvidovre = (try? MeetingParser.parse(Fixtures.hvidovreMeeting())) ?? ParsedMeeting(meeting: .init(municipality: "x", committeeName: "x", date: nil, documentKind: .agenda, documentName: "x", items: []), items: [])
    static let hvidovreNumbers = hvidovre.items.map(\.item.number)

    @Test("Kalundborg: inner <h2> sections are found under the outer <h3>, Sagens forløb and Afbud apart")
    func kalundborg() throws {
        let parsed = MeetingParser.parse(try Fixtures.kalundborgMeeting())
        let item = try #require(parsed.items.first)
        #expect(item.status == .public)
        #expect(item.sections.map(\.kind) == [.decision, .summary, .recommendation, .process, .caseText, .economy, .caseHistory, .absence])
        #expect(item.sections.map(\.heading) == [
            "Beslutning", "Resume og sagens baggrund", "Indstillinger", "Behandling", "Sagsfremstilling",
            "Økonomiske konsekvenser", "Sagens forløb", "Afbud",
        ])
        #expect(item.sections[2].text == "Direktøren indstiller, at hjemløsestrategien godkendes.")
        #expect(item.sections[0].text == "Anbefales.")
        let history = item.sections[6]
        #expect(history.entries.count == 3)
        #expect(history.entries.allSatisfy { $0.text == "Anbefales." })
        #expect(!history.text.contains("Afbud"))
        #expect(item.sections[7].text == "Afbud: Hans Munk")
        // Lists survive as text and as sanitised HTML.
        #expect(item.sections[4].text.contains("• Fælles retning med afsæt i Housing First-tilgangen"))
        #expect(item.sections[4].html.contains("<li>Fælles retning med afsæt i Housing First-tilgangen</li>"))
    }

    @Test("Hvidovre: the procedural and closed items have no sections", arguments: ["1", "2", "33", "34"])
    func emptyItems(number: String) throws {
        let item = try #require(Self.hvidovre.items.first { $0.item.number == number })
        #expect(item.sections.isEmpty)
        #expect(item.status == (number == "33" || number == "34" ? .closed : .procedural))
    }

    @Test("Hvidovre: every public item has its recommendation, theme and case text, and no unknown section",
        arguments: ["3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20"])
    func publicItems(number: String) throws {
        let item = try #require(Self.hvidovre.items.first { $0.item.number == number })
        #expect(item.status == .public)
        let kinds = item.sections.map(\.kind)
        #expect(kinds.contains(.recommendation))
        #expect(kinds.contains(.summary))
        #expect(kinds.contains(.caseText))
        #expect(kinds.contains(.policy))
        #expect(kinds.contains(.economy))
        #expect(!kinds.contains(.unknown), "\(item.sections.filter { $0.kind == .unknown }.map(\.heading))")
        #expect(item.sections.allSatisfy { !$0.text.isEmpty })
        #expect(item.sections.map(\.ordinal) == Array(1...item.sections.count))
        // Sanitised HTML never carries what the word processor put in.
        for s in item.sections {
            #expect(!s.html.contains("<meta"))
            #expect(!s.html.contains("<title"))
            #expect(!s.html.contains("class="))
            #expect(!s.html.contains("<span"))
        }
    }

    @Test("Hvidovre item 3: sub-headings stay inside Sagsfremstilling, the earlier decision keeps committee and date")
    func grenhusene() throws {
        let item = try #require(Self.hvidovre.items.first { $0.item.number == "3" })
        #expect(item.sections.map(\.heading) == [
            "Supplerende sagsfremstilling", "Beslutningstema", "Indstilling", "Beslutning i Økonomiudvalget den 16-03-2026",
            "Sagsfremstilling", "Politiske beslutninger og aftaler", "Økonomiske konsekvenser", "Retsgrundlag", "Høring",
            "Klima-, miljø- og bæredygtighedsmæssige konsekvenser",
        ])
        let caseText = item.sections[4]
        for sub in ["Om Grenhusene", "Planforhold og bevaringsværdi", "Grenhusenes facader", "De grønne skovbælter"] {
            #expect(caseText.html.contains("<h4>\(sub)</h4>"))
            #expect(caseText.text.contains(sub))
        }
        let decision = item.sections[3]
        #expect(decision.kind == .decision && decision.committee == "Økonomiudvalget" && decision.date == "2026-03-16")
        #expect(DecisionOutcome.parse(decision.text) == .postponed)
        #expect(item.sections[0].supplementary)
    }

    @Test("Hvidovre item 10: dated supplements and two earlier decisions")
    func flagRegulation() throws {
        let item = try #require(Self.hvidovre.items.first { $0.item.number == "10" })
        let dated = item.sections.filter { $0.revisedOn == "2026-05-18" }
        #expect(dated.map(\.kind) == [.summary, .recommendation, .caseText])
        let decisions = item.sections.filter { $0.kind == .decision }
        #expect(decisions.map(\.committee) == ["Økonomiudvalget", "Kommunalbestyrelsen", "Økonomiudvalget"])
        #expect(item.sections.contains { $0.kind == .staff } && item.sections.contains { $0.kind == .health })
        let steps = CaseHistory.steps(of: item.sections)
        #expect(steps.map(\.date) == ["2026-03-09", "2026-04-20", "2026-04-28"])
        #expect(steps.last?.outcome == .postponed)
    }

    @Test("Hvidovre item 19: an <h3> inside the body and numbered <h4>s do not split sections")
    func climateFund() throws {
        let item = try #require(Self.hvidovre.items.first { $0.item.number == "19" })
        #expect(!item.sections.contains { $0.heading.hasPrefix("Tre scenarier") })
        let caseText = try #require(item.sections.first { $0.kind == .caseText })
        #expect(caseText.html.contains("<h4>Tre scenarier for omdannelsen - løsningsforslag</h4>"))
        let economy = try #require(item.sections.first { $0.kind == .economy })
        #expect(economy.text.contains("1. Fuld overgang fra Miljø- og Energipulje til Klimafond"))
        #expect(economy.html.contains("<table>"))
    }

    @Test("styled headings (bold paragraphs) known to the rules start sections; unknown bold text does not")
    func styledHeadings() {
        let html = """
            <div><p><strong>Resume</strong></p><p>Kort om sagen.</p>
            <p><b>Forvaltningen indstiller,</b></p><p>at forslaget godkendes.</p>
            <p><strong>Vigtigt</strong></p><p>Mere tekst.</p>
            <p><span style="font-weight: bold">Økonomi</span></p><p>Ingen udgifter.</p></div>
            """
        let sections = SectionParser.parse(html: html)
        #expect(sections.map(\.kind) == [.summary, .recommendation, .economy])
        #expect(sections[0].text.contains("Vigtigt") == false)
        #expect(sections[1].text.contains("Vigtigt"))
        #expect(sections[1].text.contains("at forslaget godkendes."))
    }

    @Test("broken nesting, stray closing tags and text before the first heading are kept")
    func brokenNesting() {
        let html = "Indledende tekst<h3>Indstilling<h3><p>Forvaltningen <b>indstiller</p></b></div></span><h3>Ukendt overskrift</h3><p>Noget"
        let sections = SectionParser.parse(html: html)
        #expect(sections.first?.heading == "")
        #expect(sections.first?.text == "Indledende tekst")
        #expect(sections.contains { $0.kind == .recommendation && $0.text.contains("Forvaltningen indstiller") })
        #expect(sections.last?.kind == .unknown)
        #expect(sections.last?.heading == "Ukendt overskrift")
        #expect(sections.last?.text == "Noget")
    }

    @Test("base64 images are dropped, never inlined")
    func images() {
        let blob = String(repeating: "iVBORw0KGgoAAAANSUhEUgAA", count: 20_000)
        let html = "<h3>Sagsfremstilling</h3><span><p>Se figur:</p><p><img src=\"data:image/png;base64,\(blob)\"></p><p>Slut.</p></span>"
        let sections = SectionParser.parse(html: html)
        #expect(sections.count == 1)
        #expect(!sections[0].html.contains("data:"))
        #expect(!sections[0].html.contains("<img"))
        #expect(sections[0].html.contains("[billede udeladt]"))
        #expect(sections[0].html.utf8.count < 200)
    }

    @Test("duplicate items in one response are stored once and reported")
    func duplicates() throws {
        var meeting = try Fixtures.hvidovreMeeting()
        meeting.items.append(meeting.items[4])
        var changed = meeting.items[5]
        changed.title = "Anden titel"
        meeting.items.append(changed)
        let parsed = MeetingParser.parse(meeting)
        #expect(parsed.items.count == 22)
        #expect(parsed.warnings.count == 2)
        #expect(parsed.warnings[1].contains("different content"))
    }
}
