import Foundation

/// What the item page and the API show of an item's analyses: each claim with where its quote
/// stands in the case text, readability, and what produced it. Pure.
public struct ItemAnalysis: Sendable, Equatable, Codable {
    public struct PresentedClaim: Sendable, Equatable, Codable {
        public var text: String
        public var quote: String
        /// Where the quote is in the item's sections (nil: in the attachments, or not located).
        public var location: QuoteLocator.Location?
    }

    public struct Provenance: Sendable, Equatable, Codable {
        public var prompt: String
        public var model: String
        public var backend: String
        public var createdAt: String
        /// Passed every automatic check (schema, quotes, numbers, LIX, question, taxonomy).
        public var checked: Bool
        public var edited: Bool
        public var reviewedBy: String?
        /// The stored analysis row (audio and review links); nil for unsaved results.
        public var analysisID: Int64? = nil
    }

    public struct Summary: Sendable, Equatable, Codable {
        public var question: String?
        public var summary: [PresentedClaim]
        public var pros: [PresentedClaim]
        public var cons: [PresentedClaim]
        public var keywords: [String]
        /// False for the deterministic fallback, which makes no pros and cons.
        public var argumentsGenerated: Bool
        public var lix: Double
        public var lixLabel: String
        public var provenance: Provenance
    }

    public struct TopicRelevance: Sendable, Equatable, Codable {
        public var topic: String
        public var relevant: Bool
        public var reason: String
        public var quote: PresentedClaim
        public var provenance: Provenance
    }

    public var summary: Summary?
    public var relevance: [TopicRelevance]

    public var isEmpty: Bool { summary == nil && relevance.isEmpty }

    /// Builds the presentation from stored results (use ``StoredAnalysis/shown(_:)`` first).
    public static func present(_ shown: [StoredAnalysis], sections: [Section], attachmentText: String = "") -> ItemAnalysis {
        func claim(_ c: Claim) -> PresentedClaim {
            PresentedClaim(text: c.text, quote: c.quote, location: QuoteLocator.locate(c.quote, sections: sections, attachmentText: attachmentText))
        }
        func provenance(_ a: StoredAnalysis) -> Provenance {
            Provenance(
                prompt: a.promptID, model: a.model, backend: a.backend, createdAt: a.createdAt, checked: a.problems.isEmpty, edited: a.edited,
                reviewedBy: a.reviewedBy, analysisID: a.id)
        }
        var out = ItemAnalysis(summary: nil, relevance: [])
        for a in shown {
            if a.prompt == "summary", let s = a.summary {
                let lix = LIX.compute(s.summaryText)
                out.summary = Summary(
                    question: s.question, summary: s.summary.map(claim), pros: s.pros.map(claim), cons: s.cons.map(claim), keywords: s.keywords,
                    argumentsGenerated: s.argumentsGenerated, lix: (lix * 10).rounded() / 10, lixLabel: LIX.danishLabel(lix),
                    provenance: provenance(a))
            } else if a.prompt == "relevance", let r = a.relevance {
                out.relevance.append(TopicRelevance(
                    topic: a.topic, relevant: r.relevant, reason: r.reason, quote: claim(Claim(text: r.reason, quote: r.quote)),
                    provenance: provenance(a)))
            }
        }
        return out
    }
}
