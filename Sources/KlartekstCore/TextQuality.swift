import Foundation

/// How Danish a page of text looks: used to detect text layers made by OCR without Danish
/// language data (æ/ø/å lost: "hjemløshed" → "hjemlgshed", "hjemlashed", "hjemloshed") and to
/// pick the better of a text layer and a fresh Danish OCR. Pure; the word list is injected.
public struct DanishTextScorer: Sendable {
    public let words: Set<String>

    /// - Parameter words: a Danish word list (lower case), e.g. Debian's `/usr/share/dict/danish`.
    public init(words: Set<String>) { self.words = words }

    public struct Score: Sendable, Equatable, Codable {
        /// 0…1: the share of words (3+ letters) found in the word list, or as a compound of two.
        public var dictionaryRate: Double
        /// æ, ø and å per 100 letters (Danish prose: about 1.5–3).
        public var danishLetterRate: Double
        /// Words that look like a lost æ/ø/å (a non-word that becomes a word when one g, a, o,
        /// e or "ee"/"ze" is read as æ, ø or å), per 100 words.
        public var confusionRate: Double
        public var letters: Int
        public var wordCount: Int
        /// The combined score, 0…1; higher is better Danish.
        public var value: Double

        public var isEmpty: Bool { letters < 40 }
    }

    public func score(_ text: String) -> Score {
        var letters = 0
        var danish = 0
        var tokens: [String] = []
        var current = String.UnicodeScalarView()
        var length = 0
        for u in text.lowercased().unicodeScalars {
            if u.properties.isAlphabetic {
                letters += 1
                if u == "æ" || u == "ø" || u == "å" { danish += 1 }
                current.append(u)
                length += 1
            } else {
                if length >= 3 { tokens.append(String(current)) }
                current.removeAll(keepingCapacity: true)
                length = 0
            }
        }
        if length >= 3 { tokens.append(String(current)) }
        let danishRate = letters > 0 ? Double(danish) * 100 / Double(letters) : 0
        // Lost-letter patterns only matter when æ/ø/å are (nearly) missing; they are costly to
        // look for, so ordinary Danish pages skip them.
        let lookForConfusions = danishRate < 0.5 && letters >= 200
        var known = 0
        var confusions = 0
        var unknown: [String] = []
        for t in tokens {
            if words.contains(t) { known += 1 } else { unknown.append(t) }
        }
        // Compound splitting and lost-letter checks are costly (many lookups per word); a page whose
        // words are mostly known directly needs neither.
        if lookForConfusions || Double(known) / Double(max(tokens.count, 1)) < 0.7 {
            for t in unknown {
                if isWord(t) {
                    known += 1
                } else if lookForConfusions && looksLikeLostDanishLetter(t) {
                    confusions += 1
                }
            }
        }
        let n = max(tokens.count, 1)
        let dictionaryRate = Double(known) / Double(n)
        let confusionRate = Double(confusions) * 100 / Double(n)
        // Dictionary hits dominate; æ/ø/å presence and lost-letter patterns adjust.
        let letterTerm = min(danishRate / 1.5, 1)
        let value = max(0, min(1, 0.7 * dictionaryRate + 0.3 * letterTerm - confusionRate / 50))
        return Score(
            dictionaryRate: dictionaryRate, danishLetterRate: danishRate, confusionRate: confusionRate, letters: letters,
            wordCount: tokens.count, value: value)
    }

    /// A text layer is broken when it has enough text, (almost) no æ/ø/å, and either many
    /// lost-letter words or a poor dictionary rate.
    public func isBroken(_ s: Score) -> Bool {
        guard s.letters >= 200 else { return false }
        return s.danishLetterRate < 0.3 && (s.confusionRate >= 1.0 || s.dictionaryRate < 0.6)
    }

    func isWord(_ w: String) -> Bool {
        if words.contains(w) { return true }
        // Danish compounds: split into two known parts (with an optional linking "s" or "e").
        let chars = Array(w)
        guard chars.count >= 6 else { return false }
        for i in 3..<(chars.count - 2) {
            let head = String(chars[..<i])
            let tail = String(chars[i...])
            if words.contains(tail) && (words.contains(head) || (head.count > 3 && (head.hasSuffix("s") || head.hasSuffix("e")) && words.contains(String(head.dropLast())))) {
                return true
            }
        }
        return false
    }

    static let substitutions: [(String, [String])] = [
        ("g", ["ø"]), ("o", ["ø"]), ("a", ["å", "æ", "ø"]), ("e", ["æ"]), ("ee", ["æ"]), ("ze", ["æ"]), ("z", ["æ"]), ("0", ["ø"]),
    ]

    func looksLikeLostDanishLetter(_ w: String) -> Bool {
        for (from, tos) in Self.substitutions {
            var search = w.startIndex..<w.endIndex
            while let r = w.range(of: from, range: search) {
                for to in tos {
                    let candidate = w.replacingCharacters(in: r, with: to)
                    if isWord(candidate) { return true }
                }
                search = r.upperBound..<w.endIndex
            }
        }
        return false
    }
}

/// Character error rate, for OCR quality: Levenshtein distance over Unicode scalars divided by
/// the reference length, after folding whitespace and line-break hyphenation (layout, not content).
public enum CharacterErrorRate {
    public static func compute(reference: String, hypothesis: String) -> Double {
        let a = Array(fold(reference).unicodeScalars)
        let b = Array(fold(hypothesis).unicodeScalars)
        guard !a.isEmpty else { return b.isEmpty ? 0 : 1 }
        return Double(distance(a, b)) / Double(a.count)
    }

    /// Whitespace runs → one space; "udgangs-\npunkt" → "udgangspunkt".
    public static func fold(_ s: String) -> String {
        TextNormaliser.collapseSpaces(TextNormaliser.dehyphenate(s, words: nil))
    }

    static func distance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            let ai = a[i - 1]
            for j in 1...max(b.count, 1) where j <= b.count {
                let cost = ai == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
