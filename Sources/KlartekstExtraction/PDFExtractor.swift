import Foundation
import KlartekstCore

/// PDF → per-page Danish text: the text layer first (pdftotext, one process for the whole file),
/// Danish OCR (pdftoppm 300 dpi + tesseract -l dan, one thread per process, pages in parallel up
/// to the core count) for pages with no text or a broken text layer, keeping the better text.
///
/// ```swift
/// let text = try await PDFExtractor(scorer: scorer).extract(file: url)
/// ```
public struct PDFExtractor: Sendable {
    /// Bump when a change alters extracted text; stored results of older versions are redone.
    public static let version = 1

    public struct Tools: Sendable {
        public var pdftotext: ExternalTool
        public var pdftoppm: ExternalTool
        public var tesseract: ExternalTool

        public init(
            pdftotext: ExternalTool = ExternalTool("pdftotext", limits: .init(seconds: 120)),
            pdftoppm: ExternalTool = ExternalTool("pdftoppm", limits: .init(seconds: 120, memoryBytes: 3 << 30)),
            tesseract: ExternalTool = ExternalTool("tesseract", limits: .init(seconds: 180, memoryBytes: 3 << 30), environment: ["OMP_THREAD_LIMIT": "1"])
        ) {
            self.pdftotext = pdftotext
            self.pdftoppm = pdftoppm
            self.tesseract = tesseract
        }
    }

    public struct Options: Sendable {
        public var maxPages: Int
        public var dpi: Int
        public var ocrParallel: Int
        /// Pages with fewer letters than this are treated as scans.
        public var minLetters: Int
        public var language: String
        public var ocr: Bool

