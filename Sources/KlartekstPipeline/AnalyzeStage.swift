import Foundation
import KlartekstCore
import Logging
import Metrics

/// The prompts, taxonomy and topics Klartekst analyses with (from the `prompts/` folder).
public struct PromptLibrary: Sendable {
    public var prompts: [Prompt]
    public var taxonomy: Taxonomy
    public var topics: [Topic]

    public init(prompts: [Prompt], taxonomy: Taxonomy, topics: [Topic]) {
        self.prompts = prompts
        self.taxonomy = taxonomy
        self.topics = topics
    }

    /// Reads `prompts/<name>/v<n>.md`, `prompts/taxonomy.json` and `prompts/topics.json`.
    public static func load(directory: URL) throws -> PromptLibrary {
        guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("taxonomy.json").path) else {
            throw PromptLibraryError(description: "no prompt library at \(directory.path): it needs taxonomy.json, topics.json and <name>/v<n>.md files (setting prompts.path)")
        }
        do {
            return try loadChecked(directory: directory)
        } catch let e as Prompt.ParseError {
            throw PromptLibraryError(description: "prompt library \(directory.path): \(e.description)")
        } catch let e as DecodingError {
            throw PromptLibraryError(description: "prompt library \(directory.path): taxonomy.json or topics.json has the wrong shape (\(e))")
        } catch {
            throw PromptLibraryError(description: "prompt library \(directory.path): \(error.localizedDescription)")
        }
    }

    static func loadChecked(directory: URL) throws -> PromptLibrary {
        var prompts: [Prompt] = []
        let fm = FileManager.default
        for name in try fm.contentsOfDirectory(atPath: directory.path).sorted() {
            let dir = directory.appendingPathComponent(name)
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: dir.path, isDirectory: &isDir), isDir.boolValue else { continue }
            for file in try fm.contentsOfDirectory(atPath: dir.path).sorted() where file.hasSuffix(".md") {
                prompts.append(try Prompt.parse(String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8), file: "\(name)/\(file)"))
            }
        }
        struct Topics: Decodable { var topics: [Topic] }
        return PromptLibrary(
            prompts: prompts, taxonomy: try Taxonomy.load(Data(contentsOf: directory.appendingPathComponent("taxonomy.json"))),
            topics: try JSONDecoder().decode(Topics.self, from: Data(contentsOf: directory.appendingPathComponent("topics.json"))).topics)
    }

    /// `summary@v1`, `summary` (newest version) …
    public func prompt(_ spec: String) -> Prompt? {
        let parts = spec.split(separator: "@")
        let name = String(parts[0])
        let candidates = prompts.filter { $0.name == name }
        if parts.count == 2, let v = Int(parts[1].drop(while: { $0 == "v" })) { return candidates.first { $0.version == v } }
        return candidates.max { $0.version < $1.version }
    }
}

/// Runs named, versioned prompts over every public, non-procedural item: one result per item,
/// prompt version, topic, model and input hash (unchanged input → no model call). Every result is
/// checked (schema, quotes found in the source, numbers, LIX, question form, taxonomy); a failing
/// one is retried once with the failure stated, then stored as failed — never published as checked.
public struct AnalyzeStage: Sendable {
    public enum Backend: Sendable {
        case model(any LanguageModel)
        /// No model: question from the recommendation, summary from the theme section.
        case deterministic
    }

    public struct Report: Sendable, Equatable {
        public var analysed = 0
        public var skipped = 0
        public var notApplicable = 0
        public var published = 0
        public var pendingReview = 0
        public var failed = 0
        public var modelCalls = 0
        public var promptTokens = 0
        public var completionTokens = 0
        public var seconds = 0.0
        public var problems: [String] = []
        public init() {}
    }

    let store: any AnalysisStore
    let library: PromptLibrary
    let backend: Backend
    let concurrency: Int
    let autopublish: Bool
    /// The model's context window in tokens: the source is cut to fit it (nil: never cut).
    let contextTokens: Int?
    let logger: Logger

    public init(
        store: any AnalysisStore, library: PromptLibrary, backend: Backend, concurrency: Int = 1, autopublish: Bool = true, contextTokens: Int? = nil,
        logger: Logger
    ) {
        self.contextTokens = contextTokens
        self.store = store
        self.library = library
        self.backend = backend
        self.concurrency = max(1, concurrency)
        self.autopublish = autopublish
        self.logger = logger
    }

    var modelID: String {
        switch backend {
        case .model(let m): m.modelID
        case .deterministic: DeterministicSummary.model
        }
    }

    var backendID: String {
        switch backend {
        case .model(let m): m.backendID
        case .deterministic: "deterministic"
        }
    }

    struct Job: Sendable {
        var input: AnalysisInput
        var prompt: Prompt
        var topic: Topic?
    }

