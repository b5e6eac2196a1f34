import ArgumentParser
import Foundation
import KlartekstCore
import KlartekstExtraction

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks (run on a release build).",
        subcommands: [BenchSections.self, BenchExtract.self])
}

struct BenchSections: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sections", abstract: "Parse an agenda's items into sections repeatedly on one core; prints items/s.")
    @Option(help: "An agenda response.") var file: String = "sample/firstagenda/hvidovre/agenda-oekonomiudvalget-2026-05-18.json"
    @Option(help: "Seconds to run.") var seconds: Double = 5

    func run() async throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: file))
        guard case .agenda(let agenda) = try FirstAgendaMapper.decode(data) else { throw ValidationError("\(file) is not an agenda") }
        let meeting = FirstAgendaMapper.meeting(from: .agenda(agenda), context: .init(municipality: "bench"))
        let htmlBytes = meeting.items.reduce(0) { $0 + $1.html.utf8.count }
        // Warm up (also fills the heading cache as a long-running process would).
        _ = MeetingParser.parse(meeting)
        let clock = ContinuousClock()
        let start = clock.now
        var items = 0
        var sections = 0
        while clock.now - start < .seconds(seconds) {
            let parsed = MeetingParser.parse(meeting)
            items += parsed.items.count
            sections += parsed.items.reduce(0) { $0 + $1.sections.count }
        }
        let elapsed = clock.now - start
        let s = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = Double(items) / s
        print(String(format: "klartekst sections: %d items in %.2f s → %.0f items/s, %.0f sections/s, %.1f MB/s of item HTML (%d items, %d KB HTML per pass)",
            items, s, rate, Double(sections) / s, Double(items / meeting.items.count * htmlBytes) / s / 1e6,
            meeting.items.count, htmlBytes / 1024))

        // Baseline: libxml2 parsing the same HTML and nothing else.
        let baseStart = clock.now
        var baseItems = 0
        var sink = 0
        while clock.now - baseStart < .seconds(seconds) {
            for item in meeting.items { sink &+= HTMLEngine.parseOnly(item.html) }
            baseItems += meeting.items.count
        }
        let be = clock.now - baseStart
        let bs = Double(be.components.seconds) + Double(be.components.attoseconds) / 1e18
        let baseRate = Double(baseItems) / bs
        print(String(format: "baseline libxml2 htmlReadMemory only: %.0f items/s (checksum %d)", baseRate, sink % 10))
        print(String(format: "ratio: klartekst takes %.2f× the time of a bare libxml2 parse", baseRate / rate))
    }
}

struct BenchExtract: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract",
        abstract: "PDF text and OCR speed against bare pdftotext and bare tesseract on the same inputs, in one run.")
    @Option(help: "A text PDF.") var text: String = "Tests/Fixtures/documents/kolding-initiativkatalog.pdf"
    @Option(help: "A scanned PDF.") var scan: String = "Tests/Fixtures/documents/kolding-initiativkatalog-scan-p4-6.pdf"
    @Option(help: "Repetitions of the text benchmark.") var repeats: Int = 20

    static func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

    func run() async throws {
        let clock = ContinuousClock()
        let scorer = DanishTextScorer(words: PDFExtractor.loadWords())
        let extractor = PDFExtractor(scorer: scorer)
        let textURL = URL(fileURLWithPath: text)
        _ = try await extractor.extract(file: textURL)  // warm caches, tool versions
        var t0 = clock.now
        var pages = 0
        for _ in 0..<repeats { pages += try await extractor.extract(file: textURL).pages.count }
        let ours = Self.seconds(clock.now - t0)
        let pdftotext = ExternalTool("pdftotext")
        t0 = clock.now
        for _ in 0..<repeats { _ = try await pdftotext.run(["-enc", "UTF-8", text, "-"]) }
        let bare = Self.seconds(clock.now - t0)
        print(String(format: "text layer: klartekst %.1f ms per %d-page PDF (%.0f pages/s) vs bare pdftotext %.1f ms → ratio %.2f×",
            ours * 1000 / Double(repeats), pages / repeats, Double(pages) / ours, bare * 1000 / Double(repeats), ours / bare))

        // OCR, one page at a time on one core: ours (render + tesseract) vs bare tesseract on the same images.
        let scanURL = URL(fileURLWithPath: scan)
        let sequential = PDFExtractor(options: .init(ocrParallel: 1), scorer: scorer)
        let scanPages = [1, 2, 3]
        t0 = clock.now
        _ = try await sequential.ocr(scanURL, pages: scanPages)
        let oursOCR = Self.seconds(clock.now - t0) / Double(scanPages.count)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("klartekst-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for n in scanPages {
            _ = try await ExternalTool("pdftoppm").run(["-r", "300", "-gray", "-f", "\(n)", "-l", "\(n)", "-singlefile", scan, dir.appendingPathComponent("p\(n)").path])
        }
        let tesseract = ExternalTool("tesseract", environment: ["OMP_THREAD_LIMIT": "1"])
        t0 = clock.now
        for n in scanPages { _ = try await tesseract.run([dir.appendingPathComponent("p\(n).pgm").path, "stdout", "-l", "dan", "--psm", "3"]) }
        let bareOCR = Self.seconds(clock.now - t0) / Double(scanPages.count)
        print(String(format: "OCR: klartekst %.2f s/page (render + tesseract -l dan) vs bare tesseract -l dan %.2f s/page on the same images → ratio %.2f×",
            oursOCR, bareOCR, oursOCR / bareOCR))

        // Both cores: six pages (the scan twice) with one OCR process per core.
        let parallel = PDFExtractor(options: .init(ocrParallel: ProcessInfo.processInfo.activeProcessorCount), scorer: scorer)
        t0 = clock.now
        async let a = parallel.ocr(scanURL, pages: scanPages)
        async let b = parallel.ocr(scanURL, pages: scanPages)
        let done = try await a.count + b.count
        let both = Self.seconds(clock.now - t0)
        print(String(format: "OCR with %d cores busy: %d pages in %.1f s → %.2f pages/s (%.2f s/page)",
            ProcessInfo.processInfo.activeProcessorCount, done, both, Double(done) / both, both / Double(done)))
    }
}
