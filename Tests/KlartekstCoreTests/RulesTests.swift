import Foundation
import KlartekstCore
import Testing

@Suite("Section rules, outcomes, classification")
struct RulesTests {
    @Test("headings from several municipalities classify", arguments: [
        ("Beslutning", SectionKind.decision),
        ("Beslutning i Økonomiudvalget den 16-03-2026", .decision),
        ("Beslutningstema", .summary),
        ("Resume", .summary),
        ("Resumé", .summary),
        ("Resume og sagens baggrund", .summary),
        ("Indstilling", .recommendation),
        ("Indstillinger", .recommendation),
        ("Forvaltningen indstiller", .recommendation),
        ("Forvaltningen indstiller:", .recommendation),
        ("Beslutningspunkter", .recommendation),
        ("Sagsfremstilling", .caseText),
        ("Sagsbeskrivelse", .caseText),
        ("Supplerende sagsfremstilling", .caseText),
        ("Økonomiske konsekvenser", .economy),
        ("Økonomi", .economy),
        ("Retsgrundlag", .legalBasis),
        ("Høring", .hearing),
        ("Klima-, miljø- og bæredygtighedsmæssige konsekvenser", .climate),
        ("Sundhedsmæssige konsekvenser", .health),
        ("Personalemæssige konsekvenser", .staff),
        ("Politiske beslutninger og aftaler", .policy),
        ("Sagens forløb", .caseHistory),
        ("Sagsforløb:", .caseHistory),
        ("Afbud:", .absence),
        ("Behandling", .process),
        ("Om Grenhusene", .unknown),
        ("Tidsplan og det videre arbejde", .unknown),
        ("Baggrund", .caseText),
        ("Ny overskrift uden kendt betydning", .unknown),
        // Headings of the unseen municipalities in the reading issue (Aarhus and others).
        ("Sociale Forhold og Beskæftigelses afdelings påtegning", .caseHistory),
        ("Borgmesterens Afdelings påtegning", .caseHistory),
        ("Præsentation", .caseText),
        ("Klima & bæredygtighed", .climate),
        ("Beslutningspunkt:", .recommendation),
        ("Beslutningspunkter", .recommendation),
        ("Det indstilles, at", .recommendation),
        ("BESLUTNING", .decision),
        ("SAGENS INDHOLD", .caseText),
        ("VURDERING", .caseText),
        ("INDDRAGELSE", .hearing),
        ("Magistratens indstilling", .recommendation),
        ("Videre proces", .process),
        ("Kommunikation", .process),
    ])
    func headings(heading: String, kind: SectionKind) {
        #expect(SectionRules.classify(heading).kind == kind, "\(heading)")
    }

    @Test("decision headings keep committee and date; dated supplements keep their date")
    func details() {
        let d = SectionRules.classify("Beslutning i Klima-, Miljø- og Teknikudvalget den 04-05-2026")
        #expect(d.kind == .decision)
        #expect(d.committee == "Klima-, Miljø- og Teknikudvalget")
        #expect(d.date == "2026-05-04")
        let s = SectionRules.classify("18.05.2026 Supplerende indstilling")
        #expect(s.kind == .recommendation)
        #expect(s.supplementary)
        #expect(s.revisedOn == "2026-05-18")
        let plain = SectionRules.classify("Indstilling")
        #expect(!plain.supplementary && plain.revisedOn == nil && plain.committee == nil)
    }

