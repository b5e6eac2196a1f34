import Foundation

/// One statement of an analysis and the quote from the source it rests on.
public struct Claim: Sendable, Equatable, Codable {
    public var text: String
    public var quote: String
    public init(text: String, quote: String) {
        self.text = text
        self.quote = quote
    }
}

/// The citizen summary of an item (prompt "summary").
public struct CitizenSummary: Sendable, Equatable, Codable {
    public var question: String?
    public var summary: [Claim]
    public var pros: [Claim]
    public var cons: [Claim]
    public var keywords: [String]
    /// Pros and cons were not generated (the deterministic fallback leaves them out).
    public var argumentsGenerated: Bool

    public init(question: String?, summary: [Claim], pros: [Claim], cons: [Claim], keywords: [String], argumentsGenerated: Bool = true) {
        self.question = question
        self.summary = summary
        self.pros = pros
        self.cons = cons
        self.keywords = keywords
        self.argumentsGenerated = argumentsGenerated
    }

    enum CodingKeys: String, CodingKey { case question, summary, pros, cons, keywords, argumentsGenerated }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        question = try c.decodeIfPresent(String.self, forKey: .question)
        summary = try c.decode([Claim].self, forKey: .summary)
        pros = try c.decodeIfPresent([Claim].self, forKey: .pros) ?? []
        cons = try c.decodeIfPresent([Claim].self, forKey: .cons) ?? []
        keywords = try c.decode([String].self, forKey: .keywords)
        argumentsGenerated = try c.decodeIfPresent(Bool.self, forKey: .argumentsGenerated) ?? true
    }

    public var summaryText: String { summary.map(\.text).joined(separator: " ") }
}

/// Relevance of an item to one topic (prompt "relevance").
public struct Relevance: Sendable, Equatable, Codable {
    public var relevant: Bool
    public var reason: String
    public var quote: String
    public init(relevant: Bool, reason: String, quote: String) {
        self.relevant = relevant
        self.reason = reason
        self.quote = quote
    }
}

/// The LIX readability index: words/sentences + 100 × long words (7+ letters)/words.
/// Below 25 very easy, 25–35 easy, 35–45 medium, 45–55 hard, above 55 very hard.
public enum LIX {
    public static func compute(_ text: String) -> Double {
        let words = DanishText.words(text).filter { $0.contains(where: \.isLetter) }
        guard !words.isEmpty else { return 0 }
        // Sentences by the shared text layer: "kr." and "bl.a." end none; a colon ending a line does.
        let sentences = max(1, DanishText.sentences(text).filter { $0.contains(where: \.isLetter) }.count)
        let long = words.filter { $0.filter(\.isLetter).count > 6 }.count
        return Double(words.count) / Double(sentences) + 100 * Double(long) / Double(words.count)
    }

    public static func danishLabel(_ lix: Double) -> String {
        switch lix {
        case ..<25: "meget let"
        case ..<35: "let"
        case ..<45: "middel"
        case ..<55: "svær"
        default: "meget svær"
        }
    }
}
