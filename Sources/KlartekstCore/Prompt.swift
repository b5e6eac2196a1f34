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
    public var system: String
    public var user: String
    public var schemaTemplate: String

    public var id: String { "\(name)@v\(version)" }

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
        return Prompt(
            name: name, version: version, description: meta["description"] ?? "", inputs: inputs,
            attachmentBudget: Int(meta["attachments"] ?? "") ?? 0, maxTokens: Int(meta["max_tokens"] ?? "") ?? 800,
            checks: (meta["checks"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) },
            system: body("system"), user: body("user"), schemaTemplate: body("schema"))
    }

    /// Replaces `{{name}}` placeholders; unknown ones are left visible so a test can catch them.
    public static func fill(_ template: String, _ values: [String: String]) -> String {
        var out = template
        for (k, v) in values { out = out.replacingOccurrences(of: "{{\(k)}}", with: v) }
        return out
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
}
