import ArgumentParser
import AsyncHTTPClient
import Foundation
import KlartekstApp
import KlartekstCore
import KlartekstExtraction
import KlartekstLLM
import KlartekstPipeline
import KlartekstStore

struct Analyze: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the versioned prompts (prompts/) over public items: citizen summary and topic relevance, every result checked.")
    @OptionGroup var common: CommonOptions
    @OptionGroup var llm: LLMOptions
    @Option(name: .customLong("municipality")) var municipality: String?
    @Option(help: "One item's identity key.") var item: String?
    @Option(help: "Prompts, e.g. summary@v1 (repeatable).") var prompt: [String] = ["summary", "relevance"]
    @Flag(help: "Hold checked results for operator review instead of publishing them (key analysis.autopublish).") var review = false

    func run() async throws {
        let (config, logger) = try await common.load(extra: llm.flags)
        let library = try PromptLibrary.load(directory: URL(fileURLWithPath: config.promptsPath))
        let store = try await App.openStore(config, logger: logger)
        let factory: AnalysisBackendFactory
        do { factory = try await AnalysisBackendFactory.make(config: config, logger: logger) } catch {
            await store.close()
            throw error
        }
        let stage = AnalyzeStage(
            store: store, library: library, backend: factory.backend, concurrency: config.llmConcurrency,
            autopublish: config.analysisAutopublish && !review, contextTokens: config.llmContext, logger: logger)
        let report = try await closing(factory, store) {
            try await stage.run(municipality: municipality.map(Slug.make), itemKey: item, prompts: prompt)
        }
        print("\(factory.label): \(report.analysed) analysed (\(report.published) published, \(report.pendingReview) for review, \(report.failed) failed), \(report.skipped) unchanged, \(report.notApplicable) procedural/closed; \(report.modelCalls) model calls, \(report.promptTokens)+\(report.completionTokens) tokens, \(String(format: "%.1f", report.seconds)) s")
        for p in report.problems.prefix(10) { print("    \(p)") }
    }
}

/// Options naming the analysis backend.
struct LLMOptions: ParsableArguments {
    @Option(help: "deterministic (no model), embedded (the local model), or the base URL of an OpenAI-compatible server (key llm.backend).")
    var backend: String?
    @Option(help: "Model name sent to the server (key llm.model).") var model: String?
    @Option(help: "Requests in flight to the backend (key llm.concurrency).") var concurrency: Int?

    var flags: [String: String] {
        var f: [String: String] = [:]
        if let backend { f["llm.backend"] = backend }
        if let model { f["llm.model"] = model }
        if let concurrency { f["llm.concurrency"] = String(concurrency) }
        return f
    }
}

struct Eval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure Klartekst on labelled data: prompts (the default) or the reading of agendas (structure).",
        subcommands: [EvalPrompts.self, EvalStructure.self], defaultSubcommand: EvalPrompts.self)
}

struct EvalStructure: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "structure",
        abstract: "Score the reading of agendas on the labelled corpus: headings, decision outcomes, case history steps, document kind and words kept, per municipality and for the dev and holdout parts.")
    @Option(help: "The corpus folder (evals/corpus/README.md describes it).") var corpus: String = "evals/corpus"
    @Flag(help: "List every miss.") var misses = false

    func run() throws {
        let docs: [StructureCorpus.Document]
        do {
            docs = try StructureEval.loadAll(root: URL(fileURLWithPath: corpus))
        } catch {
            throw CommandFailure("cannot read the corpus \(corpus): \(error)")
        }
        let labelled = docs.filter { $0.labels != nil }
        guard !labelled.isEmpty else { throw CommandFailure("no labelled documents in \(corpus)") }
        let report = StructureEval.run(labelled)
        print("corpus \(corpus): \(labelled.count) documents, \(labelled.reduce(0) { $0 + $1.meeting.items.count }) items, \(report.municipalities.count) municipalities")
        for f in report.municipalities { print(f.line) }
        print(report.dev.line)
        print(report.holdout.line)
        if misses {
            for f in report.municipalities where !f.misses.isEmpty {
                print("\n\(f.municipality):")
                for m in f.misses { print("  \(m)") }
            }
        }
    }
}

