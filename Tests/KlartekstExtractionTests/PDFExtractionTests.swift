import Foundation
import KlartekstCore
import KlartekstExtraction
import KlartekstTestSupport
import Testing

/// Real poppler and tesseract on the Danish test documents (shared/fixtures/documents, copied
/// to Tests/Fixtures/documents).
@Suite("PDF text, Danish OCR and broken text layers", .serialized)
struct PDFExtractionTests {
    static let words = PDFExtractor.loadWords()
    static let extractor = PDFExtractor(scorer: DanishTextScorer(words: words))
    static func doc(_ name: String) -> URL { Fixtures.testFixture("documents/\(name)") }
    static func expected(_ name: String) throws -> String { try String(contentsOf: doc(name), encoding: .utf8) }

    /// Every expected word with æ, ø or å must come out exactly.
    static func danishLetterErrors(expected: String, actual: String) -> [String] {
        let have = Set(CharacterErrorRate.fold(actual).split(separator: " ").map { $0.trimmingCharacters(in: .punctuationCharacters) })
        return CharacterErrorRate.fold(expected).split(separator: " ").map { $0.trimmingCharacters(in: .punctuationCharacters) }
            .filter { $0.contains(where: { "æøåÆØÅ".contains($0) }) && !have.contains($0) }
    }

    @Test("the Danish word list is installed")
    func wordList() {
        let count = Self.words.count
        let known = Self.words.contains("kommune") && Self.words.contains("hjemløs")
        #expect(count > 100_000)
        #expect(known)
    }

    @Test("the 33-page text PDF: every page from its text layer, pages 4–6 equal to the scan's true text")
    func cleanPDF() async throws {
        let text = try await Self.extractor.extract(file: Self.doc("kolding-initiativkatalog.pdf"))
        #expect(text.pages.count == 33)
        #expect(text.ocrPages == 0)
        #expect(text.pages.allSatisfy { $0.method == .textLayer && !$0.layerBroken })
        #expect(text.tools.first?.hasPrefix("pdftotext version") == true)
        let pages46 = text.pages[3...5].map(\.text).joined(separator: "\n")
        let cer = CharacterErrorRate.compute(reference: try Self.expected("kolding-initiativkatalog-scan-p4-6.expected.txt"), hypothesis: pages46)
        #expect(cer <= 0.01, "CER \(cer)")
        #expect(Self.danishLetterErrors(expected: try Self.expected("kolding-initiativkatalog-scan-p4-6.expected.txt"), actual: pages46).isEmpty)
        // Line-break hyphenation is joined, real hyphens are kept.
        #expect(text.text.contains("udgangspunkt"))
        #expect(!text.text.contains("udgangs-\n"))
        #expect(text.text.contains("Social- og Boligstyrelsen") || !text.text.contains("Social-\nog"))
    }

    @Test("the scanned pages 4–6 are OCR'd in Danish: CER ≤ 1 %, no æ/ø/å errors")
    func scan() async throws {
        let text = try await Self.extractor.extract(file: Self.doc("kolding-initiativkatalog-scan-p4-6.pdf"))
        #expect(text.pages.count == 3 && text.ocrPages == 3)
        #expect(text.tools.contains { $0.hasPrefix("tesseract") && $0.hasSuffix("-l dan") })
        let expected = try Self.expected("kolding-initiativkatalog-scan-p4-6.expected.txt")
        let cer = CharacterErrorRate.compute(reference: expected, hypothesis: text.text)
        #expect(cer <= 0.01, "CER \(cer)")
        #expect(Self.danishLetterErrors(expected: expected, actual: text.text) == [])
    }

    @Test("the badly scanned page 7 (skew, blur, noise, JPEG): CER ≤ 2 %")
    func degraded() async throws {
        let text = try await Self.extractor.extract(file: Self.doc("kolding-initiativkatalog-scan-degraded-p7.pdf"))
        let cer = CharacterErrorRate.compute(reference: try Self.expected("kolding-initiativkatalog-scan-degraded-p7.expected.txt"), hypothesis: text.text)
        #expect(cer <= 0.02, "CER \(cer)")
    }

    @Test("a text layer made by English OCR of Danish is detected as broken and re-OCR'd to CER ≤ 1 %")
    func brokenLayer() async throws {
        let dir = try Fixtures.temporaryDirectory("klartekst-eng")
        defer { try? FileManager.default.removeItem(at: dir) }
        // Make the broken PDF the way many municipalities' scanners do: English OCR, text under the image.
        let image = dir.appendingPathComponent("p4")
        _ = try await ExternalTool("pdftoppm").run(["-r", "300", "-gray", "-png", "-f", "1", "-l", "1", "-singlefile", Self.doc("kolding-initiativkatalog-scan-p4-6.pdf").path, image.path])
        let out = dir.appendingPathComponent("eng")
        _ = try await ExternalTool("tesseract", environment: ["OMP_THREAD_LIMIT": "1"]).run([image.path + ".png", out.path, "-l", "eng", "pdf"])
        let brokenPDF = dir.appendingPathComponent("eng.pdf")
        // Its text layer really is the broken kind.
        let layerOnly = try await PDFExtractor(options: .init(ocr: false), scorer: DanishTextScorer(words: Self.words)).extract(file: brokenPDF)
        #expect(layerOnly.pages[0].layerBroken)
        #expect(!layerOnly.text.contains("hjemløshed"))
        let score = DanishTextScorer(words: Self.words).score(layerOnly.text)
        #expect(score.danishLetterRate < 0.3 && score.confusionRate >= 1, "\(score)")

        let repaired = try await Self.extractor.extract(file: brokenPDF)
        let page = repaired.pages[0]
        #expect(page.layerBroken && page.method == .ocr)
        #expect((page.ocrQuality ?? 0) > (page.layerQuality ?? 1))
        let expectedPage4 = try Self.expected("kolding-initiativkatalog-scan-p4-6.expected.txt")
        let scanPage1 = try await Self.extractor.extract(file: Self.doc("kolding-initiativkatalog-scan-p4-6.pdf")).pages[0].text
        // The repaired page reads like the Danish OCR of the same scan page.
        let cer = CharacterErrorRate.compute(reference: scanPage1, hypothesis: page.text)
        #expect(cer <= 0.01, "CER \(cer)")
        #expect(page.text.contains("hjemløshed"))
        #expect(CharacterErrorRate.compute(reference: String(expectedPage4.prefix(1500)), hypothesis: String(page.text.prefix(1500))) < 0.05)
    }

