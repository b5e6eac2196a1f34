import Foundation

/// The analysis without a model: question from the recommendation, summary from the theme or
/// summary section, keywords by taxonomy rules. Pros and cons are left out and marked so.
public enum DeterministicSummary {
    public static let model = "deterministic-v2"

    /// Passive verbs of recommendations → the infinitive a question asks with.
    static let verbs: [(String, String)] = [
        ("godkendes", "godkende"), ("vedtages", "vedtage"), ("tiltrædes", "tiltræde"), ("bevilges", "bevilge"),
        ("anbefales", "anbefale"), ("besluttes", "beslutte"), ("igangsættes", "igangsætte"), ("udmøntes", "udmønte"),
        ("frigives", "frigive"), ("tages til efterretning", "tage til efterretning"), ("drøftes", "drøfte"), ("ophæves", "ophæve"),
        ("nedlægges", "nedlægge"), ("etableres", "etablere"), ("afsættes", "afsætte"), ("forlænges", "forlænge"),
        ("ændres", "ændre"), ("udpeges", "udpege"), ("meddeles", "meddele"), ("overføres", "overføre"), ("forhøjes", "forhøje"),
        ("nedsættes", "nedsætte"), ("fastsættes", "fastsætte"), ("vælges", "vælge"), ("bemyndiges", "bemyndige"), ("gives", "give"),
    ]

    /// Verbs of points that only inform or ask for a discussion: no yes/no question is made of
    /// them (agreeing with "taking a report into account" means nothing).
    static let informing = ["tage til efterretning", "tages til efterretning", "til orientering", "orienteres", "drøfte", "drøftes"]

    /// The question a citizen is asked, made from the recommendation's first point that decides
    /// something, or nil when no whole, grammatical question can be made (the answer box then
    /// asks about the recommendation itself).
    ///
    /// "Direktøren indstiller, at hjemløsestrategien godkendes." → "Skal Kalundborg Kommune
    /// godkende hjemløsestrategien?"; "1) at godkende, at Dannebrog hejses …" → "Skal Hvidovre
    /// Kommune godkende, at Dannebrog hejses …?"; "at der i 2027 afsættes 2 mio. kr. til …" →
    /// "Skal Hvidovre Kommune i 2027 afsætte 2 mio. kr. til …?".
    public static func question(recommendation: String, municipality: String, title: String) -> String? {
        for point in points(of: recommendation) {
            let lower = point.lowercased()
            // A point that informs ("… til efterretning") is passed over for one that decides.
            if informing.contains(where: { lower.contains($0) }) || lower.contains("til efterretning") { continue }
            guard let q = question(point: point, municipality: municipality) else { continue }
            return isWellFormed(q) ? q : nil
        }
        return nil
    }

    /// The points of a recommendation: its sentences and list items, each without its marker,
    /// its leading "at" and its closing full stop; lead-ins ending in ":" ("Borgmesteren
    /// indstiller til Økonomiudvalget at anbefale over for Kommunalbestyrelsen:") are left out.
    static func points(of recommendation: String) -> [String] {
        var out: [String] = []
        for sentence in DanishText.sentences(recommendation) {
            for clause in listClauses(sentence) {
                var t = clause.trimmingCharacters(in: .whitespaces)
                if let n = DanishText.listMarkerLength(t) { t = String(t.dropFirst(n)) }
                // "At 1) …" (Aarhus) and "Det indstilles, at …"
                for lead in ["det indstilles, at ", "det indstilles at ", "at "] where t.lowercased().hasPrefix(lead) {
                    t = String(t.dropFirst(lead.count))
                    break
                }
                if let n = DanishText.listMarkerLength(t) { t = String(t.dropFirst(n)) }
                // "Direktøren indstiller, at …": the point is what follows.
                if let r = t.range(of: #"^[^,]{0,80}\b(?:indstiller|anbefaler|foreslår)(?:,)? at "#, options: [.regularExpression, .caseInsensitive]) {
                    t = String(t[r.upperBound...])
                }
                t = t.trimmingCharacters(in: CharacterSet(charactersIn: " ,;"))
                guard !t.hasSuffix(":") else { continue }
                // The closing full stop goes, unless it belongs to an abbreviation ("12 mio. kr.").
                if t.hasSuffix("."), let last = t.split(separator: " ").last {
                    let word = last.dropLast().lowercased()
                    if !DanishText.mayBeFinalAbbreviations.contains(word) && !DanishText.neverFinalAbbreviations.contains(word) { t = String(t.dropLast()) }
                }
                if t.split(separator: " ").count >= 2 { out.append(t) }
            }
        }
        return out
    }

    /// The parts of a sentence at its list markers ("1)", "a)", "•"); a dash is no boundary.
    static func listClauses(_ sentence: String) -> [String] {
        var parts: [String] = []
        var current: [Substring] = []
        for token in sentence.split(separator: " ", omittingEmptySubsequences: true) {
            let marker = token == "•" || (token.count <= 3 && token.hasSuffix(")") && token.dropLast().allSatisfy { $0.isNumber || ($0.isLetter && $0.isLowercase) })
            if marker {
                if !current.isEmpty { parts.append(current.joined(separator: " ")) }
                current = []
            } else {
                current.append(token)
            }
        }
        if !current.isEmpty { parts.append(current.joined(separator: " ")) }
        return parts
    }