struct EvalPrompts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prompts",
        abstract: "Score prompt versions on a labelled set: valid %, grounded %, LIX, keyword and relevance precision, procedural detection, time and tokens.")
    @OptionGroup var llm: LLMOptions
    @Option(help: "The summary prompt to score.") var prompt: String = "summary"
    @Option(help: "A second summary prompt version, scored side by side.") var vs: String?
    @Option(help: "The relevance prompt.") var relevance: String = "relevance"
    @Option(help: "The relevance prompt paired with --vs (default: --relevance).") var vsRelevance: String?
    @Option(help: "The labelled set.") var set: String = "evals/fixtures-v1.json"
    @Option(help: "The sample imported into a throw-away database.") var sample: String = "sample"
    @Option(help: "Analyse only the first N labelled items (slow backends).") var limit: Int?
    @Option(help: "A JSON configuration file.") var config: String?
    @Flag(help: "Print the figures as JSON.") var json = false

    func run() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("klartekst-eval-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var flags = llm.flags
        flags["database.url"] = "sqlite:" + dir.appendingPathComponent("eval.sqlite").path
        let common = try CommonOptions.parse(config.map { ["--config", $0] } ?? [])
        let (cfg, logger) = try await common.load(extra: flags)
        let labelled: EvalSet
        do {
            labelled = try EvalSet.load(Data(contentsOf: URL(fileURLWithPath: set)))
        } catch let e as DecodingError {
            throw CommandFailure("\(set) is not a labelled set (name, about, items[municipality, number, title, status, relevant, keywords]): \(e)")
        } catch {
            throw CommandFailure("cannot read the labelled set \(set): \(error.localizedDescription)")
        }
        let library = try PromptLibrary.load(directory: URL(fileURLWithPath: cfg.promptsPath))
        let store = try await App.openStore(cfg, logger: logger)
        let importer = ImportService(store: store, registry: try Registry.bundled(), limitBytes: cfg.importLimitBytes, logger: logger)
        for r in await importer.importPaths([sample]) where r.error != nil { print("import error: \(r.error ?? "")") }
        let factory = try await AnalysisBackendFactory.make(config: cfg, logger: logger)
        let columns = try await closing(factory, store) {
            var columns: [(String, EvalFigures, AnalyzeStage.Report)] = []
            for (spec, relevance) in [(prompt, relevance)] + (vs.map { [($0, vsRelevance ?? relevance)] } ?? []) {
                let runner = EvalRunner(
                    store: store, library: library, backend: factory.backend, concurrency: cfg.llmConcurrency, contextTokens: cfg.llmContext, logger: logger)
                let (figures, report) = try await runner.run(set: labelled, summary: spec, relevance: relevance, limit: limit)
                columns.append(("\(library.prompt(spec)?.id ?? spec)+\(library.prompt(relevance)?.version ?? 0)", figures, report))
            }
            return columns
        }
        if json {
            let e = JSONEncoder()
            e.outputFormatting = [.prettyPrinted, .sortedKeys]
            let obj = Dictionary(uniqueKeysWithValues: columns.map { ($0.0, $0.1) })
            print(String(decoding: try e.encode(obj), as: UTF8.self))
            return
        }
        print("set \(labelled.name) (\(labelled.items.count) items\(limit.map { ", first \($0)" } ?? "")), backend \(factory.label), relevance \(relevance)")
        print(EvalTable.render(columns.map { ($0.0, $0.1) }))
        for c in columns {
            for p in c.2.problems.prefix(8) { print("  \(c.0): \(p)") }
        }
    }
}

enum EvalTable {
    static func render(_ columns: [(String, EvalFigures)]) -> String {
        func f(_ x: Double?, _ unit: String = "%") -> String { x.map { String(format: "%.1f", $0) + unit } ?? "–" }
        let rows: [(String, (EvalFigures) -> String)] = [
            ("items (analysed)", { "\($0.items) (\($0.analysed))" }),
            ("valid", { f($0.validPercent) }),
            ("grounded", { f($0.groundedPercent) }),
            ("passed every check", { f($0.passedPercent) }),
            ("LIX median", { f($0.lixMedian, "") }),
            ("keyword precision", { f($0.keywordPrecision) }),
            ("keyword recall", { f($0.keywordRecall) }),
            ("relevance precision", { f($0.relevancePrecision) }),
            ("relevance recall", { f($0.relevanceRecall) }),
            ("relevance accuracy", { f($0.relevanceAccuracy) }),
            ("procedural/closed detection", { f($0.statusAccuracy) }),
            ("questions on non-public items", { "\($0.questionsOnNonPublic)" }),
            ("seconds per item", { f($0.secondsPerItem, " s") }),
            ("tokens per item", { String(format: "%.0f", $0.tokensPerItem) }),
        ]
        var out = "measure".padding(toLength: 32, withPad: " ", startingAt: 0) + columns.map { $0.0.padding(toLength: 16, withPad: " ", startingAt: 0) }.joined()
        for (name, value) in rows {
            out += "\n" + name.padding(toLength: 32, withPad: " ", startingAt: 0)
                + columns.map { value($0.1).padding(toLength: 16, withPad: " ", startingAt: 0) }.joined()
        }
        return out
    }
}

/// Runs `body`, then closes the backend (stopping an embedded server) and the store, also on error.
func closing<T>(_ factory: AnalysisBackendFactory, _ store: SQLStore, _ body: () async throws -> T) async throws -> T {
    do {
        let value = try await body()
        await factory.close()
        await store.close()
        return value
    } catch {
        await factory.close()
        await store.close()
        throw error
    }
}

struct Index: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Update the search index: every item whose text, analyses or attachment text changed since it was indexed (serve does this every search.index_seconds).")
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let (config, logger) = try await common.load()
        let store = try await App.openStore(config, logger: logger)
        let started = ContinuousClock.now
        let report = await IndexStage(store: store, splitter: IndexStage.defaultSplitter(), logger: logger).run()
        let total = (try? await store.searchCount()) ?? 0
        await store.close()
        for e in report.errors.prefix(10) { print("error \(e)") }
        print("search index: \(report.indexed) indexed, \(report.failed) failed, \(total) items in the index (\(ContinuousClock.now - started))")
        if report.failed > 0 { throw ExitCode(1) }
    }
}

struct Notify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send due alerts: a digest of new matching items per confirmed subscription, by e-mail (smtp.url) or webhook (serve does this every alerts.interval_seconds).")
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let (config, logger) = try await common.load()
        let store = try await App.openStore(config, logger: logger)
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
        guard let stage = try await Alerts.stage(config, store: store, http: http, logger: logger) else {
            await store.close()
            try? await http.shutdown()
            print("alerts are off: set smtp.url (e.g. KLARTEKST_SMTP_URL=smtp://localhost:25)")
            throw ExitCode(1)
        }
        let r = await stage.run()
        await store.close()
        try? await http.shutdown()
        for e in r.errors.prefix(10) { print("error \(e)") }
        print("alerts: \(r.digests) new digests, \(r.sent) sent, \(r.failed) failed, \(r.disabled) channels disabled")
    }
}
