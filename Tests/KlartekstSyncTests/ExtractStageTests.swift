import Foundation
import HummingbirdTesting
import KlartekstApp
import KlartekstCore
import KlartekstExtraction
import KlartekstPipeline
import KlartekstStore
import KlartekstTestSupport
import Logging
import Prometheus
import Testing

@Suite("Extraction stage: synced PDFs → stored text → pages")
struct ExtractStageTests {
    @Test("synced attachments get their text once; a rerun does nothing; the item and attachment pages show it", arguments: TestBackend.available)
    func endToEnd(backend: TestBackend) async throws {
        try await SyncHarness.with(backend: backend) { h in
            _ = try await h.sync(["kalundborg"])
            // A file that is not a PDF in the blob folder records a failure, and does not stop the batch.
            let service = try ExtractService(
                config: h.config, store: h.store, extractor: PDFExtractor(scorer: DanishTextScorer(words: PDFExtractor.loadWords())),
                logger: Logger(label: "extract-test"))
            let first = await service.run(municipality: "kalundborg", document: nil)
            #expect(first.extracted == 3 && first.failed == 0, "\(first)")
            #expect(first.pages == 3 && first.ocrPages == 0)
            let again = await service.run(municipality: "kalundborg", document: nil)
            #expect(again.extracted == 0 && again.failed == 0)

            let file = try #require(try await h.store.file(FileRef(municipality: "kalundborg", kind: .attachment, portalID: "224d4d7f-bd7b-49b6-bb3e-65c3aa0f7f1a")))
            let text = try #require(try await h.store.documentText(sha256: file.sha256))
            #expect(text.pages.count == 1 && text.pages[0].text.hasPrefix("Bilag 224d4d7f-bd7b-49b6-bb3e-65c3aa0f7f1a\nDette bilag beskriver"))
            #expect(text.extractorVersion == PDFExtractor.version)

            let app = try await App.buildApplication(
                config: h.config, store: h.store, metrics: PrometheusCollectorRegistry(), logger: Logger(label: "web"), registry: h.registry,
                syncState: h.store)
            try await app.test(.router) { client in
                try await client.execute(uri: "/kommune/kalundborg/moede/socialudvalget-2026-01-14/punkt/4", method: .get) { response in
                    let body = String(buffer: response.body)
                    #expect(body.contains("href=\"/kommune/kalundborg/bilag/224d4d7f-bd7b-49b6-bb3e-65c3aa0f7f1a\""))
                    #expect(body.contains("1 side"))
                }
                try await client.execute(uri: "/kommune/kalundborg/bilag/224d4d7f-bd7b-49b6-bb3e-65c3aa0f7f1a", method: .get) { response in
                    #expect(response.status == .ok)
                    let body = String(buffer: response.body)
                    #expect(body.contains("<h1>Afsluttende statusnotat Kalundborg</h1>"))
                    #expect(body.contains("Bilag 224d4d7f-bd7b-49b6-bb3e-65c3aa0f7f1a"))
                    #expect(body.contains("id=\"side-1\""))
                }
                try await client.execute(uri: "/api/v1/municipalities/kalundborg/attachments/224d4d7f-bd7b-49b6-bb3e-65c3aa0f7f1a", method: .get) { response in
                    let json = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                    let pages = (json["text"] as? [String: Any])?["pages"] as? [[String: Any]]
                    #expect(pages?.first?["method"] as? String == "textLayer")
                }
                try await client.execute(uri: "/drift", method: .get) { response in
                    let body = String(buffer: response.body)
                    #expect(body.contains("Kalundborg Kommune") && body.contains("OK"))
                }
            }
        }
    }

    @Test("a broken file is recorded with its error and not retried by the same extractor version")
    func failure() async throws {
        try await SyncHarness.with { h in
            _ = try await h.sync(["kalundborg"])
            let file = try #require(try await h.store.file(FileRef(municipality: "kalundborg", kind: .attachment, portalID: "d57afb62-ef20-4858-a6b0-bf51da2fbb44")))
            // Corrupt the stored blob (as a disk fault would).
            let blobs = try FileBlobStore(root: h.blobsDir)
            let url = try #require(await blobs.localFile(file.sha256))
            try Data("%PDF-1.4 broken".utf8).write(to: url)
            let service = try ExtractService(
                config: h.config, store: h.store, extractor: PDFExtractor(scorer: DanishTextScorer(words: [])), logger: Logger(label: "x"))
            let r = await service.run(municipality: "kalundborg", document: nil)
            #expect(r.failed == 1 && r.extracted == 2, "\(r)")
            #expect(r.errors.first?.contains("damaged PDF") == true)
            #expect(try await h.store.documentTextSummary(sha256: file.sha256)?.error?.contains("damaged PDF") == true)
            let again = await service.run(municipality: "kalundborg", document: nil)
            #expect(again.failed == 0 && again.extracted == 0)
        }
    }
}
