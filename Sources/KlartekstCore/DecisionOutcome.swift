import Foundation

/// What a committee or council did with an item, read from the prose of a decision
/// ("Anbefales.", "Godkendt.", "Sagen udsættes …"). The portal's `ItemDecision` is always null.
public enum DecisionOutcome: String, Sendable, Codable, CaseIterable {
    case recommended, approved, rejected, postponed, noted, referred, discussed, notReleased, unknown

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
        case .notReleased: "Beslutningen er ikke offentliggjort endnu"
        case .unknown: "Uklart udfald"
        }
    }

    /// Ordered: the first rule whose pattern occurs in the decision's first sentences wins, so
    /// negations ("ikke godkendt", "kan ikke anbefales") come before their positive forms.
    static let rules: [(DecisionOutcome, [String])] = [
        (.notReleased, ["beslutning ikke frigivet", "ikke frigivet", "beslutningen er ikke frigivet"]),
        (.rejected, ["ikke anbefale", "kan ikke anbefales", "anbefales ikke", "ikke godkend", "godkendes ikke", "forkast", "afvist", "afvises",
            "ikke vedtag", "faldt", "kunne ikke tiltræde", "kan ikke tiltræde", "tiltrædes ikke", "ikke imødekom"]),
        (.postponed, ["udsat", "udsættes", "udskudt", "genoptages", "udsætte", "udskyde"]),
        (.noted, ["taget til efterretning", "tages til efterretning", "til orientering", "orienteringen blev taget", "tog orienteringen",
            "tog sagen til efterretning", "til efterretning", "blev orienteret", "orienteret", "orienteringen taget", "ingen bemærkninger"]),
        (.referred, ["oversendes", "oversendt", "videresendes", "sendes videre", "sendt videre", "sendes til"]),
        (.recommended, ["anbefales", "anbefalet", "anbefaler", "anbefalede", "indstilles", "indstillet", "indstiller"]),
        (.approved, ["godkendt", "godkendes", "godkendte", "godkender", "vedtaget", "vedtages", "vedtog", "tiltrådt", "tiltrædes",
            "tiltrådte", "kunne tiltræde", "tiltræder", "bevilget", "bevilges", "bevilgede", "besluttet", "imødekommet", "imødekommes", "som indstillet"]),
    ]

    /// Outcomes that only stand when nothing else was decided ("drøftede sagen … besluttede at udsætte").
    static let weak: [(DecisionOutcome, [String])] = [
        (.discussed, ["drøftet", "drøftes", "drøftede", "drøftelse"]),
    ]

    /// Whether a decision names a majority and a minority ("Et flertal …", "A og B kunne ikke
    /// tiltræde", "stemte imod", "tog forbehold").
    public static func isSplit(_ text: String) -> Bool {
        let t = text.lowercased()
        return ["flertal", "mindretal", "stemte imod", "stemte for", "tog forbehold", "kunne ikke tiltræde", "tager forbehold", "undlod at stemme"]
            .contains { t.contains($0) }
    }

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
        // "Fremsendes til byrådet med bemærkning, at Magistraten … anbefaler, at …": the forwarding
        // is the route, the recommendation what was decided.
        if best?.outcome == .referred, let recommended = rules.first(where: { $0.0 == .recommended }),
            recommended.1.contains(where: { head.contains($0) })
        {
            return .recommended
        }
        if let best { return best.outcome }
        for (outcome, needles) in weak where needles.contains(where: { head.contains($0) }) { return outcome }
        return .unknown
    }
}
