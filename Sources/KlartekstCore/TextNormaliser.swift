import Foundation

/// Clean-up of extracted text (pure): Unicode NFC, ligatures, soft hyphens, line-break
/// hyphenation, and headers/footers repeated on every page.
public enum TextNormaliser {
    /// NFC, ligatures spelled out, soft hyphens and NUL removed, CR LF → LF, trailing spaces cut.
    public static func normalise(_ text: String) -> String {
        // NFC only when there is something to compose (combining marks are rare in PDFs).
        let needsNFC = text.unicodeScalars.contains { (0x300...0x36F).contains($0.value) }
        let source = needsNFC ? text.precomposedStringWithCanonicalMapping : text
        var out = String.UnicodeScalarView()
        var pendingSpaces = String.UnicodeScalarView()
        var previousCR = false
        for u in source.unicodeScalars {
            switch u {
            case "\u{00AD}", "\u{0000}", "\u{FEFF}":
                continue
            case "\r":
                pendingSpaces.removeAll()
                out.append("\n")
                previousCR = true
                continue
            case "\n":
                if previousCR {
                    previousCR = false
                    continue
                }
                pendingSpaces.removeAll()  // trailing spaces are cut
                out.append("\n")
            case " ", "\t":
                pendingSpaces.append(u)
            default:
                out.append(contentsOf: pendingSpaces)
                pendingSpaces.removeAll()
                switch u {
                case "ﬁ": out.append(contentsOf: "fi".unicodeScalars)
                case "ﬂ": out.append(contentsOf: "fl".unicodeScalars)
                case "ﬀ": out.append(contentsOf: "ff".unicodeScalars)
                case "ﬃ": out.append(contentsOf: "ffi".unicodeScalars)
                case "ﬄ": out.append(contentsOf: "ffl".unicodeScalars)
                case "ﬅ", "ﬆ": out.append(contentsOf: "st".unicodeScalars)
                default: out.append(u)
                }
            }
            previousCR = false
        }
        return String(out)
    }

    /// Words after which a line-final hyphen is a real one ("Social- og Boligstyrelsen").
    static let keepHyphenBefore: Set<String> = ["og", "eller", "samt", "til", "som", "end", "contra"]

    /// Joins words hyphenated at a line break ("udgangs-\npunkt" → "udgangspunkt") when the next
    /// line goes on in lower case and is not a conjunction ("Social-\nog" stays). With a word list,
    /// a join is refused only when the hyphenated compound is a known word and the joined one is not.
    public static func dehyphenate(_ text: String, words: Set<String>?) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var i = 0
        while i + 1 < lines.count {
            let line = lines[i]
            guard line.hasSuffix("-"), line.count >= 2 else {
                i += 1
                continue
            }
            let head = String(line.dropLast().reversed().prefix { $0.isLetter }.reversed())
            let next = lines[i + 1].drop(while: { $0 == " " })
            let nextWord = String(next.prefix { $0.isLetter })
            guard !head.isEmpty, let first = nextWord.first, first.isLowercase, !keepHyphenBefore.contains(nextWord.lowercased()) else {
                i += 1
                continue
            }
            if let words {
                let joined = (head + nextWord).lowercased()
                let hyphenated = head.lowercased() + "-" + nextWord.lowercased()
                if words.contains(hyphenated) && !words.contains(joined) {
                    i += 1
                    continue
                }
            }
            let afterWord = next.dropFirst(nextWord.count)
            let attached = afterWord.prefix { !$0.isWhitespace }  // punctuation glued to the word
            lines[i] = String(line.dropLast()) + nextWord + attached
            let rest = String(afterWord.dropFirst(attached.count).drop(while: { $0 == " " }))
            if rest.isEmpty { lines.remove(at: i + 1) } else { lines[i + 1] = rest }
        }
        return lines.joined(separator: "\n")
    }

    /// Removes blank lines that OCR puts inside paragraphs: between a line that does not end a
    /// sentence and a line that goes on in lower case.
    public static func mendParagraphs(_ text: String) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var i = 1
        while i + 1 < lines.count {
            if lines[i].trimmingCharacters(in: .whitespaces).isEmpty,
                let prev = lines[i - 1].trimmingCharacters(in: .whitespaces).last, !".:!?".contains(prev),
                let next = lines[i + 1].trimmingCharacters(in: .whitespaces).first, next.isLowercase
            {
                lines.remove(at: i)
            } else {
                i += 1
            }
        }
        return lines.joined(separator: "\n")
    }

    /// Lines that repeat at the top or bottom of most pages (page numbers folded to "#"):
    /// running headers and footers. Needs at least three pages.
    public static func repeatedMargins(_ pages: [String], share: Double = 0.6) -> Set<String> {
        guard pages.count >= 3 else { return [] }
        var counts: [String: Int] = [:]
        for page in pages {
            let lines = page.split(separator: "\n").map { foldMargin(String($0)) }.filter { !$0.isEmpty }
            let edges = Set(lines.prefix(2) + lines.suffix(2))
            for e in edges { counts[e, default: 0] += 1 }
        }
        let needed = Int((Double(pages.count) * share).rounded(.up))
        return Set(counts.filter { $0.value >= needed }.map(\.key))
    }

    /// A margin line with digits folded, for comparing "Side 3 af 33" with "Side 4 af 33".
    public static func foldMargin(_ line: String) -> String {
        var out = ""
        var lastDigit = false
        for ch in line.trimmingCharacters(in: .whitespaces) {
            if ch.isNumber {
                if !lastDigit { out.append("#") }
                lastDigit = true
            } else {
                out.append(ch)
                lastDigit = false
            }
        }
        return out
    }

    /// Splits a page into (body, header/footer lines) given the repeated margins of its document.
    public static func stripMargins(_ page: String, margins: Set<String>) -> (body: String, margins: [String]) {
        guard !margins.isEmpty else { return (page, []) }
        var lines = page.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var removed: [String] = []
        func isMargin(_ l: String) -> Bool { margins.contains(foldMargin(l)) }
        for _ in 0..<2 {
            while let first = lines.first, first.trimmingCharacters(in: .whitespaces).isEmpty { lines.removeFirst() }
            if let first = lines.first, isMargin(first) { removed.append(first); lines.removeFirst() }
            while let last = lines.last, last.trimmingCharacters(in: .whitespaces).isEmpty { lines.removeLast() }
            if let last = lines.last, isMargin(last) { removed.append(last); lines.removeLast() }
        }
        return (lines.joined(separator: "\n"), removed)
    }

    /// Runs of whitespace → one space, trimmed.
    public static func collapseSpaces(_ s: String) -> String {
        s.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }
}
