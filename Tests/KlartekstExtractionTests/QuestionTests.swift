import Foundation
import KlartekstCore
import KlartekstExtraction
import KlartekstTestSupport
import Testing

/// The yes/no question a citizen is asked without a model: made from the recommendation's first
/// point that decides something, a whole Danish question or none at all.
@Suite("Questions from recommendations")
struct QuestionTests {
    static func questions() throws -> [String: String?] {
        var out: [String: String?] = [:]
        func add(_ name: String, _ municipality: String, _ items: [IngestedItem]) {
            for item in items where !item.html.isEmpty {
                let rec = SectionParser.parse(html: item.html).filter { $0.kind == .recommendation }.map(\.text).joined(separator: "\n")
                out["\(name) \(item.number)"] = DeterministicSummary.question(recommendation: rec, municipality: municipality, title: item.title)
            }
        }
        add("hvidovre", "Hvidovre Kommune", try Fixtures.hvidovreMeeting().items)
        add("kalundborg", "Kalundborg Kommune", try Fixtures.kalundborgMeeting().items)
        for doc in try StructureEval.loadAll(root: Fixtures.root.appendingPathComponent("evals/corpus")) {
            let name = doc.meeting.municipality + "/" + URL(fileURLWithPath: doc.path).deletingPathExtension().lastPathComponent
            add(name, doc.meeting.municipality.capitalized + " Kommune", doc.meeting.items)
        }
        return out
    }

    @Test("the questions the reading issue found broken are whole questions now", arguments: [
        ("hvidovre 15", "Skal Hvidovre Kommune godkende tilskud på 633.590 kr. (84.818 €) fra EU – EU’s regionale udviklingsfond Interreg Öresund-Kattegat-Skagerak (ÖKS)?"),
        ("hvidovre 16", "Skal Hvidovre Kommune godkende udgiftsbevilling i 2026 til leje og drift af i alt 193 boliger på flere forskellige adresser på 12,123 mio. kr.?"),
        ("hvidovre 17", "Skal Hvidovre Kommune godkende udkast til samarbejdsaftale ml. Hvidovre Kommune og Hvidovre Nærradio for perioden 1. januar 2026 til den 31. december 2029?"),
        ("hvidovre 13", "Skal Hvidovre Kommune godkende bevillingen på 5.958.000 kr. fra Styrelsen for Undervisning og Kvalitet til ’Mere uddannet pædagogisk personale – Opkvalificeringspuljen’?"),
        ("hvidovre 10", "Skal Hvidovre Kommune godkende, at Dannebrog hejses i den ceremonielle 18 meter stang ved markedsdage og byfester?"),
        ("hvidovre 12", "Skal Hvidovre Kommune godkende selskabernes årsrapporter?"),
        ("aarhus/teknisk-udvalg-2025-10-01 2", "Skal Aarhus Kommune godkende forslag til bemærkninger, som det fremgår under afsnit 5.2 og i bilag 3?"),
        ("kalundborg 4", "Skal Kalundborg Kommune godkende hjemløsestrategien?"),
    ])
    func known(item: String, expected: String) throws {
        let q = try Self.questions()
        #expect(q[item] == .some(expected))
    }

    @Test("items whose recommendation only informs get no question")
    func informing() throws {
        let q = try Self.questions()
        for item in ["hvidovre 5", "hvidovre 7", "hvidovre 20", "aarhus/teknisk-udvalg-2025-10-01 6", "aarhus/byraad-2025-10-08 4"] {
            #expect(q[item] == .some(nil), "\(item): \(String(describing: q[item]))")
        }
    }

    @Test("every question made for the fixtures and the corpus is well formed")
    func allWellFormed() throws {
        let q = try Self.questions()
        #expect(q.values.compactMap { $0 }.count >= 19)
        for (item, question) in q {
            guard let question else { continue }
            #expect(DeterministicSummary.isWellFormed(question), "\(item): \(question)")
            #expect(question.hasPrefix("Skal "))
        }
    }

    @Test("fragments are not questions", arguments: [
        "Skal Hvidovre Kommune godkende udkast til samarbejdsaftale ml?",
        "Skal Aarhus Kommune tage 2) Det til efterretning?", "Skal Hvidovre Kommune godkende, at der søges etableret en bike-bane, og herunder?",
        "Skal Hvidovre Kommune godkende at fortsætte med de tre spor vedr?", "Skal Hvidovre Kommune anbefale over for Kommunalbestyrelsen • at tage …?",
        "Skal Hvidovre Kommune godkende ét af de 3 scenarier:  2?", "Skal Hvidovre Kommune godkende bevillingen (på 5 mio. kr?",
    ])
    func fragments(question: String) {
        #expect(!DeterministicSummary.isWellFormed(question))
    }
}
