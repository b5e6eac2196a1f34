import Foundation
import KlartekstCore
import KlartekstExtraction
import KlartekstPipeline
import KlartekstStore
import Logging

/// Wires the extraction stage to the live store and blob folder.
public struct ExtractService: Sendable {
    let stage: ExtractStage

    public init(config: AppConfig, store: SQLStore, extractor: PDFExtractor, logger: Logger) throws {
        stage = ExtractStage(
            texts: store, blobs: try App.blobStore(config, store: store), extractor: extractor, logger: logger)
    }

    public func run(municipality: String?, document: String?, progress: (Int, Int, String) -> Void = { _, _, _ in }) async -> ExtractStage.Report {
        await stage.run(municipality: municipality.map(Slug.make), document: document, progress: progress)
    }
}
