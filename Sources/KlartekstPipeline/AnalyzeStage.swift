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
    let logger: Logger

    public init(store: any AnalysisStore, library: PromptLibrary, backend: Backend, concurrency: Int = 1, autopublish: Bool = true, logger: Logger) {
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
            for _ in 0..<concurrency where next() {}
            while let r = try await group.next() {
                report.merge(r)
                _ = next()
            }
        }
        let elapsed = clock.now - started
        report.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return report
    }

    /// The text the model sees: the chosen sections in the prompt's order, then attachment text up to the budget.
    public static func source(for input: AnalysisInput, prompt: Prompt) -> String {
        var parts: [String] = []
        for kind in prompt.inputs {
            for s in input.sections where s.kind == kind && !s.text.isEmpty {
                parts.append("## \(s.heading.isEmpty ? kind.danishLabel : s.heading)\n\(s.text)")
            }
        }
        if prompt.attachmentBudget > 0 && !input.attachmentText.isEmpty {
            parts.append("## Bilag (uddrag)\n" + String(input.attachmentText.prefix(prompt.attachmentBudget)))
        }
        return parts.joined(separator: "\n\n")
    }

    func analyse(_ job: Job) async throws -> Report {
        var report = Report()
        let input = job.input
        let prompt = job.prompt
        let source = Self.source(for: input, prompt: prompt)
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
            guard prompt.name == "summary" else {
                report.notApplicable += 1
                return report
            }
            let s = DeterministicSummary.analyse(item: input.title, sections: input.sections, municipality: input.municipalityName, taxonomy: library.taxonomy)
            result = Self.encode(s)
            problems = validator.check(s)
        case .model(let model):
            let values = [
                "municipality": input.municipalityName, "committee": input.committee, "title": input.title, "source": source,
                "taxonomy": library.taxonomy.labels.joined(separator: ", "), "topic_name": job.topic?.name ?? "",
                "topic_description": job.topic?.description ?? "", "topic_examples": job.topic?.examples.joined(separator: ", ") ?? "",
            ]
            let system = Prompt.fill(prompt.system, values)
            var user = Prompt.fill(prompt.user, values)
            let schema = try prompt.schema(taxonomy: library.taxonomy)
            for attempt in 1...2 {
                report.modelCalls += 1
                let answer: ModelAnswer
                do {
                    answer = try await model.complete(system: system, user: user, schema: schema, schemaName: prompt.name, maxTokens: prompt.maxTokens)
                } catch {
                    problems = ["the model failed: \(error)"]
                    break
                }
                tokensIn += answer.promptTokens
                tokensOut += answer.completionTokens
                (result, problems) = check(answer.content, prompt: prompt, validator: validator)
                if problems.isEmpty || attempt == 2 { break }
                user += "\n\nDit forrige svar blev afvist, fordi: " + problems.joined(separator: "; ") + ". Svar igen efter reglerne, kun med JSON."
            }
        }
        let elapsed = clock.now - started
        let status: StoredAnalysis.Status
        if case .deterministic = backend {
            status = problems.isEmpty && autopublish ? .published : .pendingReview
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
