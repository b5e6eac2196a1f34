import Foundation

/// The analysis without a model: question from the recommendation, summary from the theme or
/// summary section, keywords by taxonomy rules. Pros and cons are left out and marked so.
public enum DeterministicSummary {
    public static let model = "deterministic-v1"

    /// Passive verbs of recommendations → the infinitive a question asks with.
    static let verbs: [(String, String)] = [
        ("godkendes", "godkende"), ("vedtages", "vedtage"), ("tiltrædes", "tiltræde"), ("bevilges", "bevilge"),
        ("anbefales", "anbefale"), ("besluttes", "beslutte"), ("igangsættes", "igangsætte"), ("udmøntes", "udmønte"),
        ("frigives", "frigive"), ("tages til efterretning", "tage til efterretning"), ("drøftes", "drøfte"), ("ophæves", "ophæve"),
        ("nedlægges", "nedlægge"), ("etableres", "etablere"), ("afsættes", "afsætte"), ("forlænges", "forlænge"),
    ]

    /// "Direktøren indstiller, at hjemløsestrategien godkendes." → "Skal Kalundborg Kommune godkende hjemløsestrategien?"
    public static func question(recommendation: String, municipality: String, title: String) -> String? {
        let text = recommendation.replacingOccurrences(of: "\n", with: " ")
        let lower = text.lowercased()
        // "at <object> <passive verb>"
        for (passive, infinitive) in verbs {
            guard let v = lower.range(of: " \(passive)") else { continue }
            guard let at = lower[..<v.lowerBound].range(of: "at ", options: .backwards) else { continue }
            let object = String(text[at.upperBound..<v.lowerBound]).trimmingCharacters(in: .whitespaces)
            guard !object.isEmpty, object.count < 140 else { continue }
            if infinitive == "tage til efterretning" {
                return "Skal \(municipality) tage \(object) til efterretning?"
            }
            return "Skal \(municipality) \(infinitive) \(object)?"
        }
        // "at godkende <object>" (active form, as in Hvidovre)
        for (_, infinitive) in verbs where !infinitive.contains(" ") {
            guard let r = lower.range(of: "at \(infinitive) ") else { continue }
            var object = String(text[r.upperBound...])
            if let end = object.firstIndex(where: { ".;\n".contains($0) }) { object = String(object[..<end]) }
            object = object.trimmingCharacters(in: CharacterSet(charactersIn: " ,"))
            if object.count > 120, let cut = object.prefix(120).lastIndex(of: " ") { object = String(object[..<cut]) + " …" }
            guard !object.isEmpty else { continue }
            return "Skal \(municipality) \(infinitive) \(object)?"
        }
        let t = title.replacingOccurrences(of: "Beslutning - ", with: "").replacingOccurrences(of: "Beslutning om ", with: "")
        guard !t.isEmpty else { return nil }
        return "Skal \(municipality) godkende forslaget om \(t.prefix(1).lowercased() + t.dropFirst())?"
    }

    /// The first sentences of the summary/theme section (falling back to the case text), each its own quote.
    public static func summary(from sections: [Section], maxSentences: Int = 3) -> [Claim] {
        let text = (sections.first { $0.kind == .summary } ?? sections.first { $0.kind == .caseText })?.text ?? ""
        var claims: [Claim] = []
        for sentence in sentences(text) where claims.count < maxSentences {
            guard sentence.count >= 20 else { continue }
            claims.append(Claim(text: sentence, quote: sentence))
        }
        return claims
    }

    /// The sentences of a text (the shared Danish text layer; a line break ends a sentence).
    static func sentences(_ text: String) -> [String] { DanishText.sentences(text) }

    public static func analyse(item title: String, sections: [Section], municipality: String, taxonomy: Taxonomy) -> CitizenSummary {
        let recommendation = sections.filter { $0.kind == .recommendation }.map(\.text).joined(separator: " ")
        let all = ([title] + sections.filter { [.summary, .recommendation, .caseText].contains($0.kind) }.map(\.text)).joined(separator: " ")
        return CitizenSummary(
            question: question(recommendation: recommendation, municipality: municipality, title: title),
            summary: summary(from: sections), pros: [], cons: [], keywords: taxonomy.suggest(all), argumentsGenerated: false)
    }
}