    /// Finite verbs of recommendations written as "at Byrådet godkender …".
    static let finite: [(String, String)] = [
        ("godkender", "godkende"), ("vedtager", "vedtage"), ("tiltræder", "tiltræde"), ("bevilger", "bevilge"), ("afsætter", "afsætte"),
        ("igangsætter", "igangsætte"), ("udpeger", "udpege"), ("ændrer", "ændre"), ("frigiver", "frigive"),
    ]

    /// The object of a passive point, lower-cased at its start unless it is a name ("Forslag til
    /// lokalplan" → "forslag til lokalplan"; "Dannebrog" stays).
    static func object(_ words: ArraySlice<String>) -> String {
        var t = words.joined(separator: " ")
        if let f = t.first, f.isUppercase, t.count > 1, t.dropFirst().first?.isLowercase == true,
            ["forslag", "udkast", "rapportering", "budget", "planen", "strategien", "den", "det", "de"].contains(where: { t.lowercased().hasPrefix($0) })
        {
            t = f.lowercased() + t.dropFirst()
        }
        return t
    }

    /// One point as a question, or nil when it is not a decision in a form we read.
    static func question(point: String, municipality: String) -> String? {
        let words = point.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard let first = words.first?.lowercased() else { return nil }
        // Active: "godkende, at …", "anbefale Kommunalbestyrelsen at godkende …", "bevilge 2 mio. kr. til …"
        if let (_, infinitive) = verbs.first(where: { $0.1 == first.trimmingCharacters(in: CharacterSet(charactersIn: ",")) }) {
            var rest = words.dropFirst().joined(separator: " ")
            if infinitive == "anbefale" {
                // "anbefale (over for) Kommunalbestyrelsen at godkende X" → the recommended decision.
                if let r = rest.range(of: #"^(?:over ?for |overfor )?[A-ZÆØÅ][\wæøå-]*(?: og [A-ZÆØÅ][\wæøå-]*)?,? at "#, options: .regularExpression) {
                    return question(point: String(rest[r.upperBound...]), municipality: municipality)
                }
            }
            if first.hasSuffix(",") { rest = ", " + rest }
            guard !rest.isEmpty else { return nil }
            // "beslutte, om …" asks to choose, not yes or no.
            if infinitive == "beslutte", rest.hasPrefix(", om") || rest.hasPrefix("om ") || rest.hasPrefix(", hvilk") { return nil }
            return "Skal \(municipality) \(infinitive)\(rest.hasPrefix(",") ? "" : " ")\(rest)?"
        }
        // "Byrådet godkender <object>", "Hvidovre Kommune på generalforsamlingerne godkender …"
        for (i, w) in words.enumerated() where i > 0 && i <= 6 {
            guard let (_, infinitive) = finite.first(where: { $0.0 == w.lowercased() }) else { continue }
            guard !words[..<i].contains(where: { $0.hasSuffix(",") }), i + 1 < words.count else { return nil }
            return "Skal \(municipality) \(infinitive) \(words[(i + 1)...].joined(separator: " "))?"
        }
        // Passive: "<object> godkendes [rest]"; "der [adverbial] afsættes <object>"
        for (i, w) in words.enumerated() where i > 0 && i <= 30 {
            guard let (_, infinitive) = verbs.first(where: { $0.0 == w.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: ",")) }) else { continue }
            let before = words[..<i].joined(separator: " ")
            let after = words[(i + 1)...].joined(separator: " ")
            if words[0].lowercased() == "der" {
                let adverbial = words[1..<i].joined(separator: " ")
                guard !after.isEmpty else { return nil }
                return "Skal \(municipality) \(adverbial.isEmpty ? "" : adverbial + " ")\(infinitive) \(after)?"
            }
            // A relative clause before the verb ("…, der i henhold til vedtægterne vælges") makes
            // its subject someone else.
            if [", der ", ", som ", ", hvor ", ", hvis "].contains(where: { before.contains($0) }) { return nil }
            _ = before
            return "Skal \(municipality) \(infinitive) \(object(words[..<i]))\(after.isEmpty ? "" : " " + after)?"
        }
        return nil
    }

    /// Whether a question can be shown: one whole sentence ending in "?", no list marker, bullet,
    /// colon or ellipsis inside, not cut at an abbreviation or number, at most 220 characters.
    public static func isWellFormed(_ question: String) -> Bool {
        guard question.hasSuffix("?"), question.count <= 220, DanishText.isWholeSentence(question) else { return false }
        if question.contains("…") || question.contains("•") || question.contains(":") || question.contains("  ") { return false }
        // Not cut after a conjunction or preposition ("…, og herunder?").
        let dangling: Set<String> = ["og", "eller", "samt", "herunder", "at", "som", "der", "til", "for", "med", "af", "i", "på", "om", "fra", "enten", "jf", "ved"]
        if let last = question.dropLast().split(separator: " ").last, dangling.contains(last.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: ",."))) {
            return false
        }
        // Quotes and brackets closed.
        for (open, close) in [("(", ")"), ("«", "»"), ("“", "”")] where question.components(separatedBy: open).count != question.components(separatedBy: close).count {
            return false
        }
        if question.filter({ $0 == "\"" }).count % 2 == 1 { return false }
        let body = question.dropLast()
        if body.split(separator: " ").contains(where: { DanishText.listMarkerLength($0 + " ") != nil && $0.hasSuffix(")") }) { return false }
        return true
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
