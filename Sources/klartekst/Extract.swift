import ArgumentParser
import Foundation
import KlartekstApp
import KlartekstCore
import KlartekstExtraction

struct Extract: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Extract per-page text from stored attachment PDFs (text layer, Danish OCR, broken-layer repair).")
    @OptionGroup var common: CommonOptions
    @Option(help: "Print the text of one PDF file and exit (stores nothing).") var file: String?
    @Option(name: .customLong("municipality"), help: "Only this municipality's files.") var municipality: String?
    @Option(help: "Only this document (sha256 or portal id).") var document: String?
    @Flag(help: "With --file: one JSON object with pages and provenance.") var json = false

    func run() async throws {
        let (config, logger) = try await common.load()
        let extractor = PDFExtractor(scorer: DanishTextScorer(words: PDFExtractor.loadWords()))
        if let file {
            do {
                let doc = try await extractor.extract(file: URL(fileURLWithPath: file))
                if json {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                    print(String(decoding: try encoder.encode(doc), as: UTF8.self))
                } else {
                    for p in doc.pages {
                        print("=== side \(p.number) · \(p.method == .ocr ? "OCR (dansk)" : "tekstlag")\(p.layerBroken ? " · tekstlaget var ødelagt" : "") · kvalitet \(String(format: "%.2f", p.quality))")
                        print(p.text)
                    }
                    FileHandle.standardError.write(Data(String(format: "%d pages (%d OCR) in %.2f s; %@\n", doc.pages.count, doc.ocrPages, doc.seconds, doc.tools.joined(separator: "; ")).utf8))
                }
            } catch {
                throw CommandFailure("\(file): \(error)")
            }
            return
        }
        _ = App.bootstrapMetrics()
        let store = try await App.openStore(config, logger: logger)
        let service = try ExtractService(config: config, store: store, extractor: extractor, logger: logger)
        let report = await service.run(municipality: municipality, document: document) { done, total, name in
            print("[\(done)/\(total)] \(name)")
        }
        await store.close()
        print("\(report.extracted) extracted (\(report.pages) pages, \(report.ocrPages) by OCR, \(report.brokenLayers) broken text layers repaired), \(report.skipped) already done, \(report.failed) failed")
        for e in report.errors.prefix(10) { print("    \(e)") }
        if report.failed > 0 { throw ExitCode(1) }
    }
}

/// An error reported as "Error: …" without the usage text (it is not a usage mistake).
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
