import Foundation

/// The text of one PDF (attachment or case presentation), page by page, with provenance.
public struct DocumentText: Sendable, Equatable, Codable {
    public enum Method: String, Sendable, Codable { case textLayer, ocr }

    public struct Page: Sendable, Equatable, Codable {
        public var number: Int
        public var text: String
        public var method: Method
        /// Danish-text score (0…1) of the kept text.
        public var quality: Double
        /// Score of the PDF's own text layer, and of the Danish OCR where one was made.
        public var layerQuality: Double?
        public var ocrQuality: Double?
        /// The text layer was judged broken (OCR without Danish data) and replaced.
        public var layerBroken: Bool
        /// Running header/footer lines removed from this page.
        public var margins: [String]

        public init(
            number: Int, text: String, method: Method, quality: Double, layerQuality: Double?, ocrQuality: Double?, layerBroken: Bool,
            margins: [String]
        ) {
            self.number = number
            self.text = text
            self.method = method
            self.quality = quality
            self.layerQuality = layerQuality
            self.ocrQuality = ocrQuality
            self.layerBroken = layerBroken
            self.margins = margins
        }
    }

    public var sha256: String
    public var extractorVersion: Int
    /// Tool versions ("pdftotext version 22.12.0", "tesseract 5.3.0", language data).
    public var tools: [String]
    public var language: String
    public var pages: [Page]
    public var seconds: Double

    public init(sha256: String, extractorVersion: Int, tools: [String], language: String, pages: [Page], seconds: Double) {
        self.sha256 = sha256
        self.extractorVersion = extractorVersion
        self.tools = tools
        self.language = language
        self.pages = pages
        self.seconds = seconds
    }

    public var text: String { pages.map(\.text).joined(separator: "\n\n") }
    public var ocrPages: Int { pages.filter { $0.method == .ocr }.count }
}

/// A stored file waiting for text extraction.
public struct ExtractionCandidate: Sendable, Equatable {
    public var sha256: String
    public var municipality: String
    public var portalID: String
    public var kind: FileRef.Kind
    public init(sha256: String, municipality: String, portalID: String, kind: FileRef.Kind) {
        self.sha256 = sha256
        self.municipality = municipality
        self.portalID = portalID
        self.kind = kind
    }
}

/// Summary of a document's stored text (no page bodies).
public struct DocumentTextSummary: Sendable, Equatable, Codable {
    public var sha256: String
    public var pageCount: Int
    public var ocrPages: Int
    public var brokenLayers: Int
    public var error: String?
    public var extractorVersion: Int
    public init(sha256: String, pageCount: Int, ocrPages: Int, brokenLayers: Int, error: String?, extractorVersion: Int = 0) {
        self.extractorVersion = extractorVersion
        self.sha256 = sha256
        self.pageCount = pageCount
        self.ocrPages = ocrPages
        self.brokenLayers = brokenLayers
        self.error = error
    }
}

/// Storage of extracted text, keyed by file sha256 + extractor version.
public protocol DocumentTextStore: Sendable {
    /// Fetched files with no text from this extractor version (failures of this version excluded).
    func extractionCandidates(municipality: String?, version: Int) async throws -> [ExtractionCandidate]
    func saveDocumentText(_ text: DocumentText) async throws
    func saveExtractionFailure(sha256: String, version: Int, error: String) async throws
    func documentText(sha256: String) async throws -> DocumentText?
    func documentTextSummary(sha256: String) async throws -> DocumentTextSummary?
}
