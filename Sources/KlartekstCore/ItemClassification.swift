import Foundation

/// Whether an item is a public case, a procedural point or closed to the public.
public enum ItemStatus: String, Sendable, Codable, CaseIterable {
    case `public`, procedural, closed

    public var danishLabel: String {
        switch self {
        case .public: "Offentligt punkt"
        case .procedural: "Formelt punkt"
        case .closed: "Lukket punkt"
        }
    }
}

/// The kind of item, from the prefix many municipalities put on captions ("Beslutning - …").
public enum ItemType: String, Sendable, Codable, CaseIterable {
    case decision, orientation, discussion, other

    public var danishLabel: String {
        switch self {
        case .decision: "Beslutning"
        case .orientation: "Orientering"
        case .discussion: "Drøftelse"
        case .other: "Sag"
        }
    }
}

public enum ItemClassifier {
    /// Captions of procedural points (matched against the whole caption, lower case).
    public static let proceduralPatterns: [String] = [
        #"godkendelse af (?:dagsorden(?:en)?|referat(?:et)?)"#,
        #"meddelelser(?: fra .+)?"#,
        #"eventuelt"#,
        #"orientering fra (?:formanden|borgmesteren|direktionen|administrationen)"#,
        #"underskrift(?:sblad)?|underskrifter"#,
        #"gensidig orientering"#,
        #"(?:godkendelse af )?protokol"#,
    ]

    /// A cheap pre-check: every procedural pattern starts with one of these.
    static let proceduralFirstWords = ["godkendelse", "meddelelse", "eventuelt", "orientering", "underskrift", "gensidig", "protokol"]

    nonisolated(unsafe) private static let procedural: [Regex<AnyRegexOutput>] = proceduralPatterns.map {
        try! Regex("^(?:\($0))\\.?$").ignoresCase()
    }

    /// - Parameters:
    ///   - title: the caption as published.
    ///   - isOpen: the portal's `IsOpen`.
    ///   - hasContent: whether the case text has any words.
    public static func status(title: String, isOpen: Bool, hasContent: Bool) -> ItemStatus {
        let t = SectionRules.normalise(title)
        if t.hasPrefix("lukket") || (!isOpen && !hasContent) { return .closed }
        if t.count <= 80, proceduralFirstWords.contains(where: { t.hasPrefix($0) }),
            procedural.contains(where: { (try? $0.wholeMatch(in: t)) != nil })
        {
            return .procedural
        }
        if !hasContent { return .procedural }
        return .public
    }

    public static func type(title: String) -> ItemType {
        var t = SectionRules.normalise(title)
        if t.hasPrefix("lukket:") { t = String(t.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
        if t.hasPrefix("beslutning") { return .decision }
        if t.hasPrefix("orientering") || t.hasPrefix("meddelelse") { return .orientation }
        if t.hasPrefix("drøftelse") || t.hasPrefix("temadrøftelse") { return .discussion }
        return .other
    }
}