    @Test("a hanging tool is killed at its timeout and fails only that document")
    func hangingTool() async throws {
        let dir = try Fixtures.temporaryDirectory("klartekst-hang")
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = dir.appendingPathComponent("pdftotext")
        try Data("#!/bin/sh\nsleep 60\n".utf8).write(to: script)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        var tools = PDFExtractor.Tools()
        tools.pdftotext = ExternalTool(script.path, limits: .init(seconds: 2))
        let extractor = PDFExtractor(tools: tools, scorer: DanishTextScorer(words: Self.words))
        let clock = ContinuousClock()
        let start = clock.now
        do {
            _ = try await extractor.extract(file: Self.doc("kolding-initiativkatalog.pdf"))
            Issue.record("a hanging pdftotext was not stopped")
        } catch {
            #expect("\(error)".contains("timed out"), "\(error)")
        }
        #expect(clock.now - start < .seconds(15))
    }

    @Test("a non-PDF, an empty file, a truncated PDF and a missing file get clear errors", arguments: [
        ("notes.txt", "not a PDF"), ("empty.pdf", "the file is empty"), ("truncated.pdf", "damaged PDF"), ("missing.pdf", "cannot read"),
    ])
    func badFiles(name: String, message: String) async throws {
        let dir = try Fixtures.temporaryDirectory("klartekst-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let clean = try Data(contentsOf: Self.doc("kolding-initiativkatalog.pdf"))
        let files: [String: Data] = ["notes.txt": Data("Referat fra mødet".utf8), "empty.pdf": Data(), "truncated.pdf": clean.prefix(20_000)]
        for (n, d) in files { try d.write(to: dir.appendingPathComponent(n)) }
        do {
            _ = try await Self.extractor.extract(file: dir.appendingPathComponent(name))
            Issue.record("\(name) was accepted")
        } catch {
            #expect("\(error)".contains(message), "\(error)")
        }
    }
}

@Suite("Text normalisation and Danish scoring")
struct TextNormalisationTests {
    @Test("ligatures, soft hyphens, NFC")
    func normalise() {
        let decomposed = "hjemlo\u{0308}shed"  // not Danish, but NFC composes it
        #expect(TextNormaliser.normalise("ﬁnansiering af ﬂere\u{00AD}boliger \(decomposed)") == "finansiering af flereboliger hjemlöshed")
    }

    @Test("line-break hyphenation: joined for continued words, kept before og/eller")
    func dehyphenate() {
        let text = "I Kolding arbejder vi med udgangs-\npunkt i tilgangen, Social-\nog Boligstyrelsen og menne-\nsker."
        let out = TextNormaliser.dehyphenate(text, words: nil)
        #expect(out.contains("udgangspunkt"))
        #expect(out.contains("Social-\nog"))
        #expect(out.contains("mennesker."))
        // OCR's blank lines inside a paragraph are mended first.
        let ocr = TextNormaliser.mendParagraphs("Borgere er ofte systemtræt-\n\nte, og det er vigtigt.\n\nNy sætning.")
        #expect(TextNormaliser.dehyphenate(ocr, words: nil) == "Borgere er ofte systemtrætte,\nog det er vigtigt.\n\nNy sætning.")
    }

    @Test("running headers and footers are found on most pages and stripped")
    func margins() {
        let topics = ["bolig", "sundhed", "beskæftigelse", "netværk", "forebyggelse"]
        let pages = (1...5).map { "Kolding Kommune · Initiativkatalog\nTekst om \(topics[$0 - 1]).\nSide \($0) af 5" }
        let m = TextNormaliser.repeatedMargins(pages)
        #expect(m.contains("Kolding Kommune · Initiativkatalog"))
        #expect(m.contains("Side # af #"))
        let (body, removed) = TextNormaliser.stripMargins(pages[2], margins: m)
        #expect(body == "Tekst om beskæftigelse.")
        #expect(removed.count == 2)
    }

    @Test("text without a PDF is scored and flagged the same way")
    func scoring() throws {
        let scorer = DanishTextScorer(words: PDFExtractionTests.words)
        let good = try PDFExtractionTests.expected("kolding-initiativkatalog-scan-p4-6.expected.txt")
        let broken = good.replacingOccurrences(of: "ø", with: "g").replacingOccurrences(of: "å", with: "a").replacingOccurrences(of: "æ", with: "ze")
        let g = scorer.score(good)
        let b = scorer.score(broken)
        #expect(!scorer.isBroken(g) && scorer.isBroken(b))
        #expect(g.value > b.value + 0.1)
        #expect(g.danishLetterRate > 1.0)
    }

    @Test("character error rate")
    func cer() {
        #expect(CharacterErrorRate.compute(reference: "hjemløshed", hypothesis: "hjemløshed") == 0)
        #expect(CharacterErrorRate.compute(reference: "hjemløshed", hypothesis: "hjemlgshed") == 0.1)
        #expect(CharacterErrorRate.compute(reference: "udgangs-\npunkt  i", hypothesis: "udgangspunkt i") == 0)
    }
}
