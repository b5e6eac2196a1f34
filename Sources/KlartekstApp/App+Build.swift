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

    /// Serves until SIGINT/SIGTERM, then shuts down gracefully and closes the store. With a
    /// schedule other than `off`, the sync runs in the background as a service of the same group.
    public static func serve(
        config: AppConfig, store: SQLStore, metrics: PrometheusCollectorRegistry, logger: Logger, syncSchedule: SyncSchedule? = nil
    ) async throws {
        let registry = try Registry.load(path: config.registryPath)
        let app = try await buildApplication(
            config: config, store: store, metrics: metrics, logger: logger, registry: registry, syncState: store)
        var services: [any Service] = [app]
        if config.alertsSeconds > 0 && config.smtpURL != nil {
            services.append(NotifyService(config: config, store: store, interval: .seconds(config.alertsSeconds), logger: logger))
        }
        if config.searchIndexSeconds > 0 {
            let stage = IndexStage(store: store, splitter: IndexStage.defaultSplitter(), logger: logger)
            services.append(IndexService(stage: stage, interval: .seconds(config.searchIndexSeconds), logger: logger))
        }
        let schedule = syncSchedule ?? SyncSchedule(config.syncSchedule) ?? .off
        if schedule != .off {
            let runner = try SyncRunner(config: config, store: store, registry: registry, logger: logger)
            services.append(SyncScheduler(runner: runner, schedule: schedule, logger: logger))
        }
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        logger.notice("serving", metadata: ["url": "http://\(config.host):\(config.port)/", "database": "\(store.backendName)"])
        try await group.run()
        await store.close()
    }

    /// Bootstraps the process-wide metrics backend (once per process, never in tests).
    public static func bootstrapMetrics() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }
}
