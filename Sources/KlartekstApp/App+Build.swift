import Foundation
import Hummingbird
import KlartekstCore
import KlartekstExtraction
import KlartekstPipeline
import KlartekstStore
import KlartekstWeb
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// The composition root: the only place where live adapters are wired together.
public enum App {
    /// Opens the store named by the configuration and migrates it.
    public static func openStore(_ config: AppConfig, logger: Logger) async throws -> SQLStore {
        let store: SQLStore
        do {
            store = try await SQLStore.open(url: config.databaseURL, logger: logger)
        } catch {
            throw AppError("cannot open the database \(PostgresDatabase.redact(config.databaseURL)): \(error)")
        }
        do {
            try await store.migrate()
        } catch {
            await store.close()
            throw AppError("cannot migrate the database \(PostgresDatabase.redact(config.databaseURL)): \(error)")
        }
        return store
    }

    /// Where raw responses and PDFs live: a folder (`blobs.path`, shared by every machine that
    /// syncs or extracts), or `database` — inside the store, so workers need nothing but it.
    public static func blobStore(_ config: AppConfig, store: SQLStore) throws -> any BlobStore {
        config.blobsPath == "database" ? try DatabaseBlobStore(store: store) : try FileBlobStore(root: URL(fileURLWithPath: config.blobsPath))
    }

    /// Builds the web application (tests call this too).
    public static func buildApplication(
        config: AppConfig, store: any KlartekstStore, metrics: PrometheusCollectorRegistry, logger: Logger,
        registry: Registry? = nil, syncState: (any SyncStateStore)? = nil, adjust: @Sendable (inout WebDependencies) -> Void = { _ in }
    ) async throws -> some ApplicationProtocol {
        let known = try registry ?? Registry.load(path: config.registryPath)
        var health: (@Sendable () async throws -> [SourceHealth])?
        if let syncState {
            health = { try await syncState.allHealth() }
        }
        if config.securitySecrets.isEmpty {
            logger.notice("security.secrets is not set: a random signing key is used, so sessions end when the process stops")
        }
        let security = WebSecurity(
            secrets: config.securitySecrets, adminUser: config.adminUser, adminPassword: config.adminPassword, secureCookies: config.secureCookies)
        var checkEdit: (@Sendable (StoredAnalysis, String) async throws -> (String, [String]))?
        var topics: [String: String] = [:]
        var topicList: [Topic] = []
        if let library = try? PromptLibrary.load(directory: URL(fileURLWithPath: config.promptsPath)) {
            let checker = AnalyzeStage(store: store, library: library, backend: .deterministic, logger: logger)
            checkEdit = { analysis, json in try await checker.checkEdit(json, of: analysis) }
            topics = Dictionary(uniqueKeysWithValues: library.topics.map { ($0.slug, $0.name) })
            topicList = library.topics
        } else {
            logger.warning("no prompt library at \(config.promptsPath): operators cannot edit analyses")
        }
        var deps = try await WebDependencies.load(
            store: store, metrics: metrics, registry: known.municipalities, sourceHealth: health, security: security, checkEdit: checkEdit,
            topics: topics,
            voting: VotingSettings(
                perParticipantPerMinute: config.votesPerParticipant, perAddressPerMinute: config.votesPerAddress, newMinutes: config.votesNewMinutes,
                newShareCap: config.votesNewShare, burstMinimum: config.votesBurstMinimum, trustProxy: config.trustProxy,
                burstCheckSeconds: config.votesBurstCheckSeconds))
        deps.topicList = topicList
        deps.analysisBackend = config.llmBackend == "deterministic" ? "uden sprogmodel (regler)"
            : config.llmBackend == "embedded" ? "den indbyggede sprogmodel \(config.llmModel), der kører på Klartekst-serveren"
            : "sprogmodellen \(config.llmModel)"
        deps.promptVersions = (try? PromptLibrary.load(directory: URL(fileURLWithPath: config.promptsPath)))?.prompts.map(\.id).sorted() ?? []
        deps.speech = await speechService(config, logger: logger)
        deps.pageCacheSeconds = config.pageCacheSeconds
        deps.publicURL = config.publicURL
        deps.alerts = try Alerts.web(config)
        deps.jobs = store as? any JobQueue
        adjust(&deps)
        let router = buildRouter(deps)
        return Application(
            router: router,
            configuration: .init(address: .hostname(config.host, port: config.port), serverName: "Klartekst"),
            logger: logger)
    }

