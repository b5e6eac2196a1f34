import Foundation

/// The one Danish text layer: sentences, clauses, list markers and words, as everything that
/// reads text uses them (sections, questions, summaries, LIX, repetition, quotes, snippets,
/// speech). Pure and allocation-light.
///
/// A sentence ends at ".", "!" or "?" (with any closing quote or bracket) followed by white
/// space and a capital letter, an opening quote, a list marker, or the end of the line — except
/// after an abbreviation ("kr.", "bl.a.", "jf.", …), inside a number ("633.590", "19.03.2026"),
/// after an ordinal before a month or a lower-case word ("1. januar"), after a single initial
/// ("A. Jensen") or a list marker ("1.", "a)"). A line break always ends a sentence (paragraphs,
/// list items and headings without punctuation stand alone) unless the text is flowing PDF text,
/// where lines are joined first.
///
/// ```swift
/// DanishText.sentences("Det koster 12,123 mio. kr., og beboerne betaler 7,743 mio. kr. Byrådet beslutter.")
/// // ["Det koster 12,123 mio. kr., og beboerne betaler 7,743 mio. kr.", "Byrådet beslutter."]
/// ```
public enum DanishText {
    /// Abbreviations after which a sentence never ends (a number, a name or a noun follows).
    public static let neverFinalAbbreviations: Set<String> = [
        "ca", "jf", "jfr", "vedr", "ml", "bl.a", "f.eks", "fx", "nr", "stk", "pkt", "kl", "dvs", "evt", "inkl", "ekskl",
        "mio", "mia", "mht", "hhv", "iht", "pga", "ift", "tlf", "att", "obs", "st", "ang", "d", "s", "sml", "iflg",
        "vha", "gl", "pr", "ref", "afd", "adm", "min", "max", "mdr", "md", "årl", "bl", "f", "hr", "fr", "dr", "cand",
        "fhv", "ff", "pct", "el", "kap", "bkg", "lb", "nuv", "sagsnr", "j.nr", "jr.nr", "tlf.nr",
        "a/s", "aps", "i/s", "m.h.t", "p.g.a", "i.h.t", "i.f.t", "o.l", "m.h.p", "d.d", "d.v.s", "el.lign", "lign",
        "prof", "kbh", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "okt", "nov", "dec",
    ]

    /// Abbreviations that often close a sentence ("… 5 mio. kr.", "… m.fl."): a sentence ends after
    /// them only when a capital letter follows.
    public static let mayBeFinalAbbreviations: Set<String> = [
        "kr", "osv", "m.fl", "mfl", "m.v", "mv", "m.m", "mm", "etc", "o.a", "m.a", "mdl", "ha", "km", "m2",
    ]

    /// Lower-case Danish month names (full and short), after which "1." is an ordinal.
    static let months: Set<String> = [
        "januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober", "november", "december",
    ]

    /// How line breaks are read.
    public enum Layout: Sendable {
        /// Every line is its own unit (HTML paragraphs, list items, headings).
        case lines
        /// Lines wrap inside sentences (PDF text): a line is joined to the next unless it ends a
        /// sentence, is short like a heading, or the next starts a list item.
        case flowing
    }

    /// The sentences of a text, each trimmed, none empty.
    public static func sentences(_ text: String, layout: Layout = .lines) -> [String] {
        var out: [String] = []
        for line in units(text, layout: layout) { splitLine(line, into: &out) }
        return out
    }

