import Foundation
import KlartekstCore
import KlartekstExtraction
import Logging
import Metrics

/// Extracts the text of every fetched PDF that has none from the current extractor version.
/// Documents run one after another (each uses the cores for its OCR pages); a failing document is
/// recorded with its error and never stops the batch. Re-running does nothing new.
public struct ExtractStage: Sendable {
    public struct Report: Sendable, Equatable {
        public var extracted = 0
        public var skipped = 0
        public var failed = 0
        public var pages = 0
        public var ocrPages = 0
        public var brokenLayers = 0
        public var errors: [String] = []
        public init() {}
    }

    let texts: any DocumentTextStore
    let blobs: any BlobStore
    let extractor: PDFExtractor
    let logger: Logger

    public init(texts: any DocumentTextStore, blobs: any BlobStore, extractor: PDFExtractor, logger: Logger) {
        self.texts = texts
        self.blobs = blobs
        self.extractor = extractor
        self.logger = logger
    }

    /// One document (a worker's job): nothing when its text from this extractor version exists;
    /// a document the extractor cannot read is recorded as failed (not retried); a missing file
    /// throws (the job is retried, then dead for an operator).
    public func extract(sha256: String) async throws -> Report {
        var report = Report()
        if let existing = try await texts.documentTextSummary(sha256: sha256), existing.extractorVersion >= PDFExtractor.version {
            report.skipped = 1
            return report
        }
        guard let file = await blobs.localFile(sha256) else {
            throw JobError("the stored file \(sha256) is missing from the blob folder (is blobs.path shared by every worker?)")
        }
        try await extract(file: file, sha256: sha256, label: String(sha256.prefix(12)), into: &report)
        return report
    }

    public func run(municipality: String? = nil, document: String? = nil, progress: (Int, Int, String) -> Void = { _, _, _ in }) async -> Report {
        var report = Report()
        let candidates: [ExtractionCandidate]
        do {
            candidates = try await texts.extractionCandidates(municipality: municipality, version: PDFExtractor.version)
                .filter { c in document.map { c.sha256 == $0 || c.portalID == $0.lowercased() } ?? true }
        } catch {
            report.errors.append("\(error)")
            report.failed += 1
            return report
        }
        for (i, c) in candidates.enumerated() {
            progress(i + 1, candidates.count, "\(c.municipality) \(c.kind.rawValue) \(c.portalID)")
            guard let file = await blobs.localFile(c.sha256) else {
                report.failed += 1
                report.errors.append("\(c.portalID): the stored file \(c.sha256) is missing from the blob folder")
                continue
            }
            try? await extract(file: file, sha256: c.sha256, label: "\(c.portalID) (\(c.sha256.prefix(12)))", into: &report)
        }
        return report
    }

    /// Extracts and stores one file's text; a file the extractor cannot read is recorded as failed.
    /// Throws only when cancelled or when the failure cannot be recorded.
    func extract(file: URL, sha256: String, label: String, into report: inout Report) async throws {
        do {
            let text = try await extractor.extract(file: file)
            try await texts.saveDocumentText(text)
            report.extracted += 1
            report.pages += text.pages.count
            report.ocrPages += text.ocrPages
            report.brokenLayers += text.pages.filter(\.layerBroken).count
            Counter(label: "klartekst_extract_pages_total", dimensions: [("method", "textLayer")]).increment(by: text.pages.count - text.ocrPages)
            Counter(label: "klartekst_extract_pages_total", dimensions: [("method", "ocr")]).increment(by: text.ocrPages)
        } catch let error as CancellationError {
            throw error
        } catch {
            report.failed += 1
            report.errors.append("\(label): \(error)")
            logger.warning("extraction failed", metadata: ["document": "\(sha256)", "error": "\(error)"])
            Counter(label: "klartekst_extract_documents_total", dimensions: [("result", "error")]).increment()
            try await texts.saveExtractionFailure(sha256: sha256, version: PDFExtractor.version, error: "\(error)")
        }
    }
}
