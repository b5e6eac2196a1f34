import Foundation

/// A named, versioned prompt, kept as a file (`prompts/<name>/v<version>.md`): front matter,
/// then `## system`, `## user` and `## schema` sections. Pure: parsing and rendering only.
public struct Prompt: Sendable, Equatable {
    public var name: String
    public var version: Int
    public var description: String
    /// Section kinds fed to the model, in this order.
    public var inputs: [SectionKind]
    /// Characters of attachment text to include at most.
    public var attachmentBudget: Int
    public var maxTokens: Int
    public var checks: [String]
    /// How claims point at the source: `quotes` (the model copies a passage) or `sentences` (the
    /// source is sent with numbered sentences, the model cites a number, Klartekst inserts the
    /// sentence as the quote — small models cannot copy text exactly).
    public var evidence: Evidence = .quotes
    public var system: String
    public var user: String
    public var schemaTemplate: String

    public var id: String { "\(name)@v\(version)" }

    public enum Evidence: String, Sendable, Equatable { case quotes, sentences }

    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    public static func parse(_ text: String, file: String = "prompt") throws(ParseError) -> Prompt {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.first == "---", let end = lines.dropFirst().firstIndex(of: "---") else {
            throw ParseError(description: "\(file): missing front matter between --- lines")
        }
        var meta: [String: String] = [:]
        for line in lines[1..<end] {
            guard let colon = line.firstIndex(of: ":") else { continue }
            meta[line[..<colon].trimmingCharacters(in: .whitespaces)] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var sections: [String: [String]] = [:]
        var current: String?
        for line in lines[(end + 1)...] {
            if line.hasPrefix("## ") {
                current = String(line.dropFirst(3)).trimmingCharacters(in: .whitespaces).lowercased()
                sections[current!] = []
            } else if let c = current {
                sections[c, default: []].append(line)
            }
        }
        func body(_ k: String) -> String { (sections[k] ?? []).joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines) }
        guard let name = meta["name"], !name.isEmpty else { throw ParseError(description: "\(file): no name") }
        guard let version = meta["version"].flatMap(Int.init) else { throw ParseError(description: "\(file): no version number") }
        let inputs = try (meta["inputs"] ?? "").split(separator: ",").map { raw throws(ParseError) -> SectionKind in
            let k = raw.trimmingCharacters(in: .whitespaces)
            guard let kind = SectionKind(rawValue: k) else { throw ParseError(description: "\(file): unknown input section \"\(k)\"") }
            return kind
        }
        for required in ["system", "user", "schema"] where body(required).isEmpty {
            throw ParseError(description: "\(file): the ## \(required) section is missing")
        }
        guard let evidence = Evidence(rawValue: meta["evidence"] ?? "quotes") else {
            throw ParseError(description: "\(file): evidence must be quotes or sentences")
        }
        return Prompt(
            name: name, version: version, description: meta["description"] ?? "", inputs: inputs,
            attachmentBudget: Int(meta["attachments"] ?? "") ?? 0, maxTokens: Int(meta["max_tokens"] ?? "") ?? 800,
            checks: (meta["checks"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) },
            evidence: evidence, system: body("system"), user: body("user"), schemaTemplate: body("schema"))
    }

    /// Replaces `{{name}}` placeholders; unknown ones are left visible so a test can catch them.
    public static func fill(_ template: String, _ values: [String: String]) -> String {
        var out = template
        for (k, v) in values { out = out.replacingOccurrences(of: "{{\(k)}}", with: v) }
        return out
    }

    /// The text the model sees: the chosen sections in this prompt's order, then attachment text up to the budget.
    public func source(for input: AnalysisInput) -> String { renderSource(for: input).text }

