import ArgumentParser
import Foundation
import KlartekstApp
import KlartekstCore
import KlartekstStore
import KlartekstPipeline
import KlartekstExtraction
import Logging

/// Options every command shares.
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: "Database URL: sqlite:PATH or postgres://user:password@host:port/database (key database.url).")
    var database: String?

    @Option(name: .long, help: "A JSON configuration file (keys as in `klartekst config`).")
    var config: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical (key log.level).")
    var logLevel: String?

    func load(extra: [String: String] = [:]) async throws -> (AppConfig, Logger) {
        var flags = extra
        if let database { flags["database.url"] = database }
        if let logLevel { flags["log.level"] = logLevel }
        let config: AppConfig
        do {
            config = try await AppConfig.load(flags: flags, file: self.config)
        } catch {
            throw ValidationError("\(error)")
        }
        let level = config.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return (config, Logger(label: "klartekst"))
    }
}

struct Klartekst: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "klartekst",
        abstract: "Danish municipal decisions, readable, searchable and answerable.",
        subcommands: [Demo.self, Import.self, Sync.self, Extract.self, Analyze.self, Index.self, Notify.self, Work.self, Jobs.self, Eval.self, Review.self, Sources.self, Serve.self, Migrate.self, Doctor.self, Config.self, Bench.self]
    )
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create or upgrade the database schema.")
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let (config, logger) = try await common.load()
        let store = try await App.openStore(config, logger: logger)
        let applied = try await store.appliedMigrations()
        await store.close()
        print("Database is up to date (\(store.backendName)): \(applied.joined(separator: ", "))")
    }
}

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import First Agenda responses: an agenda (/api/agenda/dagsorden/{id}) or a single item, as files or directories.")
    @OptionGroup var common: CommonOptions
    @Argument(help: "Files or directories (*.json, recursively).") var paths: [String]
    @Option(help: "Municipality slug, when the response does not name its portal host.") var municipality: String?
    @Option(help: "Committee name, for a single item without its meeting.") var committee: String?
    @Option(help: "Meeting date YYYY-MM-DD, for a single item without its meeting.") var date: String?

    func run() async throws {
        let (config, logger) = try await common.load()
        _ = App.bootstrapMetrics()
        let store = try await App.openStore(config, logger: logger)
        let service = ImportService(store: store, registry: try Registry.bundled(), limitBytes: config.importLimitBytes, logger: logger)
        let results = await service.importPaths(paths, overrides: .init(municipality: municipality, committee: committee, date: date))
        await store.close()
        var failed = 0
        for r in results {
            if let report = r.report {
                print("ok    \(r.path): \(report.meetingKey) — \(report.itemsNew) new, \(report.itemsRevised) revised, \(report.itemsUnchanged) unchanged\(report.linksRefreshed > 0 ? ", \(report.linksRefreshed) with new portal links" : "")\(report.sectionsRebuilt > 0 ? ", \(report.sectionsRebuilt) re-parsed" : "")")
            } else {
                failed += 1
                print("error \(r.error ?? "unknown error")")
            }
            for w in r.warnings { print("      warning: \(w)") }
        }
        print("\(results.count - failed) of \(results.count) files imported")
        if failed > 0 { throw ExitCode(1) }
    }
}

struct ServeOptions: ParsableArguments {
    @Option(help: "Address to bind (key http.host, default 127.0.0.1).") var host: String?
    @Option(help: "Port (key http.port, default 8080).") var port: Int?

    var flags: [String: String] {
        var f: [String: String] = [:]
        if let host { f["http.host"] = host }
        if let port { f["http.port"] = String(port) }
        return f
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the web site and the JSON API (and, unless --no-workers, work the job queue in the background).")
    @OptionGroup var common: CommonOptions
    @OptionGroup var serve: ServeOptions
    @Flag(help: "A web node only: leave sync, extraction, analysis, indexing and alerts to `klartekst work` processes.")
    var noWorkers = false

    func run() async throws {
        let (config, logger) = try await common.load(extra: serve.flags)
        let metrics = App.bootstrapMetrics()
        let store = try await App.openStore(config, logger: logger)
        try await App.serve(config: config, store: store, metrics: metrics, logger: logger, workers: !noWorkers)
    }
}

struct Work: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Work the job queue: claim jobs of the given stages (leased rows in the database), run them, plan new work. Run any number, on any machines, against one PostgreSQL.")
    @OptionGroup var common: CommonOptions
    @Option(help: "Comma-separated stages: sync, extract, analyze, index, notify (default: all; sync needs sync.schedule, notify needs smtp.url).")
    var stages: String?
    @Option(help: "Jobs run at once (key work.concurrency, default 2).") var concurrency: Int?
    @Option(help: "Serve /metrics and /healthz on this port (on http.host).") var metricsPort: Int?

