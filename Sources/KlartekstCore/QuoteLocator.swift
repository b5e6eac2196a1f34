import Foundation

/// Finds where an analysis quote stands in the item's text, so a reader can check it: the
/// section it comes from and the words around it. Matching uses the same folding as the
/// validator (case, whitespace, typographic dashes and quotes). Pure.
public enum QuoteLocator {
    public struct Location: Sendable, Equatable, Codable {
        /// The section's ordinal, or nil when the quote was found in attachment text.
        public var sectionOrdinal: Int?
        public var heading: String
        public var before: String
        public var match: String
        public var after: String
    }

    /// Folds one character the way ``AnalysisValidator/normalise(_:)`` does; whitespace becomes " ".
    static func fold(_ c: Character) -> Character {
        if c.isWhitespace { return " " }
        switch c {
        case "\u{2013}", "\u{2014}": return "-"
        case "\u{201C}", "\u{201D}", "\u{201E}", "\u{00AB}", "\u{00BB}": return "\""
        case "\u{2019}": return "'"
        default: return Character(c.lowercased())
        }
    }

    /// The folded text (whitespace runs collapsed) and, per folded character, its index in the original.
    static func folded(_ text: [Character]) -> (chars: [Character], origin: [Int]) {
        var chars: [Character] = []
        var origin: [Int] = []
        chars.reserveCapacity(text.count)
        for (i, c) in text.enumerated() {
            let f = fold(c)
            if f == " " && (chars.last == " " || chars.isEmpty) { continue }
            chars.append(f)
            origin.append(i)
        }
        return (chars, origin)
    }

    /// The quote as the validator compares it: folded and trimmed of surrounding punctuation.
    static func needle(_ quote: String) -> [Character] {
        var q = folded(Array(quote)).chars
        let trim: Set<Character> = [" ", ".", ",", ";", ":", "\"", "'", "…"]
        while let f = q.first, trim.contains(f) { q.removeFirst() }
        while let l = q.last, trim.contains(l) { q.removeLast() }
        return q
    }

    /// Locates `quote` in the sections (in order), then in the attachment text.
    /// - Parameter context: characters of context kept on each side (cut at a word boundary).
    public static func locate(_ quote: String, sections: [Section], attachmentText: String = "", context: Int = 110) -> Location? {
        let q = needle(quote)
        guard q.count >= 8 else { return nil }
        for s in sections where !s.text.isEmpty {
            if let l = find(q, in: s.text, context: context) {
                return Location(sectionOrdinal: s.ordinal, heading: s.heading.isEmpty ? s.kind.danishLabel : s.heading, before: l.0, match: l.1, after: l.2)
            }
        }
        if !attachmentText.isEmpty, let l = find(q, in: attachmentText, context: context) {
            return Location(sectionOrdinal: nil, heading: "Bilag", before: l.0, match: l.1, after: l.2)
        }
        return nil
    }

    static func find(_ q: [Character], in text: String, context: Int) -> (String, String, String)? {
        let original = Array(text)
        let (chars, origin) = folded(original)
        guard let r = chars.firstRange(of: q) else { return nil }
        let start = origin[r.lowerBound]
        let end = origin[r.upperBound - 1] + 1
        var from = max(0, start - context)
        if from > 0, let space = original[from..<start].firstIndex(where: \.isWhitespace) { from = space + 1 }
        var to = min(original.count, end + context)
        if to < original.count, let space = original[end..<to].lastIndex(where: \.isWhitespace) { to = space }
        func clean(_ s: ArraySlice<Character>) -> String {
            var out = ""
            for c in s {
                if c.isWhitespace {
                    if !out.hasSuffix(" ") { out.append(" ") }
                } else {
                    out.append(c)
                }
            }
            return out
        }
        let before = (from > 0 ? "… " : "") + clean(original[from..<start])
        let after = clean(original[end..<to]) + (to < original.count ? " …" : "")
        return (before, clean(original[start..<end]), after)
    }
}