        public init(
            maxPages: Int = 1000, dpi: Int = 300, ocrParallel: Int = ProcessInfo.processInfo.activeProcessorCount, minLetters: Int = 40,
            language: String = "dan", ocr: Bool = true
        ) {
            self.maxPages = maxPages
            self.dpi = dpi
            self.ocrParallel = max(1, ocrParallel)
            self.minLetters = minLetters
            self.language = language
            self.ocr = ocr
        }
    }

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
        public init(_ d: String) { description = d }
    }

    public let tools: Tools
    public let options: Options
    public let scorer: DanishTextScorer

    public init(tools: Tools = Tools(), options: Options = Options(), scorer: DanishTextScorer) {
        self.tools = tools
        self.options = options
        self.scorer = scorer
    }

    /// Loads a word list (one word per line), e.g. Debian's `/usr/share/dict/danish`.
    public static func loadWords(_ path: String = "/usr/share/dict/danish") -> Set<String> {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return Set(text.split(separator: "\n").map { $0.lowercased() }.filter { !$0.contains("'") })
    }

    public func extract(file: URL) async throws -> DocumentText {
        let clock = ContinuousClock()
        let started = clock.now
        let data: Data
        do {
            data = try Data(contentsOf: file, options: .mappedIfSafe)
        } catch {
            throw Failure("cannot read \(file.lastPathComponent): \(error.localizedDescription)")
        }
        guard !data.isEmpty else { throw Failure("the file is empty") }
        guard data.prefix(1024).range(of: Data("%PDF-".utf8)) != nil else {
            let start = String(decoding: data.prefix(16), as: UTF8.self).map { $0.isNewline ? " " : String($0) }.joined()
            throw Failure("not a PDF (it starts with \"\(start)\")")
        }
        let sha = ContentHash.sha256(data)
        // One pdftotext run gives every page (it ends each page with a form feed); reading one
        // page past the limit tells whether the document is too long without reading all of it.
        var layer: [String]
        do {
            let out = try await tools.pdftotext.run(["-enc", "UTF-8", "-l", String(options.maxPages + 1), file.path, "-"])
            layer = String(decoding: out, as: UTF8.self).components(separatedBy: "\u{0C}")
        } catch let f as ExternalTool.Failure {
            let detail = f.stderr.split(separator: "\n").first.map(String.init) ?? "\(f)"
            if f.stderr.lowercased().contains("password") || f.stderr.lowercased().contains("encrypted") {
                throw Failure("encrypted PDF (it needs a password)")
            }
            if f.reason == .timedOut || f.reason == .outputTooLarge { throw Failure("\(f)") }
            throw Failure("damaged PDF: \(detail)")
        }
        if layer.last?.isEmpty == true { layer.removeLast() }
        let pageCount = layer.count
        guard pageCount > 0 else { throw Failure("the PDF has no pages") }
        guard pageCount <= options.maxPages else { throw Failure("more than \(options.maxPages) pages (the limit)") }
        var raw = (0..<pageCount).map { $0 < layer.count ? TextNormaliser.normalise(layer[$0]) : "" }
        let margins = TextNormaliser.repeatedMargins(raw)
        var removed: [[String]] = Array(repeating: [], count: pageCount)
        for i in raw.indices {
            let (body, m) = TextNormaliser.stripMargins(raw[i], margins: margins)
            raw[i] = body
            removed[i] = m
        }
        var pages: [DocumentText.Page] = []
        var needOCR: [Int] = []
        for (i, text) in raw.enumerated() {
            let cleaned = TextNormaliser.dehyphenate(text, words: scorer.words)
            let score = scorer.score(cleaned)
            let broken = scorer.isBroken(score)
            pages.append(DocumentText.Page(
                number: i + 1, text: cleaned, method: .textLayer, quality: score.value, layerQuality: score.value, ocrQuality: nil,
                layerBroken: broken, margins: removed[i]))
            if options.ocr && (score.letters < options.minLetters || broken) { needOCR.append(i) }
        }
        if !needOCR.isEmpty {
            let results = try await ocr(file, pages: needOCR.map { $0 + 1 })
            for (number, text) in results {
                let i = number - 1
                let cleaned = TextNormaliser.dehyphenate(TextNormaliser.mendParagraphs(TextNormaliser.normalise(text)), words: scorer.words)
                let score = scorer.score(cleaned)
                pages[i].ocrQuality = score.value
                let layerLetters = scorer.score(pages[i].text).letters
                if layerLetters < options.minLetters || score.value >= (pages[i].layerQuality ?? 0) {
                    pages[i].text = cleaned
                    pages[i].method = .ocr
                    pages[i].quality = score.value
                }
            }
        }
        let elapsed = clock.now - started
        return DocumentText(
            sha256: sha, extractorVersion: Self.version, tools: await toolVersions(ocrUsed: !needOCR.isEmpty), language: options.language,
            pages: pages, seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    /// OCR of the given pages (1-based), in parallel up to `ocrParallel` processes.
    public func ocr(_ file: URL, pages: [Int]) async throws -> [(Int, String)] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("klartekst-ocr-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let tools = self.tools
        let dpi = options.dpi
        let language = options.language
        return try await withThrowingTaskGroup(of: (Int, String).self) { group in
            var iterator = pages.makeIterator()
            func next() -> Bool {
                guard let n = iterator.next() else { return false }
                group.addTask {
                    let base = dir.appendingPathComponent("p\(n)")
                    do {
                        // Uncompressed greyscale (PGM): no PNG encoding/decoding between the two tools.
                        _ = try await tools.pdftoppm.run(["-r", String(dpi), "-gray", "-f", String(n), "-l", String(n), "-singlefile", file.path, base.path])
                        let out = try await tools.tesseract.run([base.path + ".pgm", "stdout", "-l", language, "--psm", "3"])
                        try? FileManager.default.removeItem(atPath: base.path + ".pgm")
                        return (n, String(decoding: out, as: UTF8.self))
                    } catch let f as ExternalTool.Failure {
                        throw Failure("OCR of page \(n) failed: \(f)")
                    }
                }
                return true
            }
            for _ in 0..<options.ocrParallel where next() {}
            var results: [(Int, String)] = []
            while let r = try await group.next() {
                results.append(r)
                _ = next()
            }
            return results.sorted { $0.0 < $1.0 }
        }
    }

    func toolVersions(ocrUsed: Bool) async -> [String] {
        var out: [String] = []
        if let v = await ToolVersions.shared.version(tools.pdftotext, "-v") { out.append(v) }
        if ocrUsed {
            if let v = await ToolVersions.shared.version(tools.pdftoppm, "-v") { out.append(v) }
            if let v = await ToolVersions.shared.version(tools.tesseract, "--version") { out.append(v + " -l \(options.language)") }
        }
        return out
    }
}

/// Tool versions, asked once per process and executable.
actor ToolVersions {
    static let shared = ToolVersions()
    var known: [String: String?] = [:]

    func version(_ tool: ExternalTool, _ flag: String) async -> String? {
        if let v = known[tool.executable] { return v }
        let v = await tool.version(flag)
        known[tool.executable] = v
        return v
    }
}
