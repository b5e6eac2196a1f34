import Foundation
import KlartekstCore
import KlartekstPipeline
import KlartekstSources
import KlartekstStore
import Logging
import ServiceLifecycle

/// Wires the live connector (AsyncHTTPClient), the store and the blob folder into
/// ``FirstAgendaSync`` for each municipality, a few municipalities at a time.
public struct SyncRunner: Sendable {
    let store: SQLStore
    let registry: Registry
    let blobs: any BlobStore
    let client: PoliteHTTPClient
    let logger: Logger

    public init(config: AppConfig, store: SQLStore, registry: Registry, logger: Logger, politeness: Politeness? = nil) throws {
        self.store = store
        self.registry = registry
        self.blobs = try App.blobStore(config, store: store)
        var p = politeness ?? Politeness()
        if politeness == nil {
            p.userAgent = "Klartekst/0.1 (+\(config.syncContact))"
            p.minInterval = .milliseconds(config.syncPauseMs)
            p.maxConcurrentPerHost = config.syncParallel
        }
        self.client = PoliteHTTPClient(politeness: p, logger: logger)
        self.logger = logger
    }

    public func shutdown() async { await client.shutdown() }

    /// The municipalities a sync would cover: the named ones, or every First Agenda portal.
    public func targets(_ slugs: [String]) throws -> [Municipality] {
        if slugs.isEmpty { return registry.municipalities.filter { $0.portalKind == "firstagenda" && $0.portalBaseURL != nil } }
        return try slugs.map { raw in
            let slug = Slug.make(raw)
            guard let m = registry.municipality(slug: slug) else { throw AppError("unknown municipality \"\(raw)\" (see `klartekst sources`)") }
            guard m.portalKind == "firstagenda", m.portalBaseURL != nil else {
                throw AppError("\(m.name) publishes through \(m.portalKind), which has no connector yet")
            }
            return m
        }
    }

    public func run(
        _ municipalities: [Municipality], options: FirstAgendaSync.Options, parallel: Int = 2,
        progress: @escaping @Sendable (SyncProgress) -> Void = { _ in }
    ) async -> [SyncReport] {
        await withTaskGroup(of: SyncReport.self) { group in
            var iterator = municipalities.makeIterator()
            var reports: [SyncReport] = []
            func addNext() -> Bool {
                guard let m = iterator.next(), let base = m.portalBaseURL else { return false }
                let sync = FirstAgendaSync(
                    municipality: m, portal: FirstAgendaPortal(baseURL: base, client: client, logger: logger), state: store, store: store,
                    blobs: blobs, options: options, logger: logger)
                group.addTask { await sync.run(progress: progress) }
                return true
            }
            for _ in 0..<max(1, parallel) where addNext() {}
            while let r = await group.next() {
                reports.append(r)
                _ = addNext()
            }
            return reports.sorted { $0.municipality < $1.municipality }
        }
    }
}