    /// The lines a text is read in: as they are, or PDF lines joined into paragraphs.
    static func units(_ text: String, layout: Layout) -> [Substring] {
        let lines = text.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline)
        guard layout == .flowing else { return lines }
        var out: [Substring] = []
        var current = ""
        var currentLine = ""
        // A line much shorter than the text's full lines, before a capital, ends its paragraph
        // (a heading, a paragraph's last line).
        let width = lines.reduce(0) { max($0, $1.count) }
        for line in lines {
            let t = line.trimmingCharacters(in: .whitespaces)
            if t.isEmpty { continue }
            let short = Double(currentLine.count) < 0.7 * Double(width) && (t.first?.isUppercase ?? false)
                && !(currentLine.last.map { ",-".contains($0) } ?? false) && !endsInAbbreviation(currentLine)
            defer { currentLine = t }
            if current.isEmpty {
                current = t
            } else if endsUnit(current) || startsListItem(t) || short {
                out.append(Substring(current))
                current = t
            } else if current.hasSuffix("-"), let f = t.first, f.isLowercase {
                current.removeLast()
                current += t
            } else {
                current += " " + t
            }
        }
        if !current.isEmpty { out.append(Substring(current)) }
        return out
    }

    /// Whether a PDF line closes its paragraph (a sentence end or a short heading-like line).
    static func endsUnit(_ line: String) -> Bool {
        guard let last = line.last else { return true }
        // "… 5 mio." or "jf." at a line's end still wraps.
        return ".!?:".contains(last) && !endsInAbbreviation(line)
    }

    /// Whether a line ends with an abbreviation after which a sentence never ends ("… ca.", "… mio.").
    static func endsInAbbreviation(_ line: String) -> Bool {
        line.last == "." && neverFinalAbbreviations.contains(lastWord(of: line[...]))
    }

    /// `1)`, `1.`, `a)`, `•`, `-`, `–` starting a line.
    public static func startsListItem<S: StringProtocol>(_ line: S) -> Bool {
        listMarkerLength(line) != nil
    }

    /// The length of a list marker at the start of `line` including the space after it.
    public static func listMarkerLength<S: StringProtocol>(_ line: S) -> Int? {
        let chars = Array(line.prefix(6))
        guard let first = chars.first else { return nil }
        if "•●▪◦·*–-".contains(first) {
            return chars.count > 1 && chars[1] == " " ? 2 : nil
        }
        var i = 0
        if first.isNumber {
            while i < chars.count && chars[i].isNumber { i += 1 }
            guard i <= 2 else { return nil }
        } else if first.isLetter && first.isLowercase {
            i = 1
        } else {
            return nil
        }
        guard i < chars.count, chars[i] == ")" || (chars[i] == "." && first.isNumber) else { return nil }
        i += 1
        guard i < chars.count, chars[i] == " " else { return nil }
        return i + 1
    }

    /// Splits one line into sentences, appending to `out`.
    static func splitLine(_ line: Substring, into out: inout [String]) {
        let chars = Array(line)
        let n = chars.count
        var start = 0
        // A list marker at the start belongs to the sentence it opens.
        var i = 0
        if let m = listMarkerLength(line) { i = m }
        while i < n {
            let ch = chars[i]
            guard ch == "." || ch == "!" || ch == "?" || ch == "…" else {
                i += 1
                continue
            }
            // Swallow repeated terminators and closing quotes/brackets: "?!", "…", ".»", ".)".
            var end = i + 1
            while end < n, ".!?…".contains(chars[end]) { end += 1 }
            while end < n, "»\"”’')]".contains(chars[end]) { end += 1 }
            var j = end
            while j < n, chars[j].isWhitespace || chars[j] == "\u{00A0}" { j += 1 }
            let atEnd = j >= n
            if !atEnd && j == end {
                // No space after: inside a number or an abbreviation ("633.590", "bl.a.", "www.x.dk").
                i = end
                continue
            }
            if atEnd || isSentenceStart(chars, at: j) {
                if ch == "." || ch == "…", !atEnd, !isFinal(chars, dotAt: i, start: start, next: j) {
                    i = end
                    continue
                }
                append(chars[start..<end], to: &out)
                start = j
                i = j
                continue
            }
            i = end
        }
        if start < n { append(chars[start..<n], to: &out) }
    }

    static func append(_ slice: ArraySlice<Character>, to out: inout [String]) {
        let s = String(slice).trimmingCharacters(in: .whitespaces)
        if !s.isEmpty { out.append(s) }
    }

    /// Whether a new sentence may start at `j`: a capital letter, an opening quote or bracket
    /// before one, a list marker, or a digit after "!"/"?" (checked by the caller for ".").
    static func isSentenceStart(_ chars: [Character], at j: Int) -> Bool {
        let c = chars[j]
        if c.isUppercase { return true }
        if "«\"„“(•–-§".contains(c) {
            return j + 1 < chars.count && (chars[j + 1].isUppercase || chars[j + 1].isNumber || chars[j + 1] == " ")
        }
        if c.isNumber || c.isLetter {
            // A list marker "2) …" or "b) …" after a full stop starts a new sentence.
            return listMarkerLength(String(chars[j..<min(chars.count, j + 6)])) != nil
        }
        return false
    }

    /// Whether the "." at `dotAt` (followed by a sentence start at `next`) ends the sentence.
    static func isFinal(_ chars: [Character], dotAt: Int, start: Int, next: Int) -> Bool {
        // The word the dot closes, back to white space (keeps inner dots: "bl.a", "m.fl").
        var b = dotAt
        while b > start, !chars[b - 1].isWhitespace, !"(«\"„“".contains(chars[b - 1]) { b -= 1 }
        let word = String(chars[b..<dotAt]).lowercased()
        guard !word.isEmpty else { return true }
        if neverFinalAbbreviations.contains(word) { return false }
        if mayBeFinalAbbreviations.contains(word) {
            return chars[next].isUppercase
        }
        // "A. Jensen": a single capital initial.
        if word.count == 1, let c = word.first, c.isLetter, chars[dotAt - 1].isUppercase { return false }
        // "1. Januar" is rare; "§ 4. Byrådet" or "i 2026. Det" ends. An ordinal before a month
        // name or a lower-case word never reaches here (lower case is no sentence start).
        if word.allSatisfy(\.isNumber) {
            // "2. Planen …": a list marker opening the sentence.
            if b == start, word.count <= 2 { return false }
            let nextWord = String(chars[next...].prefix { $0.isLetter }).lowercased()
            if months.contains(nextWord) { return false }
        }
        return true
    }

    static func lastWord(of s: Substring) -> String {
        var t = s
        if t.last == "." { t.removeLast() }
        let w = t.split(whereSeparator: { $0.isWhitespace }).last.map(String.init) ?? ""
        return w.lowercased()
    }

    /// The words of a text: runs of letters and digits (with inner hyphens, dots and commas of
    /// numbers kept: "633.590", "12,5", "Social-"), each containing a letter or digit.
    public static func words(_ text: String) -> [Substring] {
        var out: [Substring] = []
        var start: String.Index?
        var idx = text.startIndex
        while idx < text.endIndex {
            let c = text[idx]
            let next = text.index(after: idx)
            let inner: Bool = {
                guard start != nil, c == "-" || c == "." || c == "," || c == "/" || c == "'" else { return false }
                guard next < text.endIndex else { return false }
                let n = text[next]
                if c == "-" { return n.isLetter || n.isNumber }
                return n.isNumber && text[text.index(before: idx)].isNumber
            }()
            if c.isLetter || c.isNumber || inner {
                if start == nil { start = idx }
            } else if let s = start {
                out.append(text[s..<idx])
                start = nil
            }
            idx = next
        }
        if let s = start { out.append(text[s...]) }
        return out
    }

    /// Clauses of a recommendation: the parts of an enumerated "at 1) …, 2) …" or a list, each
    /// with its marker removed. Text without markers is one clause.
    public static func clauses(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        let tokens = text.split(separator: " ", omittingEmptySubsequences: true)
        for token in tokens {
            let isMarker = (token.count <= 3 && token.hasSuffix(")") && token.dropLast().allSatisfy { $0.isNumber || ($0.isLetter && $0.isLowercase) })
                || token == "•" || token == "–"
            if isMarker {
                let t = current.trimmingCharacters(in: CharacterSet(charactersIn: " ,;"))
                if !t.isEmpty { parts.append(t) }
                current = ""
                continue
            }
            current += (current.isEmpty ? "" : " ") + token
        }
        let t = current.trimmingCharacters(in: CharacterSet(charactersIn: " ,;"))
        if !t.isEmpty { parts.append(t) }
        return parts
    }

    /// Whether `text` is one whole sentence as a citizen reads it: it starts with a capital (or a
    /// digit, a quote), ends with ".", "!", "?" or ":" and its last word is no abbreviation that
    /// never ends a sentence ("…på 633?" after "633.590" was cut, "…ml?").
    public static func isWholeSentence(_ text: String) -> Bool {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let first = t.first, let last = t.last else { return false }
        guard first.isUppercase || first.isNumber || "«\"„“(§".contains(first) else { return false }
        guard ".!?".contains(last) || "»\"”)".contains(last) else { return false }
        let body = t.dropLast()
        let word = lastWord(of: body)
        if neverFinalAbbreviations.contains(word.trimmingCharacters(in: CharacterSet(charactersIn: "."))) { return false }
        // A list marker cut off as the last word ("… tage 2) Det til efterretning?") or a number
        // ending in a lone thousands group cut at the dot is caught by the sentence splitter;
        // a trailing marker is caught here.
        if let lastToken = body.split(separator: " ").last, lastToken.count <= 3, lastToken.hasSuffix(")"),
            lastToken.dropLast().allSatisfy(\.isNumber)
        {
            return false
        }
        return sentences(t).count == 1
    }
}