    @Test("decision prose becomes an outcome; negations win", arguments: [
        ("Anbefales.", DecisionOutcome.recommended),
        ("Et flertal i udvalget kunne tiltræde indstillingen.", DecisionOutcome.approved),
        ("Udvalget blev orienteret.", DecisionOutcome.noted),
        ("Ingen bemærkninger.", DecisionOutcome.noted),
        ("Fremsendes til Aarhus Byråd med bemærkning, at Magistraten i mødet den 2. september 2025 anbefaler, at byrådet tiltræder indstillingen.", DecisionOutcome.recommended),
        ("Fremsendes til Teknisk Udvalg til behandling i henhold til beslutning i byrådets møde den 10. september 2025.", DecisionOutcome.referred),
        ("Udvalget drøftede sagen og besluttede herefter at udsætte sagens behandling.", DecisionOutcome.postponed),
        ("Udvalget drøftede sagen.", DecisionOutcome.discussed),
        ("A, B og C kunne tiltræde indstillingen. D og E kunne ikke tiltræde indstillingen.", DecisionOutcome.approved),
        ("Et flertal kunne ikke tiltræde indstillingen.", DecisionOutcome.rejected),
        ("Beslutning ikke frigivet", DecisionOutcome.notReleased),
        ("Økonomiudvalget anbefaler over for Byrådet, at forslaget godkendes.", DecisionOutcome.recommended),
        ("Ad 1. Anbefales godkendt.", .recommended),
        ("Kan ikke anbefales.", .rejected),
        ("Indstillingen blev ikke godkendt.", .rejected),
        ("Godkendt.", .approved),
        ("Vedtaget som indstillet.", .approved),
        ("Sagen udsættes med henblik på en belysning af alternative scenarier.", .postponed),
        ("Taget til efterretning.", .noted),
        ("Oversendes til Kommunalbestyrelsen.", .referred),
        ("Drøftet.", .discussed),
        ("Punktet blev behandlet.", .unknown),
        ("", .unknown),
    ])
    func outcomes(text: String, outcome: DecisionOutcome) {
        #expect(DecisionOutcome.parse(text) == outcome, "\(text)")
    }

    @Test("Sagens forløb splits into dated entries; Afbud is set apart")
    func caseHistory() {
        let text = """
            17/11/2025 Direktionen
            Anbefales.
            03/12/2025 Børn- og Familieudvalget 2022-2025
            Anbefales.
            09/12/2025 Unge- og Beskæftigelsesudvalget
            Anbefales.

            Afbud: Hans Munk
            """
        let (entries, absences) = CaseHistory.parse(text)
        #expect(entries.map(\.date) == ["2025-11-17", "2025-12-03", "2025-12-09"])
        #expect(entries.map(\.body) == ["Direktionen", "Børn- og Familieudvalget 2022-2025", "Unge- og Beskæftigelsesudvalget"])
        #expect(entries.allSatisfy { $0.text == "Anbefales." && $0.outcome == .recommended })
        #expect(absences == "Afbud: Hans Munk")
    }

    @Test("procedural and closed items are recognised", arguments: [
        ("Godkendelse af dagsorden", true, true, ItemStatus.procedural),
        ("Meddelelser", true, false, .procedural),
        ("Eventuelt", true, true, .procedural),
        ("Lukket: Beslutning - Revideret projekt", false, false, .closed),
        ("Salg af grund", false, false, .closed),
        ("Beslutning om hjemløsestrategi", false, true, .public),
        ("Beslutning - Nyt flagregulativ", true, true, .public),
        ("Orientering - Status", true, false, .procedural),
    ])
    func status(title: String, isOpen: Bool, hasContent: Bool, expected: ItemStatus) {
        #expect(ItemClassifier.status(title: title, isOpen: isOpen, hasContent: hasContent) == expected)
    }

    @Test("item types come from the caption prefix")
    func types() {
        #expect(ItemClassifier.type(title: "Beslutning - Nyt flagregulativ") == .decision)
        #expect(ItemClassifier.type(title: "Orientering - Status på udmøntningsplan") == .orientation)
        #expect(ItemClassifier.type(title: "Drøftelse - Budget 2027-2030") == .discussion)
        #expect(ItemClassifier.type(title: "Lukket: Beslutning - Tillægsaftale") == .decision)
        #expect(ItemClassifier.type(title: "Meddelelser") == .orientation)
    }

