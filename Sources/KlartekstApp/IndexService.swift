import Foundation
import KlartekstCore
import KlartekstPipeline
import Logging
import ServiceLifecycle

/// Keeps the search index current while serving: indexes at start, then every `interval`
/// (new items from a sync or another process, analyses, attachment text). Stops with the
/// service group.
struct IndexService: Service {
    let stage: IndexStage
    let interval: Duration
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let report = await stage.run()
                for e in report.errors.prefix(3) { logger.warning("search index: \(e)") }
                try await Task.sleep(for: interval)
            }
        }
    }
}