    /// The source as sent: text (with `[n]` before each sentence for `evidence: sentences`) and the
    /// numbered sentences. At most `maxCharacters` (cut at a sentence; nil: no limit).
    public func renderSource(for input: AnalysisInput, maxCharacters: Int? = nil) -> SourceText {
        var blocks: [(heading: String, text: String)] = []
        for kind in inputs {
            for s in input.sections where s.kind == kind && !s.text.isEmpty {
                blocks.append((s.heading.isEmpty ? kind.danishLabel : s.heading, s.text))
            }
        }
        if attachmentBudget > 0 && !input.attachmentText.isEmpty {
            blocks.append(("Bilag (uddrag)", String(input.attachmentText.prefix(attachmentBudget))))
        }
        let limit = maxCharacters ?? Int.max
        var out = ""
        var sentences: [String] = []
        var truncated = false
        outer: for block in blocks {
            let head = (out.isEmpty ? "" : "\n\n") + "## \(block.heading)\n"
            guard out.count + head.count < limit else {
                truncated = true
                break
            }
            out += head
            switch evidence {
            case .quotes:
                var body = block.text
                if out.count + body.count > limit {
                    body = String(body.prefix(limit - out.count))
                    if let cut = body.lastIndex(where: { ".!?\n".contains($0) }) { body = String(body[...cut]) }
                    out += body
                    truncated = true
                    break outer
                }
                out += body
            case .sentences:
                var first = true
                for line in block.text.split(separator: "\n", omittingEmptySubsequences: true) {
                    for sentence in SourceText.sentences(String(line)) {
                        let numbered = "\(first ? "" : " ")[\(sentences.count + 1)] \(sentence)"
                        if out.count + numbered.count > limit {
                            truncated = true
                            break outer
                        }
                        sentences.append(sentence)
                        out += numbered
                        first = false
                    }
                    out += "\n"
                    first = true
                }
            }
        }
        return SourceText(text: out.trimmingCharacters(in: .whitespacesAndNewlines), sentences: sentences, truncated: truncated)
    }

    /// The JSON schema with the taxonomy enum filled in.
    public func schema(taxonomy: Taxonomy) throws -> [String: Any] {
        let labels = String(decoding: try JSONSerialization.data(withJSONObject: taxonomy.labels), as: UTF8.self)
        let text = schemaTemplate.replacingOccurrences(of: "\"{{taxonomy_enum}}\"", with: labels)
        guard let obj = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw ParseError(description: "\(id): the schema is not a JSON object")
        }
        return obj
    }
}

/// The fixed keyword taxonomy (`prompts/taxonomy.json`).
public struct Taxonomy: Sendable, Equatable, Codable {
    public struct Topic: Sendable, Equatable, Codable {
        public var label: String
        public var stems: [String]
    }
    public var topics: [Topic]
    public var labels: [String] { topics.map(\.label) }

    public static func load(_ data: Data) throws -> Taxonomy { try JSONDecoder().decode(Taxonomy.self, from: data) }

    /// Labels whose stems occur in the text, most mentions first (for the deterministic fallback).
    public func suggest(_ text: String, limit: Int = 3) -> [String] {
        let lower = text.lowercased()
        let scored = topics.map { t in (t.label, t.stems.reduce(0) { $0 + lower.components(separatedBy: $1).count - 1 }) }
            .filter { $0.1 > 0 }
        return scored.sorted { $0.1 > $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }.prefix(limit).map(\.0)
    }
}

/// A followed topic (`prompts/topics.json`).
public struct Topic: Sendable, Equatable, Codable {
    public var slug: String
    public var name: String
    public var description: String
    public var examples: [String]
    /// Word beginnings the deterministic fallback and the search use (default: the examples).
    public var stems: [String]?

    public init(slug: String, name: String, description: String, examples: [String], stems: [String]? = nil) {
        self.slug = slug
        self.name = name
        self.description = description
        self.examples = examples
        self.stems = stems
    }
}

/// The source text sent to a model, and its numbered sentences (for `evidence: sentences`).
public struct SourceText: Sendable, Equatable {
    public var text: String
    public var sentences: [String]
    /// Part of the item was left out to fit the model's context.
    public var truncated: Bool

    /// Splits a line into sentences with the shared Danish text layer (not at "kr." or "f.eks.",
    /// inside "633.590" or after "1." before a month).
    public static func sentences(_ line: String) -> [String] { DanishText.sentences(line) }

    /// Replaces `"kilde": n` in the claims of a model's JSON answer by `"quote": "<sentence n>"`.
    /// - Returns: the rewritten JSON, and problems for numbers that name no sentence.
    public func resolveCitations(_ json: String) -> (String, [String]) {
        guard var obj = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] else { return (json, []) }
        var problems: [String] = []
        func resolve(_ claim: [String: Any]) -> [String: Any] {
            var c = claim
            guard let n = c["kilde"] as? Int ?? (c["kilde"] as? String).flatMap({ Int($0.trimmingCharacters(in: CharacterSet(charactersIn: "[] "))) }) else {
                return c
            }
            c["kilde"] = nil
            if n >= 1 && n <= sentences.count {
                c["quote"] = sentences[n - 1]
            } else {
                problems.append("source sentence [\(n)] does not exist (the source has \(sentences.count))")
                c["quote"] = "[\(n)]"
            }
            return c
        }
        for key in ["summary", "pros", "cons"] {
            if let list = obj[key] as? [[String: Any]] { obj[key] = list.map(resolve) }
        }
        if obj["kilde"] != nil { obj = resolve(obj) }
        guard let data = try? JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]) else { return (json, problems) }
        return (String(decoding: data, as: UTF8.self), problems)
    }
}