    func run() async throws {
        let (config, logger) = try await common.load()
        let chosen: [JobStage]
        do {
            chosen = try stages.map { try JobStage.parse($0) } ?? Workers.serveStages(config)
        } catch {
            throw ValidationError("\(error)")
        }
        if chosen.contains(.notify) && config.smtpURL == nil { throw ValidationError("the notify stage needs smtp.url") }
        if chosen.contains(.sync) && (SyncSchedule(config.syncSchedule) ?? .off) == .off {
            throw ValidationError("the sync stage needs sync.schedule (e.g. \"daily 03:00\"); it is off")
        }
        if let concurrency, !(1...256).contains(concurrency) { throw ValidationError("--concurrency must be from 1 to 256") }
        let metrics = App.bootstrapMetrics()
        let store = try await App.openStore(config, logger: logger)
        try await App.work(
            config: config, store: store, stages: chosen, concurrency: concurrency ?? config.workConcurrency, metrics: metrics, port: metricsPort,
            logger: logger)
    }
}

struct Jobs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The job queue: per stage counts, workers, dead jobs; retry a dead job.")
    @OptionGroup var common: CommonOptions
    @Option(help: "List jobs with this status: queued, running, done, dead.") var status: String?
    @Option(help: "Queue this dead job again (its id).") var retry: Int64?
    @Flag(help: "As JSON.") var json = false

    func run() async throws {
        let (config, logger) = try await common.load()
        let store = try await App.openStore(config, logger: logger)
        defer { Task { await store.close() } }
        if let retry {
            let ok = try await store.retryDead(retry)
            print(ok ? "job \(retry) queued again" : "job \(retry) is not dead (or does not exist)")
            if !ok { throw ExitCode(1) }
            return
        }
        let stats = try await store.queueStats()
        let workers = try await store.workers(seenWithin: 120)
        var listed: [JobRecord] = []
        if let status {
            guard let s = JobStatus(rawValue: status) else { throw ValidationError("--status must be queued, running, done or dead") }
            listed = try await store.jobs(status: s, stage: nil, limit: 100)
        }
        if json {
            struct Out: Encodable { var stages: [QueueStats]; var workers: [WorkerInfo]; var jobs: [JobRecord] }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(Out(stages: stats, workers: workers, jobs: listed)), as: UTF8.self))
            return
        }
        print("stage     ready delayed running      done  dead  done/h  failed/h  oldest wait")
        for q in stats {
            print(
                q.stage.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)
                    + String(format: " %6d %7d %7d %9d %5d %7d %9d %10.0f s", q.ready, q.delayed, q.running, q.done, q.dead, q.doneLastHour, q.failedLastHour, q.oldestWaitingSeconds))
        }
        print("\(workers.count) worker(s) seen in the last 2 minutes")
        for w in workers {
            print("  \(w.id) stages \(w.stages.map(\.rawValue).joined(separator: ",")) × \(w.concurrency): \(w.jobsDone) done, \(w.jobsFailed) failed")
            for b in w.backends {
                print("    \(b.healthy ? "up  " : "DOWN") \(b.url) weight \(b.weight): \(b.requests) requests, \(b.failures) failures\(b.meanSeconds.map { String(format: ", mean %.2f s", $0) } ?? "")")
            }
        }
        for j in listed {
            print("#\(j.id) \(j.stage.rawValue) \(j.key) \(j.status.rawValue) attempts \(j.attempts)/\(j.maxAttempts)\(j.lastError.map { ": \($0.prefix(200))" } ?? "")")
        }
    }
}