    @Test("Danish dates, numbers and slugs")
    func formats() {
        #expect(DanishFormat.date("2026-05-18") == "18. maj 2026")
        #expect(DanishFormat.longDate("2026-05-18") == "mandag den 18. maj 2026")
        #expect(DanishFormat.longDate("2025-12-09") == "tirsdag den 9. december 2025")
        #expect(DanishFormat.time("2026-05-18T17:00:00+02:00") == "17.00")
        #expect(DanishFormat.date("not a date") == nil)
        #expect(DanishFormat.integer(483_552_000) == "483.552.000")
        #expect(Slug.make("Økonomiudvalget") == "oekonomiudvalget")
        #expect(Slug.make("Klima-, Miljø- og Teknikudvalget") == "klima-miljoe-og-teknikudvalget")
        #expect(Slug.make("26/1172") == "26-1172")
        #expect(Slug.make("Børne- og Uddannelsesudvalget") == "boerne-og-uddannelsesudvalget")
    }
}

@Suite("Site rules")
struct SiteRulesTests {
    static let candidates = [
        ("aarhus", "Aarhus Kommune"), ("kalundborg", "Kalundborg Kommune"), ("koebenhavn", "Københavns Kommune"), ("hoeje-taastrup", "Høje-Taastrup Kommune"),
        ("taarnby", "Tårnby Kommune"), ("frederiksberg", "Frederiksberg Kommune"), ("frederikshavn", "Frederikshavn Kommune"), ("bornholm", "Bornholms Regionskommune"),
    ].map { MunicipalitySearch.Candidate(slug: $0.0, name: $0.1) }

    @Test("a typed municipality is found whatever the case, 'Kommune' or ae/oe/aa")
    func findMunicipality() {
        func first(_ q: String) -> String? { MunicipalitySearch.matches(q, in: Self.candidates).first?.slug }
        #expect(first("århus") == "aarhus")
        #expect(first("AARHUS KOMMUNE") == "aarhus")
        #expect(first("kobenhavn") == nil)  // "o" is not "ø": no guessing beyond the Danish spellings
        #expect(first("koebenhavn") == "koebenhavn")
        #expect(first("København") == "koebenhavn")
        #expect(first("taastrup") == "hoeje-taastrup")  // a later word of the name
        #expect(first("tårnby") == "taarnby")
        #expect(first("bornholm") == "bornholm")
        #expect(MunicipalitySearch.matches("frederiks", in: Self.candidates).map(\.slug) == ["frederiksberg", "frederikshavn"])
        #expect(MunicipalitySearch.unique("frederiks", in: Self.candidates) == nil)
        #expect(MunicipalitySearch.unique("Frederiksberg", in: Self.candidates)?.slug == "frederiksberg")
        #expect(MunicipalitySearch.matches("   ", in: Self.candidates).isEmpty)
        #expect(MunicipalitySearch.matches("xyz", in: Self.candidates).isEmpty)
    }

    @Test("the day in Denmark, also around midnight UTC")
    func today() {
        // 2026-05-17 23:30 UTC is already 18 May in Copenhagen (UTC+2 in summer).
        #expect(DanishFormat.isoDay(Date(timeIntervalSince1970: 1_779_060_600)) == "2026-05-18")
        #expect(DanishFormat.isoDay(Date(timeIntervalSince1970: 1_779_053_400)) == "2026-05-17")
    }

    @Test("the spoken summary is plain sentences in reading order, without citation marks")
    func spoken() {
        let s = CitizenSummary(
            question: "Skal Kalundborg Kommune godkende hjemløsestrategien?",
            summary: [Claim(text: "Strategien skal hjælpe hjemløse", quote: "q1"), Claim(text: "Den koster 2,5 mio. kr.", quote: "q2")],
            pros: [Claim(text: "Færre sover på gaden", quote: "q3")], cons: [], keywords: [])
        #expect(SpokenSummary.text(s) == "Skal Kalundborg Kommune godkende hjemløsestrategien? Kort fortalt. Strategien skal hjælpe hjemløse. Den koster 2,5 mio. kr. "
            + "Et argument for. Færre sover på gaden. Teksten er lavet automatisk og kan indeholde fejl. Læs sagens egen tekst på siden.")
    }
}
