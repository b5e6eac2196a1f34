import AsyncHTTPClient
import Foundation
import KlartekstCore
import KlartekstExtraction
import KlartekstPipeline
import KlartekstStore
import Logging

/// Workers wired from the configuration: for each stage, how to find its work in the data
/// (planning) and how to run one job, over the live store, blob folder, portals and model.
public final class Workers: @unchecked Sendable {
    public let runner: JobRunner
    let cleanups: [@Sendable () async -> Void]
    let model: LazyBackend?

    init(runner: JobRunner, cleanups: [@Sendable () async -> Void], model: LazyBackend?) {
        self.runner = runner
        self.cleanups = cleanups
        self.model = model
    }

    /// Whether this worker has started (or connected) its analysis backend.
    public func modelStarted() async -> Bool { await model?.isMade ?? false }

    /// Closes the model backend, the portal client and the webhook client.
    public func close() async {
        for c in cleanups { await c() }
    }

    /// The stages `serve` runs in the background unless told `--no-workers`: all of them, except
    /// sync when `sync.schedule` is off, alerts without SMTP, the index when `search.index_seconds` is 0.
    public static func serveStages(_ config: AppConfig) -> [JobStage] {
        JobStage.allCases.filter { stage in
            switch stage {
            case .sync: (SyncSchedule(config.syncSchedule) ?? .off) != .off
            case .notify: config.smtpURL != nil && config.alertsSeconds > 0
            case .index: config.searchIndexSeconds > 0
            case .extract, .analyze: true
            }
        }
    }

