import Foundation
import KlartekstApp
import KlartekstCore
import KlartekstPipeline
import KlartekstSources
import KlartekstStore
import KlartekstTestSupport
import Logging

/// Two fake portals (Hvidovre wants a session cookie first, Kalundborg does not), a store, a blob
/// folder and a sync runner with fast, test-sized politeness. The request timeout (5 s) leaves room
/// for a loaded machine: a request that times out is retried, which would use up one-time faults.
struct SyncHarness {
    let hvidovre: FakePortal
    let kalundborg: FakePortal
    let store: SQLStore
    let blobsDir: URL
    let registry: Registry
    let config: AppConfig

    static let testPoliteness = Politeness(
        userAgent: "Klartekst-test (+https://example.org/klartekst)", maxConcurrentPerHost: 2, minInterval: .zero,
        requestTimeout: .seconds(5), retry: RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(20), maxDelay: .seconds(2)),
        breakerThreshold: 6, breakerCooldown: 60)

    static func with<T>(
        backend: TestBackend = .sqlite, since: String = "2025-01-01",
        _ body: (SyncHarness) async throws -> T
    ) async throws -> T {
        let h = try FakePortal.hvidovre(meetingsSince: since)
        let k = try FakePortal.kalundborg()
        let hvidovre = FakePortal(meetings: h.meetings, files: h.files, requireCookie: true)
        let kalundborg = FakePortal(meetings: k.meetings, files: k.files)
        try await hvidovre.start()
        try await kalundborg.start()
        let dir = try Fixtures.temporaryDirectory("klartekst-sync")
        do {
            let result = try await backend.withStore { store, _ in
                let registry = Registry(municipalities: [
                    Municipality(slug: "hvidovre", name: "Hvidovre Kommune", portalBaseURL: hvidovre.baseURL, portalKind: "firstagenda", hostVerified: true),
                    Municipality(slug: "kalundborg", name: "Kalundborg Kommune", portalBaseURL: kalundborg.baseURL, portalKind: "firstagenda", hostVerified: true),
                ])
                let config = AppConfig(blobsPath: dir.appendingPathComponent("blobs").path)
                let harness = SyncHarness(
                    hvidovre: hvidovre, kalundborg: kalundborg, store: store, blobsDir: dir.appendingPathComponent("blobs"),
                    registry: registry, config: config)
                return try await body(harness)
            }
            await hvidovre.stop()
            await kalundborg.stop()
            try? FileManager.default.removeItem(at: dir)
            return result
        } catch {
            await hvidovre.stop()
            await kalundborg.stop()
            try? FileManager.default.removeItem(at: dir)
            throw error
        }
    }

    func sync(
        _ slugs: [String] = [], since: String? = "2025-01-01", politeness: Politeness = SyncHarness.testPoliteness, files: Bool = true
    ) async throws -> [SyncReport] {
        let runner = try SyncRunner(config: config, store: store, registry: registry, logger: Logger(label: "sync-test"), politeness: politeness)
        let reports = await runner.run(try runner.targets(slugs), options: .init(since: since, includeFiles: files))
        await runner.shutdown()
        return reports
    }

    /// Every (path, count) the portal answered, for "fetched once" checks.
    static func counts(_ portal: FakePortal, _ prefix: String) -> [String: Int] {
        var c: [String: Int] = [:]
        for r in portal.requests where r.path.hasPrefix(prefix) { c[r.path, default: 0] += 1 }
        return c
    }
}