    public func run(municipality: String? = nil, itemKey: String? = nil, prompts specs: [String] = ["summary", "relevance"]) async throws -> Report {
        var report = Report()
        let prompts = specs.compactMap { library.prompt($0) }
        guard prompts.count == specs.count else {
            throw PromptLibraryError(description: "unknown prompt in \(specs.joined(separator: ", ")); known: \(library.prompts.map(\.id).joined(separator: ", "))")
        }
        var jobs: [Job] = []
        for input in try await store.analysisInputs(municipality: municipality, itemKey: itemKey) {
            guard input.status == .public else {
                report.notApplicable += 1
                continue
            }
            for p in prompts {
                if p.name == "relevance" {
                    for t in library.topics { jobs.append(Job(input: input, prompt: p, topic: t)) }
                } else {
                    jobs.append(Job(input: input, prompt: p, topic: nil))
                }
            }
        }
        let clock = ContinuousClock()
        let started = clock.now
        try await withThrowingTaskGroup(of: Report.self) { group in
            var iterator = jobs.makeIterator()
            func next() -> Bool {
                guard let job = iterator.next() else { return false }
                group.addTask { try await self.analyse(job) }
                return true
            }
            // With a model, run twice as many jobs as the backend takes at once: the model client
            // caps requests in flight, so while one job reads or writes the store, another already
            // waits for the freed slot and the backend never idles.
            let width: Int
            if case .model = backend { width = concurrency * 2 } else { width = concurrency }
            for _ in 0..<width where next() {}
            while let r = try await group.next() {
                report.merge(r)
                _ = next()
            }
        }
        let elapsed = clock.now - started
        report.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return report
    }

    /// Checks an operator's edit of a stored result with the same checks a model's answer gets.
    /// - Returns: the result re-encoded, and the problems (empty: it may be published).
    public func checkEdit(_ json: String, of analysis: StoredAnalysis) async throws -> (String, [String]) {
        guard let prompt = library.prompt(analysis.promptID) else { return (json, ["unknown prompt \(analysis.promptID)"]) }
        guard let input = try await store.analysisInputs(municipality: nil, itemKey: analysis.itemKey).first else {
            return (json, ["the item no longer exists"])
        }
        let validator = AnalysisValidator(
            municipalityName: input.municipalityName, source: prompt.source(for: input) + "\n" + input.title, taxonomy: library.taxonomy)
        return check(json, prompt: prompt, validator: validator)
    }