struct Sync: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fetch new and changed agendas, minutes and attachments from First Agenda portals.")
    @OptionGroup var common: CommonOptions
    @Option(name: .customLong("municipality"), help: "A municipality slug (repeatable); default: every First Agenda portal.")
    var municipalities: [String] = []
    @Option(help: "Only meetings on or after this date (YYYY-MM-DD).") var since: String?
    @Flag(help: "Skip attachment and case-presentation PDFs.") var noFiles = false
    @Flag(help: "Progress and the final report as JSON lines.") var json = false
    @Option(help: "Municipalities synced at the same time.") var parallel: Int = 2

    func run() async throws {
        let (config, logger) = try await common.load()
        _ = App.bootstrapMetrics()
        if let since, FirstAgendaMapper.localDate(since) == nil { throw ValidationError("--since must be YYYY-MM-DD") }
        let store = try await App.openStore(config, logger: logger)
        let runner = try SyncRunner(config: config, store: store, registry: try Registry.load(path: config.registryPath), logger: logger)
        let targets: [Municipality]
        do { targets = try runner.targets(municipalities) } catch {
            await runner.shutdown()
            await store.close()
            throw ValidationError("\(error)")
        }
        let asJSON = json
        let printer = ProgressPrinter(json: asJSON)
        let reports = await runner.run(
            targets, options: .init(since: since, includeFiles: !noFiles), parallel: parallel, progress: { printer.show($0) })
        await runner.shutdown()
        await store.close()
        printer.finish(reports)
        if reports.contains(where: { $0.fatal != nil || $0.meetingsFailed > 0 }) { throw ExitCode(1) }
    }
}

struct Sources: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the municipalities Klartekst knows, with portal and last sync.")
    @OptionGroup var common: CommonOptions
    @Flag(help: "As JSON.") var json = false

    func run() async throws {
        let (config, logger) = try await common.load()
        let registry = try Registry.load(path: config.registryPath)
        let store = try await App.openStore(config, logger: logger)
        let health = Dictionary(uniqueKeysWithValues: try await store.allHealth().map { ($0.municipality, $0) })
        await store.close()
        if json {
            struct Row: Encodable { var municipality: Municipality; var health: SourceHealth? }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let rows = registry.municipalities.map { Row(municipality: $0, health: health[$0.slug]) }
            print(String(decoding: try encoder.encode(rows), as: UTF8.self))
            return
        }
        for m in registry.municipalities {
            let h = health[m.slug]
            let last = h?.lastSuccess.map { "last sync \($0)" } ?? "never synced"
            let problem = h?.lastError.map { ", last error: \($0.prefix(80))" } ?? ""
            let portal = m.portalBaseURL ?? "-"
            let verified = m.hostVerified == true ? "" : (m.portalKind == "firstagenda" ? " (host unconfirmed)" : "")
            print("\(m.slug.padding(toLength: 20, withPad: " ", startingAt: 0)) \(m.portalKind.padding(toLength: 18, withPad: " ", startingAt: 0)) \(portal)\(verified) — \(last)\(problem)")
        }
        let fa = registry.municipalities.filter { $0.portalKind == "firstagenda" }.count
        print("\(registry.municipalities.count) municipalities, \(fa) on First Agenda")
    }
}

/// Prints sync progress for people (one line per change of phase, a summary) or as JSON lines.
final class ProgressPrinter: @unchecked Sendable {
    let json: Bool
    let lock = NSLock()
    var last: [String: (SyncProgress.Phase, Date)] = [:]

    init(json: Bool) { self.json = json }

    func show(_ p: SyncProgress) {
        lock.lock()
        defer { lock.unlock() }
        if json {
            if let data = try? JSONEncoder().encode(p) { print(String(decoding: data, as: UTF8.self)) }
            return
        }
        let now = Date()
        if let (phase, at) = last[p.municipality], phase == p.phase, now.timeIntervalSince(at) < 2, p.phase != .done { return }
        last[p.municipality] = (p.phase, now)
        switch p.phase {
        case .discovering: print("\(p.municipality): discovering committees and meetings…")
        case .meetings: print("\(p.municipality): meetings \(p.meetingsDone)/\(p.meetingsTotal)")
        case .files: print("\(p.municipality): files \(p.filesDone)/\(p.filesTotal), \(p.bytes / 1024) KB")
        case .done: print("\(p.municipality): done\(p.message.map { " (\($0))" } ?? "")")
        case .failed: print("\(p.municipality): FAILED — \(p.message ?? "")")
        }
    }

