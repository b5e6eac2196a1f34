import Foundation

/// What a committee or council did with an item, read from the prose of a decision
/// ("Anbefales.", "Godkendt.", "Sagen udsættes …"). The portal's `ItemDecision` is always null.
public enum DecisionOutcome: String, Sendable, Codable, CaseIterable {
    case recommended, approved, rejected, postponed, noted, referred, discussed, unknown

    /// Danish wording for citizens.
    public var danishLabel: String {
        switch self {
        case .recommended: "Anbefalet"
        case .approved: "Godkendt"
        case .rejected: "Ikke godkendt"
        case .postponed: "Udsat"
        case .noted: "Taget til efterretning"
        case .referred: "Sendt videre"
        case .discussed: "Drøftet"
        case .unknown: "Uklart udfald"
        }
    }

    /// Ordered: the first rule whose pattern occurs in the decision's first sentences wins, so
    /// negations ("ikke godkendt", "kan ikke anbefales") come before their positive forms.
    static let rules: [(DecisionOutcome, [String])] = [
        (.rejected, ["ikke anbefale", "kan ikke anbefales", "anbefales ikke", "ikke godkend", "godkendes ikke", "forkast", "afvist", "afvises", "ikke vedtag", "faldt"]),
        (.postponed, ["udsat", "udsættes", "udskudt", "genoptages"]),
        (.noted, ["taget til efterretning", "tages til efterretning", "til orientering", "orienteringen blev taget"]),
        (.referred, ["oversendes", "oversendt", "videresendes", "sendes videre"]),
        (.recommended, ["anbefales", "anbefalet", "indstilles", "indstillet"]),
        (.approved, ["godkendt", "godkendes", "vedtaget", "vedtages", "tiltrådt", "tiltrædes", "bevilget", "bevilges", "besluttet"]),
        (.discussed, ["drøftet", "drøftes", "drøftede"]),
    ]

    /// The outcome whose wording occurs first; a negation ("kan ikke anbefales") starts before
    /// the positive word it contains, so it wins.
    public static func parse(_ text: String) -> DecisionOutcome {
        let head = String(text.lowercased().replacingOccurrences(of: "\u{00A0}", with: " ").prefix(400))
        var best: (outcome: DecisionOutcome, at: String.Index)?
        for (outcome, needles) in rules {
            for needle in needles {
                guard let r = head.range(of: needle) else { continue }
                if best == nil || r.lowerBound < best!.at { best = (outcome, r.lowerBound) }
            }
        }
        return best?.outcome ?? .unknown
    }
}