    func analyse(_ job: Job) async throws -> Report {
        var report = Report()
        let input = job.input
        let prompt = job.prompt
        var values = [
            "municipality": input.municipalityName, "committee": input.committee, "title": input.title, "source": "",
            "taxonomy": library.taxonomy.labels.joined(separator: ", "), "topic_name": job.topic?.name ?? "",
            "topic_description": job.topic?.description ?? "", "topic_examples": job.topic?.examples.joined(separator: ", ") ?? "",
        ]
        // Fit the context: about 2.5 characters of Danish per token (numbered sentences cost more
        // than plain text), after the answer and the templates. A server that still says the
        // context is exceeded gets a shorter source (below).
        var budget: Int?
        if case .model = backend, let contextTokens {
            let templates = Prompt.fill(prompt.system, values).count + Prompt.fill(prompt.user, values).count
            let room: Int = (contextTokens - prompt.maxTokens) * 5 / 2
            budget = max(1500, room - templates - 300)
        }
        let rendered = prompt.renderSource(for: input, maxCharacters: budget)
        let source = rendered.text
        values["source"] = source
        let topicSlug = job.topic?.slug ?? ""
        let hash = ContentHash.sha256(fields: [prompt.id, input.municipalityName, input.title, topicSlug, source])
        if try await store.hasAnalysis(itemKey: input.itemKey, prompt: prompt.name, version: prompt.version, topic: topicSlug, model: modelID, inputHash: hash) {
            report.skipped += 1
            return report
        }
        let validator = AnalysisValidator(municipalityName: input.municipalityName, source: source + "\n" + input.title, taxonomy: library.taxonomy)
        let clock = ContinuousClock()
        let started = clock.now
        var result = ""
        var problems: [String] = []
        var tokensIn = 0
        var tokensOut = 0
        switch backend {
        case .deterministic:
            if let topic = job.topic {
                let r = DeterministicRelevance.judge(topic: topic, title: input.title, sections: input.sections)
                result = Self.encode(r)
                problems = validator.check(r)
            } else {
                let s = DeterministicSummary.analyse(item: input.title, sections: input.sections, municipality: input.municipalityName, taxonomy: library.taxonomy)
                result = Self.encode(s)
                problems = validator.check(s)
            }
        case .model(let model):
            var current = rendered
            var checker = validator
            var system = Prompt.fill(prompt.system, values)
            var user = Prompt.fill(prompt.user, values)
            let schema = try prompt.schema(taxonomy: library.taxonomy)
            var attempt = 0
            var shrinks = 0
            while attempt < 2 {
                attempt += 1
                report.modelCalls += 1
                let answer: ModelAnswer
                do {
                    answer = try await model.complete(system: system, user: user, schema: schema, schemaName: prompt.name, maxTokens: prompt.maxTokens)
                } catch {
                    // The tokenizer counts more than estimated: send 60 % of the source, at most twice.
                    let text: String = "\(error)"
                    let exceeded: Bool = ["context_length", "maximum context", "context length"].contains { text.contains($0) }
                    if shrinks < 2 && exceeded {
                        shrinks += 1
                        attempt -= 1
                        let shorter: Int = current.text.count * 3 / 5
                        current = prompt.renderSource(for: input, maxCharacters: max(800, shorter))
                        values["source"] = current.text
                        system = Prompt.fill(prompt.system, values)
                        user = Prompt.fill(prompt.user, values)
                        checker = AnalysisValidator(municipalityName: input.municipalityName, source: current.text + "\n" + input.title, taxonomy: library.taxonomy)
                        logger.notice("source shortened to fit the model's context", metadata: ["item.id": "\(input.itemKey)", "characters": "\(current.text.count)"])
                        continue
                    }
                    // No endpoint could answer: the job is retried later, nothing is stored.
                    if error is ModelUnavailable { throw error }
                    problems = ["the model failed: \(error)"]
                    break
                }
                tokensIn += answer.promptTokens
                tokensOut += answer.completionTokens
                var content = answer.content
                var citationProblems: [String] = []
                if prompt.evidence == .sentences {
                    (content, citationProblems) = current.resolveCitations(JSONRepairLite.escapeControlCharacters(content))
                }
                (result, problems) = check(content, prompt: prompt, validator: checker)
                problems = citationProblems + problems
                if problems.isEmpty || attempt == 2 { break }
                user += "\n\nDit forrige svar blev afvist, fordi: " + problems.joined(separator: "; ") + ". Svar igen efter reglerne, kun med JSON."
            }
        }
        let elapsed = clock.now - started
        let status: StoredAnalysis.Status
        if case .deterministic = backend {
            // The fallback quotes the municipality's own text, so hard Danish is the source's, not
            // an invented simplification: it is shown with its LIX, marked as not checked.
            let onlyReadability = problems.allSatisfy { $0.hasPrefix("summary LIX") }
            status = onlyReadability && autopublish ? .published : .pendingReview
        } else {
            status = problems.isEmpty ? (autopublish ? .published : .pendingReview) : .failed
        }
        try await store.saveAnalysis(StoredAnalysis(
            itemKey: input.itemKey, prompt: prompt.name, promptVersion: prompt.version, topic: topicSlug, model: modelID, backend: backendID,
            inputHash: hash, status: status, result: result, problems: problems, promptTokens: tokensIn, completionTokens: tokensOut,
            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18))
        report.analysed += 1
        report.promptTokens += tokensIn
        report.completionTokens += tokensOut
        switch status {
        case .published: report.published += 1
        case .pendingReview: report.pendingReview += 1
        case .failed, .rejected:
            report.failed += 1
            report.problems.append("\(input.itemKey) \(prompt.id)\(topicSlug.isEmpty ? "" : " [\(topicSlug)]"): \(problems.joined(separator: "; "))")
        }
        Counter(label: "klartekst_analysis_total", dimensions: [("prompt", prompt.id), ("status", status.rawValue)]).increment()
        return report
    }

    /// Parses and checks a model answer.
    func check(_ content: String, prompt: Prompt, validator: AnalysisValidator) -> (String, [String]) {
        let repaired = JSONRepairLite.escapeControlCharacters(content)
        let data = Data(repaired.utf8)
        if prompt.name == "relevance" {
            guard let r = try? JSONDecoder().decode(Relevance.self, from: data) else {
                return (content, ["the answer is not valid JSON of the schema"])
            }
            return (Self.encode(r), validator.check(r))
        }
        guard let s = try? JSONDecoder().decode(CitizenSummary.self, from: data) else {
            return (content, ["the answer is not valid JSON of the schema"])
        }
        return (Self.encode(s), validator.check(s))
    }

    static func encode(_ v: some Encodable) -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return (try? e.encode(v)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

public struct PromptLibraryError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

extension AnalyzeStage.Report {
    mutating func merge(_ o: Self) {
        analysed += o.analysed
        skipped += o.skipped
        notApplicable += o.notApplicable
        published += o.published
        pendingReview += o.pendingReview
        failed += o.failed
        modelCalls += o.modelCalls
        promptTokens += o.promptTokens
        completionTokens += o.completionTokens
        problems += o.problems
    }
}

/// Escapes raw control characters inside JSON strings (small models emit raw newlines).
enum JSONRepairLite {
    static func escapeControlCharacters(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        var inString = false
        var escaped = false
        for u in s.unicodeScalars {
            if inString {
                if escaped {
                    escaped = false
                } else if u == "\\" {
                    escaped = true
                } else if u == "\"" {
                    inString = false
                } else if u.value < 0x20 {
                    out.append(contentsOf: (u == "\n" ? "\\n" : u == "\t" ? "\\t" : " ").unicodeScalars)
                    continue
                }
            } else if u == "\"" {
                inString = true
            }
            out.append(u)
        }
        return String(out)
    }
}