    func finish(_ reports: [SyncReport]) {
        for r in reports {
            if json {
                let summary: [String: Any] = [
                    "municipality": r.municipality, "discovered": r.discovered, "pending": r.pending, "meetingsStored": r.meetingsStored,
                    "meetingsUnchanged": r.meetingsUnchanged, "meetingsFailed": r.meetingsFailed, "itemsNew": r.itemsNew,
                    "itemsRevised": r.itemsRevised, "filesStored": r.filesStored, "filesFailed": r.filesFailed, "bytes": r.bytes,
                    "errors": r.errors, "fatal": r.fatal ?? NSNull(),
                ]
                if let data = try? JSONSerialization.data(withJSONObject: ["report": summary], options: [.sortedKeys]) {
                    print(String(decoding: data, as: UTF8.self))
                }
            } else {
                print("\(r.municipality): \(r.discovered) meetings listed, \(r.pending) new or changed; stored \(r.meetingsStored), unchanged \(r.meetingsUnchanged), failed \(r.meetingsFailed); items \(r.itemsNew) new, \(r.itemsRevised) revised; files \(r.filesStored) stored, \(r.filesFailed) failed; \(r.bytes / 1024) KB\(r.fatal.map { "; ERROR \($0)" } ?? "")")
                for e in r.errors.prefix(5) { print("    \(e)") }
            }
        }
    }
}

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The main job on the bundled real sample: import, extract attachment text, analyse (llm.backend), then serve.")
    @OptionGroup var common: CommonOptions
    @OptionGroup var serve: ServeOptions
    @OptionGroup var llm: LLMOptions
    @Option(help: "The sample directory.") var sample: String = "sample"

    func run() async throws {
        let (config, logger) = try await common.load(extra: serve.flags.merging(llm.flags) { a, _ in a })
        let metrics = App.bootstrapMetrics()
        let store = try await App.openStore(config, logger: logger)
        // 1. Import the recorded portal responses.
        let service = ImportService(store: store, registry: try Registry.bundled(), limitBytes: config.importLimitBytes, logger: logger)
        for r in await service.importPaths([sample]) {
            if let e = r.error { print("error \(e)") } else if let rep = r.report {
                print("imported \(rep.meetingKey): \(rep.itemsNew) new, \(rep.itemsRevised) revised, \(rep.itemsUnchanged) unchanged")
            }
        }
        // 2. Attachment text of every stored PDF (the bundled sample has none; `klartekst sync` fetches them).
        let extractor = PDFExtractor(scorer: DanishTextScorer(words: PDFExtractor.loadWords()))
        let extracted = await (try ExtractService(config: config, store: store, extractor: extractor, logger: logger)).run(municipality: nil, document: nil)
        print("extracted \(extracted.extracted) attachments (\(extracted.pages) pages), \(extracted.skipped) already done, \(extracted.failed) failed")
        // 3. Citizen analysis with the configured backend (the deterministic fallback unless told otherwise).
        let library = try PromptLibrary.load(directory: URL(fileURLWithPath: config.promptsPath))
        let factory = try await AnalysisBackendFactory.make(config: config, logger: logger)
        let stage = AnalyzeStage(
            store: store, library: library, backend: factory.backend, concurrency: config.llmConcurrency, autopublish: config.analysisAutopublish,
            contextTokens: config.llmContext, logger: logger)
        let report = try await stage.run()
        await factory.close()
        print("analysed with \(factory.label): \(report.analysed) new results (\(report.published) published, \(report.pendingReview) for review, \(report.failed) failed), \(report.skipped) unchanged")
        // 4. The search index (serve keeps it current afterwards).
        let indexed = await IndexStage(store: store, splitter: IndexStage.defaultSplitter(), logger: logger).run()
        print("search index: \(indexed.indexed) items indexed, \(indexed.failed) failed")
        // 5. Serve.
        print("Klartekst: http://\(config.host):\(config.port)/  (Ctrl-C stops)")
        // The demo shows the bundled sample; it does not reach out to the portals.
        try await App.serve(config: config, store: store, metrics: metrics, logger: logger, syncSchedule: .off)
    }
}

struct Doctor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Report what is installed and configured.")
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let (config, logger) = try await common.load()
        let checks = await KlartekstApp.Doctor.run(config: config, logger: logger)
        var failed = false
        for c in checks {
            let mark = c.ok ? "ok  " : (c.required ? "FAIL" : "--  ")
            print("\(mark) \(c.name): \(c.detail)")
            if !c.ok && c.required { failed = true }
        }
        if failed { throw ExitCode(1) }
    }
}

struct Config: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List every configuration key with its type, default and effective value.")
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let (config, _) = try await common.load()
        let effective: [String: String] = [
            "database.url": PostgresDatabase.redact(config.databaseURL), "http.host": config.host, "http.port": String(config.port),
            "log.level": config.logLevel.rawValue, "import.megabytes": String(config.importLimitBytes >> 20),
        ]
        print("Keys are read from flags, then KLARTEKST_<KEY> environment variables (e.g. KLARTEKST_HTTP_PORT), then the --config JSON file, then defaults.\n")
        for k in AppConfig.keys {
            print("\(k.key) (\(k.type), default \(k.defaultValue)) = \(effective[k.key] ?? "")\n    \(k.meaning)")
        }
    }
}
