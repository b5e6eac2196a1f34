import Foundation

/// The checks every analysis passes before it can be published as checked. Pure.
public struct AnalysisValidator: Sendable {
    public var municipalityName: String
    public var source: String
    public var taxonomy: Taxonomy
    public var maxLIX: Double

    public init(municipalityName: String, source: String, taxonomy: Taxonomy, maxLIX: Double = 40) {
        self.municipalityName = municipalityName
        self.source = source
        self.taxonomy = taxonomy
        self.maxLIX = maxLIX
        self.normalisedSource = Self.normalise(source)
        self.sourceNumbers = Self.numbers(in: source)
    }

    let normalisedSource: String
    let sourceNumbers: Set<String>

    /// Lower case, whitespace folded, line-break hyphens joined, typographic quotes and dashes plain.
    public static func normalise(_ s: String) -> String {
        var t = TextNormaliser.dehyphenate(s, words: nil).lowercased()
        for (a, b) in [("\u{2013}", "-"), ("\u{2014}", "-"), ("\u{201C}", "\""), ("\u{201D}", "\""), ("\u{201E}", "\""), ("\u{2019}", "'"), ("\u{00AB}", "\""), ("\u{00BB}", "\"")] {
            t = t.replacingOccurrences(of: a, with: b)
        }
        return TextNormaliser.collapseSpaces(t)
    }

    /// Numbers as written ("483.552.000", "49,08", "2026"), normalised to digits and one separator.
    static func numbers(in s: String) -> Set<String> {
        var out = Set<String>()
        var current = ""
        func flush() {
            let trimmed = current.trimmingCharacters(in: CharacterSet(charactersIn: ".,"))
            let digitsOnly = trimmed.filter(\.isNumber)
            if digitsOnly.count >= 2 { out.insert(digitsOnly) }
            current = ""
        }
        for ch in s {
            if ch.isNumber || ((ch == "." || ch == ",") && !current.isEmpty) { current.append(ch) } else { flush() }
        }
        flush()
        return out
    }

    public func quoteFound(_ quote: String) -> Bool {
        let q = Self.normalise(quote).trimmingCharacters(in: Self.quoteEdges)
        guard q.count >= 8 else { return false }
        if normalisedSource.contains(q) { return true }
        // Models often drop an ellipsised middle: every part of "a … b" must be found.
        let parts = q.components(separatedBy: "…").flatMap { $0.components(separatedBy: "...") }
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0.count >= 8 }
        return parts.count > 1 && parts.allSatisfy { normalisedSource.contains($0) }
    }

    /// What may surround a quote without being part of it: any whitespace (also no-break spaces) and punctuation.
    static let quoteEdges = CharacterSet.whitespacesAndNewlines.union(CharacterSet(charactersIn: ".,;:\"'…"))

    /// Problems with a citizen summary; empty means it passed.
    public func check(_ s: CitizenSummary) -> [String] {
        var problems: [String] = []
        let claims = s.summary + s.pros + s.cons
        if s.summary.count < 2 || s.summary.count > 3 { problems.append("summary must have 2–3 sentences (has \(s.summary.count))") }
        if s.pros.count > 3 || s.cons.count > 3 { problems.append("at most 3 pros and 3 cons") }
        if s.keywords.isEmpty || s.keywords.count > 4 { problems.append("1–4 keywords (has \(s.keywords.count))") }
        for c in claims {
            if c.text.trimmingCharacters(in: .whitespaces).isEmpty { problems.append("an empty statement") }
            if !quoteFound(c.quote) { problems.append("quote not found in the source: \"\(c.quote.prefix(80))\"") }
            for n in Self.numbers(in: c.text) where !sourceNumbers.contains(n) {
                problems.append("number \(n) in \"\(c.text.prefix(60))\" is not in the source")
            }
        }
        let texts = claims.map { Self.normalise($0.text) }
        if Set(texts).count != texts.count { problems.append("a statement is repeated") }
        let sentences = DanishText.sentences(s.summaryText).map { Self.normalise($0) }.filter { !$0.isEmpty }
        if Set(sentences).count != sentences.count { problems.append("a summary sentence is repeated") }
        if Set(s.keywords).count != s.keywords.count { problems.append("a keyword is repeated") }
        for k in s.keywords where !taxonomy.labels.contains(k) { problems.append("keyword \"\(k)\" is not in the taxonomy") }
        let lix = LIX.compute(s.summaryText)
        if lix > maxLIX { problems.append(String(format: "summary LIX %.1f is above %.0f", lix, maxLIX)) }
        if let q = s.question {
            let t = q.trimmingCharacters(in: .whitespaces)
            if !t.hasSuffix("?") { problems.append("the question does not end with \"?\"") }
            if t.filter({ $0 == "?" }).count > 1 { problems.append("more than one question") }
            let shortName = municipalityName.replacingOccurrences(of: " Kommune", with: "").replacingOccurrences(of: "s Regionskommune", with: "")
            if !t.contains(shortName) { problems.append("the question does not name \(municipalityName)") }
            let first = t.split(separator: " ").first.map { String($0).lowercased() } ?? ""
            if !Self.yesNoOpeners.contains(first) { problems.append("not a yes/no question (starts with \"\(first)\")") }
        } else {
            problems.append("no question")
        }
        return problems
    }

    /// Danish yes/no questions start with a verb.
    static let yesNoOpeners: Set<String> = ["skal", "bør", "er", "vil", "kan", "må", "skulle", "burde", "har", "giver", "støtter", "synes"]

    public func check(_ r: Relevance) -> [String] {
        var problems: [String] = []
        if r.reason.trimmingCharacters(in: .whitespaces).count < 5 { problems.append("no reason given") }
        if !quoteFound(r.quote) { problems.append("quote not found in the source: \"\(r.quote.prefix(80))\"") }
        return problems
    }
}
