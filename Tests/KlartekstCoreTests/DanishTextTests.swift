import Foundation
import KlartekstCore
import Testing

@Suite("The Danish text layer: sentences, list markers, words, clauses")
struct DanishTextTests {
    /// Real sentences from published agenda items (Hvidovre, Kalundborg, Aarhus, and the cases of
    /// the reading issue), each with how a reader splits it.
    static let cases: [(String, [String])] = [
        (
            "Det koster 12,123 mio. kr., og beboerne betaler selv 7,743 mio. kr. Byrådet skal beslutte sagen.",
            ["Det koster 12,123 mio. kr., og beboerne betaler selv 7,743 mio. kr.", "Byrådet skal beslutte sagen."]
        ),
        (
            "Forvaltningen indstiller, at Økonomiudvalget godkender et tilskud på 633.590 kr. til foreningen.",
            ["Forvaltningen indstiller, at Økonomiudvalget godkender et tilskud på 633.590 kr. til foreningen."]
        ),
        (
            "Aftalen indgås ml. Hvidovre Kommune og Hvidovre Nærradio. Den gælder fra 1. januar 2027.",
            ["Aftalen indgås ml. Hvidovre Kommune og Hvidovre Nærradio.", "Den gælder fra 1. januar 2027."]
        ),
        (
            "Henvendelse vedr. Grenhusene er modtaget den 19.03.2026. Sagen behandles jf. § 17, stk. 4. Udvalget orienteres.",
            ["Henvendelse vedr. Grenhusene er modtaget den 19.03.2026.", "Sagen behandles jf. § 17, stk. 4.", "Udvalget orienteres."]
        ),
        (
            "Der er bl.a. afsat midler til f.eks. Housing First, jf. strategien. Ca. 40 borgere er hjemløse.",
            ["Der er bl.a. afsat midler til f.eks. Housing First, jf. strategien.", "Ca. 40 borgere er hjemløse."]
        ),
        (
            "Det indstilles, at 1) Byrådet drøfter forslaget. 2) Det tages til efterretning.",
            ["Det indstilles, at 1) Byrådet drøfter forslaget.", "2) Det tages til efterretning."]
        ),
        ("1. Byrådet godkender planen. 2. Planen offentliggøres.", ["1. Byrådet godkender planen.", "2. Planen offentliggøres."]),
        ("Mødet holdes kl. 16.00 på rådhuset, evt. i byrådssalen.", ["Mødet holdes kl. 16.00 på rådhuset, evt. i byrådssalen."]),
        ("Prisen er 5 mio. kr. Det er inkl. moms.", ["Prisen er 5 mio. kr.", "Det er inkl. moms."]),
        ("Udvalget bestod af A. Jensen og B. Hansen m.fl. De mødtes i 2025. Hvad nu?", ["Udvalget bestod af A. Jensen og B. Hansen m.fl.", "De mødtes i 2025.", "Hvad nu?"]),
        ("«Vi er glade.» Sagde formanden.", ["«Vi er glade.»", "Sagde formanden."]),
        ("Se www.hvidovre.dk. Der er mere.", ["Se www.hvidovre.dk.", "Der er mere."]),
        ("Sagsfremstilling\nKommunen har modtaget en ansøgning", ["Sagsfremstilling", "Kommunen har modtaget en ansøgning"]),
        ("Beløbet udgør 1.234,5 t.kr. i 2026 og 2,1 mia. kr. samlet. Dvs. en stigning.", ["Beløbet udgør 1.234,5 t.kr. i 2026 og 2,1 mia. kr. samlet.", "Dvs. en stigning."]),
    ]

    @Test("sentences of real agenda text split as a reader splits them", arguments: cases.indices)
    func sentences(_ i: Int) {
        let (text, expected) = Self.cases[i]
        #expect(DanishText.sentences(text) == expected)
    }

    @Test("flowing PDF lines are joined into sentences; headings and list items stay apart")
    func flowing() {
        let pdf = """
            Strategi for håndtering af hjemløshed
            Kommunen vil forebygge hjemløshed gennem en tidlig ind-
            sats og et tæt samarbejde med bl.a.
            boligselskaberne. Det koster ca. 2,5 mio.
            kr. om året.
            • Housing First
            • Bostøtte
            """
        #expect(DanishText.sentences(pdf, layout: .flowing) == [
            "Strategi for håndtering af hjemløshed",
            "Kommunen vil forebygge hjemløshed gennem en tidlig indsats og et tæt samarbejde med bl.a. boligselskaberne.",
            "Det koster ca. 2,5 mio. kr. om året.",
            "• Housing First", "• Bostøtte",
        ])
        // In line layout, every line stands alone.
        #expect(DanishText.sentences("A\nB").count == 2)
    }

    @Test("list markers are recognised at a line's start, and only there")
    func listMarkers() {
        #expect(DanishText.listMarkerLength("1) Byrådet") == 3)
        #expect(DanishText.listMarkerLength("12. Planen") == 4)
        #expect(DanishText.listMarkerLength("a) at") == 3)
        #expect(DanishText.listMarkerLength("• Housing") == 2)
        #expect(DanishText.listMarkerLength("2026 blev") == nil)
        #expect(DanishText.listMarkerLength("Byrådet") == nil)
        #expect(DanishText.listMarkerLength("123. x") == nil)
    }

    @Test("clauses of an enumerated recommendation")
    func clauses() {
        #expect(DanishText.clauses("at 1) Byrådet drøfter sagen, og 2) forslaget sendes i høring") == ["at", "Byrådet drøfter sagen, og", "forslaget sendes i høring"])
        #expect(DanishText.clauses("at planen godkendes") == ["at planen godkendes"])
    }

    @Test("words keep numbers whole and hyphenated words joined")
    func words() {
        #expect(DanishText.words("Tilskud på 633.590 kr., 12,5 % og Social- og Boligstyrelsen.").map(String.init)
            == ["Tilskud", "på", "633.590", "kr", "12,5", "og", "Social", "og", "Boligstyrelsen"])
        #expect(DanishText.words("klima-, miljø- og 2026-03-19").map(String.init) == ["klima", "miljø", "og", "2026-03-19"])
    }

    @Test("a whole sentence is told from a fragment")
    func wholeSentence() {
        #expect(DanishText.isWholeSentence("Skal Hvidovre Kommune godkende tilskuddet på 633.590 kr.?"))
        #expect(DanishText.isWholeSentence("Skal Aarhus Kommune godkende budgettet?"))
        #expect(!DanishText.isWholeSentence("Skal Hvidovre Kommune indgå en samarbejdsaftale ml?"))
        #expect(!DanishText.isWholeSentence("Skal Aarhus Kommune godkende 1)?"))
        #expect(!DanishText.isWholeSentence("kr"))
        #expect(!DanishText.isWholeSentence("Det koster 5 mio. kr. Det er dyrt."))
        #expect(!DanishText.isWholeSentence("uden stort begyndelsesbogstav."))
    }
}