    public static func make(
        config: AppConfig, store: SQLStore, stages: [JobStage], concurrency: Int, logger: Logger, owner: String? = nil
    ) async throws -> Workers {
        var workers: [StageWorker] = []
        var cleanups: [@Sendable () async -> Void] = []
        let blobs = try App.blobStore(config, store: store)
        var backends: @Sendable () async -> [BackendStatus] = { [] }
        var lazyModel: LazyBackend?
        for stage in stages {
            switch stage {
            case .sync:
                let registry = try Registry.load(path: config.registryPath)
                let runner = try SyncRunner(config: config, store: store, registry: registry, logger: logger)
                cleanups.append { await runner.shutdown() }
                let schedule = SyncSchedule(config.syncSchedule) ?? .off
                let targets = try runner.targets([])
                workers.append(StageWorker(
                    stage: .sync,
                    plan: {
                        guard let period = schedule.period(containing: Date()) else { return 0 }
                        return try await store.enqueue(targets.map {
                            NewJob(stage: .sync, key: JobKeys.sync(municipality: $0.slug, period: period), payload: $0.slug, maxAttempts: 5)
                        })
                    },
                    run: { job in
                        guard let m = targets.first(where: { $0.slug == job.payload }) else {
                            throw JobError("no First Agenda portal for \"\(job.payload)\" in the registry", permanent: true)
                        }
                        let report = await runner.run([m], options: .init(), parallel: 1).first
                        if let fatal = report?.fatal { throw JobError("sync of \(m.slug): \(fatal)") }
                    }))
            case .extract:
                let stage = ExtractStage(
                    texts: store, blobs: blobs, extractor: PDFExtractor(scorer: DanishTextScorer(words: PDFExtractor.loadWords())), logger: logger)
                workers.append(StageWorker(
                    stage: .extract, plan: { try await store.planExtractJobs(version: PDFExtractor.version) },
                    run: { job in _ = try await stage.extract(sha256: job.payload) }))
            case .analyze:
                let library = try PromptLibrary.load(directory: URL(fileURLWithPath: config.promptsPath))
                // The model starts on the first job (a node with nothing to analyse never loads it).
                let lazy = LazyBackend(config: config, logger: logger)
                lazyModel = lazy
                cleanups.append { await lazy.close() }
                backends = { await lazy.status() }
                let specs = ["summary", "relevance"]
                let signature = ContentHash.sha256(
                    fields: specs.compactMap { library.prompt($0)?.id } + library.topics.map(\.slug) + [config.llmBackend == "deterministic" ? DeterministicSummary.model : config.llmModel])
                workers.append(StageWorker(
                    stage: .analyze, plan: { try await store.planAnalyzeJobs(signature: String(signature.prefix(16))) },
                    run: { job in
                        func stage(_ backend: AnalyzeStage.Backend) -> AnalyzeStage {
                            AnalyzeStage(
                                store: store, library: library, backend: backend, concurrency: config.llmConcurrency,
                                autopublish: config.analysisAutopublish, contextTokens: config.llmContext, logger: logger)
                        }
                        // Without the model first: an item whose results are current is skipped
                        // without starting (or loading) a model.
                        let report: AnalyzeStage.Report
                        if config.llmBackend == "deterministic" && config.llmEndpoints == nil {
                            report = try await stage(.deterministic).run(itemKey: job.payload, prompts: specs)
                        } else {
                            do {
                                report = try await stage(.model(NotStartedModel(modelID: config.llmModel))).run(itemKey: job.payload, prompts: specs)
                            } catch is ModelUnavailable {
                                report = try await stage(try await lazy.factory().backend).run(itemKey: job.payload, prompts: specs)
                            }
                        }
                        if report.analysed + report.skipped + report.notApplicable == 0 {
                            throw JobError("the item \(job.payload) is no longer in the store", permanent: true)
                        }
                    }))
            case .index:
                let stage = IndexStage(store: store, splitter: IndexStage.defaultSplitter(), logger: logger)
                workers.append(StageWorker(
                    stage: .index,
                    plan: {
                        // One index job at a time, for up to 1,000 items of the backlog (the next
                        // round plans the rest): bounded, so a killed worker costs little of it.
                        if try await store.hasOpenJobs(stage: .index) { return 0 }
                        let backlog = try await store.searchBacklog(limit: 1000)
                        guard !backlog.isEmpty else { return 0 }
                        return try await store.enqueue([NewJob(stage: .index, key: JobKeys.index(backlog: backlog), maxAttempts: 5)])
                    },
                    run: { _ in
                        let report = await stage.run(maxItems: 1000)
                        if report.failed > 0 && report.indexed == 0 { throw JobError(report.errors.prefix(3).joined(separator: "; ")) }
                    }))
            case .notify:
                let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
                cleanups.append { try? await http.shutdown() }
                guard let notify = try await Alerts.stage(config, store: store, http: http, logger: logger) else {
                    throw AppError("the notify stage needs smtp.url")
                }
                let interval = Double(max(1, config.alertsSeconds))
                workers.append(StageWorker(
                    stage: .notify,
                    plan: {
                        let period = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / interval).rounded(.down) * interval)
                        return try await store.enqueue([NewJob(stage: .notify, key: JobKeys.notify(period: period), maxAttempts: 3)])
                    },
                    run: { _ in
                        let r = await notify.run()
                        if r.digests + r.failed > 0 {
                            logger.info("alerts", metadata: ["digests": "\(r.digests)", "sent": "\(r.sent)", "failed": "\(r.failed)", "disabled": "\(r.disabled)"])
                        }
                    }))
            }
        }
        let options = JobRunner.Options(
            owner: owner ?? JobRunner.defaultOwner(), concurrency: concurrency, leaseSeconds: Double(config.jobsLeaseSeconds),
            pollSeconds: Double(config.jobsPollMs) / 1000, planSeconds: Double(config.jobsPlanSeconds))
        let statusSource = backends
        return Workers(
            runner: JobRunner(queue: store, stages: workers, options: options, logger: logger, backends: statusSource), cleanups: cleanups,
            model: lazyModel)
    }
}

/// Stands in for the configured model while checking whether an item needs it at all: the same
/// model name (results are keyed by it), and any request means "start the real one".
struct NotStartedModel: LanguageModel {
    let modelID: String
    var backendID: String { "not started" }

    func complete(system: String, user: String, schema: [String: Any], schemaName: String, maxTokens: Int) async throws -> ModelAnswer {
        throw ModelUnavailable("the model is not started yet")
    }
}

/// The analysis backend, made on first use and shared by the worker's jobs.
actor LazyBackend {
    let config: AppConfig
    let logger: Logger
    var made: AnalysisBackendFactory?
    var making: Task<AnalysisBackendFactory, Error>?

    init(config: AppConfig, logger: Logger) {
        self.config = config
        self.logger = logger
    }

    func factory() async throws -> AnalysisBackendFactory {
        if let made { return made }
        if let making { return try await making.value }
        let (config, logger) = (self.config, self.logger)
        let task = Task { try await AnalysisBackendFactory.makePooled(config: config, logger: logger) }
        making = task
        do {
            let f = try await task.value
            made = f
            logger.notice("analysis backend ready", metadata: ["backend": "\(f.label)"])
            return f
        } catch {
            making = nil
            throw JobError("the analysis backend could not start: \(error)")
        }
    }

    func status() async -> [BackendStatus] { await made?.status() ?? [] }

    var isMade: Bool { made != nil }

    func close() async { await made?.close() }
}
