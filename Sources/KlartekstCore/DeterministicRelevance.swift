import Foundation

/// Topic relevance without a model: an item is relevant when a topic's word stems occur in its
/// title, summary, recommendation, decision or case text (never only in attachments, which
/// mention much in passing). The quote is the sentence with the first match. Pure.
public enum DeterministicRelevance {
    public static let model = "deterministic-v1"

    public static func judge(topic: Topic, title: String, sections: [Section]) -> Relevance {
        let stems = topic.matchStems
        let texts: [String] = [title] + sections.filter { [.summary, .recommendation, .decision, .caseText].contains($0.kind) }.map(\.text)
        for text in texts {
            for sentence in DeterministicSummary.sentences(text) {
                let lower = sentence.lowercased()
                if let hit = stems.first(where: { lower.contains($0) }) {
                    let quote = sentence.count >= 8 ? sentence : text
                    return Relevance(relevant: true, reason: "Punktet nævner «\(hit)», som hører under emnet \(topic.name.lowercased()).", quote: String(quote.prefix(400)))
                }
            }
        }
        let fallbackQuote = texts.dropFirst().lazy.flatMap { DeterministicSummary.sentences($0) }.first { $0.count >= 20 } ?? title
        return Relevance(relevant: false, reason: "Punktet nævner ikke emnet \(topic.name.lowercased()).", quote: String(fallbackQuote.prefix(400)))
    }
}

extension Topic {
    /// Lower-case word beginnings that signal the topic: `stems`, else the examples.
    public var matchStems: [String] {
        (stems ?? examples).map { $0.lowercased() }
    }
}