    /// espeak-ng for the spoken summaries, when it is installed and not switched off.
    static func speechService(_ config: AppConfig, logger: Logger) async -> SpeechService? {
        guard config.speechCommand != "off" else { return nil }
        let synthesizer = SpeechSynthesizer(executable: config.speechCommand, voice: config.speechVoice, wordsPerMinute: config.speechRate)
        guard await synthesizer.tool.version("--version") != nil else {
            logger.notice("\(config.speechCommand) is not installed: no spoken summaries (scripts/setup.sh installs espeak-ng)")
            return nil
        }
        return SpeechService(voiceKey: synthesizer.voiceKey) { text in try await synthesizer.wav(text) }
    }

    /// Serves until SIGINT/SIGTERM, then shuts down gracefully and closes the store. Unless
    /// `workers` is false (`serve --no-workers`, a web node), the node also works the job queue
    /// in the background for ``Workers/serveStages(_:)``: sync on its schedule, extraction,
    /// analysis, the search index and alerts. Any number of nodes may do so against one
    /// PostgreSQL: jobs are leased, so each is done once.
    public static func serve(
        config: AppConfig, store: SQLStore, metrics: PrometheusCollectorRegistry, logger: Logger, syncSchedule: SyncSchedule? = nil,
        workers: Bool = true
    ) async throws {
        let registry = try Registry.load(path: config.registryPath)
        let app = try await buildApplication(
            config: config, store: store, metrics: metrics, logger: logger, registry: registry, syncState: store)
        var services: [any Service] = [app]
        var background: Workers?
        var stageNames = "none"
        if workers {
            var effective = config
            if let syncSchedule { effective.syncSchedule = syncSchedule == .off ? "off" : effective.syncSchedule }
            let stages = Workers.serveStages(effective)
            if !stages.isEmpty {
                let w = try await Workers.make(config: effective, store: store, stages: stages, concurrency: config.workConcurrency, logger: logger)
                services.append(w.runner)
                background = w
                stageNames = stages.map(\.rawValue).joined(separator: ",")
            }
        }
        var groupConfig = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        // Requests and background jobs get work.shutdown_seconds, then they are cancelled.
        groupConfig.maximumGracefulShutdownDuration = .seconds(config.shutdownSeconds)
        let group = ServiceGroup(configuration: groupConfig)
        ShutdownGuard.arm(graceSeconds: Double(config.shutdownSeconds), logger: logger)
        logger.notice(
            "serving",
            metadata: [
                "url": "http://\(config.host):\(config.port)/", "database": "\(store.backendName)",
                "workers": "\(stageNames)",
            ])
        try await group.run()
        let started = background
        await ShutdownGuard.bounded("closing the workers", seconds: 5, logger: logger) { await started?.close() }
        await ShutdownGuard.bounded("closing the store", seconds: 5, logger: logger) { await store.close() }
    }

    /// Works the job queue until SIGTERM (running jobs finish first) or SIGINT (running jobs are
    /// given back). With `port`, also serves `/metrics` and `/healthz` for monitoring.
    public static func work(
        config: AppConfig, store: SQLStore, stages: [JobStage], concurrency: Int, metrics: PrometheusCollectorRegistry, port: Int?,
        logger: Logger
    ) async throws {
        let workers = try await Workers.make(config: config, store: store, stages: stages, concurrency: concurrency, logger: logger)
        var services: [any Service] = [workers.runner]
        if let port {
            let router = Router()
            router.get("/metrics") { _, _ in
                var buffer: [UInt8] = []
                metrics.emit(into: &buffer)
                return Response(
                    status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
            }
            router.get("/healthz") { _, _ in "ok\n" }
            services.append(Application(router: router, configuration: .init(address: .hostname(config.host, port: port), serverName: "Klartekst worker"), logger: logger))
        }
        // SIGTERM (systemd, containers): stop claiming, let running jobs finish. SIGINT (Ctrl-C):
        // stop now; running jobs give their leases back for another worker.
        // A job still running after work.shutdown_seconds is cancelled too (its lease given back);
        // the guard ends the process if closing then hangs.
        var groupConfig = ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: [.sigterm], cancellationSignals: [.sigint], logger: logger)
        groupConfig.maximumGracefulShutdownDuration = .seconds(config.shutdownSeconds)
        let group = ServiceGroup(configuration: groupConfig)
        let runner = workers.runner
        ShutdownGuard.arm(graceSeconds: Double(config.shutdownSeconds), logger: logger) { runner.runningSummary() }
        try await group.run()
        // The jobs are finished or given back by now; closing only tidies up.
        await ShutdownGuard.bounded("closing the workers", seconds: 5, logger: logger) { await workers.close() }
        await ShutdownGuard.bounded("closing the store", seconds: 5, logger: logger) { await store.close() }
    }

    /// Bootstraps the process-wide metrics backend (once per process, never in tests).
    public static func bootstrapMetrics() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }
}
