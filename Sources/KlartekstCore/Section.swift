import Foundation

/// What a section of an item's case text is, whatever the municipality calls it.
public enum SectionKind: String, Sendable, Codable, CaseIterable {
    case summary, recommendation, decision, caseText, economy, legalBasis, hearing
    case climate, health, staff, policy, process, caseHistory, absence, attachments, unknown

    /// The Danish label shown to citizens.
    public var danishLabel: String {
        switch self {
        case .summary: "Resumé"
        case .recommendation: "Indstilling"
        case .decision: "Beslutning"
        case .caseText: "Sagsfremstilling"
        case .economy: "Økonomi"
        case .legalBasis: "Retsgrundlag"
        case .hearing: "Høring"
        case .climate: "Klima og miljø"
        case .health: "Sundhed"
        case .staff: "Personale"
        case .policy: "Politiske beslutninger og aftaler"
        case .process: "Behandling"
        case .caseHistory: "Sagens forløb"
        case .absence: "Afbud"
        case .attachments: "Bilag"
        case .unknown: "Andet"
        }
    }
}

/// One section of an item's case text, in document order.
public struct Section: Sendable, Equatable, Codable {
    public var ordinal: Int
    /// The heading as published (whitespace collapsed); empty for text before the first heading.
    public var heading: String
    public var kind: SectionKind
    /// "Supplerende …" sections add to an earlier version of the item.
    public var supplementary: Bool
    /// Date in a heading such as "18.05.2026 Supplerende indstilling" (`yyyy-MM-dd`).
    public var revisedOn: String?
    /// For "Beslutning i <udvalg> den <dato>": the committee and date (`yyyy-MM-dd`).
    public var committee: String?
    public var date: String?
    /// Plain text: paragraphs separated by a blank line, list items prefixed "• ".
    public var text: String
    /// Sanitised HTML for display (allowlisted tags only).
    public var html: String
    /// Dated entries of a "Sagens forløb" section.
    public var entries: [CaseHistoryEntry]

    public init(
        ordinal: Int, heading: String, kind: SectionKind, supplementary: Bool = false,
        revisedOn: String? = nil, committee: String? = nil, date: String? = nil,
        text: String, html: String, entries: [CaseHistoryEntry] = []
    ) {
        self.ordinal = ordinal
        self.heading = heading
        self.kind = kind
        self.supplementary = supplementary
        self.revisedOn = revisedOn
        self.committee = committee
        self.date = date
        self.text = text
        self.html = html
        self.entries = entries
    }
}

/// One dated step in "Sagens forløb": `17/11/2025 Direktionen` → "Anbefales."
public struct CaseHistoryEntry: Sendable, Equatable, Codable {
    public var date: String
    public var body: String
    public var text: String
    public var outcome: DecisionOutcome

    public init(date: String, body: String, text: String) {
        self.date = date
        self.body = body
        self.text = text
        self.outcome = DecisionOutcome.parse(text)
    }
}
