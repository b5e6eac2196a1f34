/// A search hit's snippet from its text and the query's lexemes: the words around the first
/// match (and around the first match of a query word not yet shown), the matched words
/// between U+0001 and U+0002 (the page turns them into `<mark>`), `…` where text is left out.
/// The shape of SQLite's `snippet()` (24 words), for both backends: `snippet()` and PostgreSQL's
/// `ts_headline` re-tokenize and stem every word of every hit's text; here only the words that
/// start like a query word are stemmed, and only up to the snippet's last word.
public struct HitSnippet: Sendable, Equatable {
    /// Whole lexemes (`hjemløs`) and prefixes (`energi` of `energi:*`) as the index stems them.
    public let words: Set<String>
    public let prefixes: [String]
    /// Words per snippet; with two fragments each gets half.
    public var length = 24

    public init(words: Set<String>, prefixes: [String]) {
        self.words = words
        self.prefixes = prefixes
        var keys = Set<UInt64>()
        var short = false
        for w in Array(words) + prefixes {
            let key = Array(String(w.prefix(3)).utf8)
            keys.insert(Self.pack(key[...]))
            short = short || w.count < 3
        }
        self.keys = keys
        hasShortKeys = short
    }

    /// From a query's terms, each word lower-cased and stemmed by `stem` (as SQLite's
    /// `klartekst_danish` tokenizer makes its tokens; a prefix's stem is the prefix).
    public init(query: SearchQuery, stem: (String) -> String) {
        var words = Set<String>()
        var prefixes: [String] = []
        for term in query.terms {
            switch term {
            case .word(let w): words.insert(stem(w.lowercased()))
            case .prefix(let p): prefixes.append(stem(p.lowercased()))
            case .phrase(let ws): words.formUnion(ws.map { stem($0.lowercased()) })
            }
        }
        self.init(words: words, prefixes: prefixes)
    }

    /// From a tsquery as PostgreSQL prints it (`'hjemløs':* & 'strategi'`).
    public init(tsquery q: String) {
        let tokens = TSQueryText.tokens(q)
        self.init(words: Set(tokens.filter { !$0.isPrefix }.map(\.lexeme)), prefixes: tokens.filter(\.isPrefix).map(\.lexeme))
    }

    /// First (up to) three letters of every lexeme, packed: a word that starts otherwise is never stemmed.
    let keys: Set<UInt64>
    let hasShortKeys: Bool

    struct Word {
        var start: Int
        var end: Int
        var lexeme: String?
    }

    /// `stem` stems one lower-case word (Snowball "danish", as the index does); Snowball's
    /// stem is always a prefix of the word, which the key test relies on. Works on the UTF-8
    /// bytes: only the words whose first letters are a key become strings.
    /// The words are read only as far as the snippet needs them (`readAll`, for tests: every
    /// one; the snippet is the same).
    public func make(_ text: String, stem: (String) -> String, readAll: Bool = false) -> String {
        let bytes = Array(text.utf8)
        var words: [Word] = []
        words.reserveCapacity(min(bytes.count / 6, 256))
        // Once the first match's fragment is final (the words after it no longer move it), the
        // only word still wanted is the first one with a query word that fragment does not show.
        var firstMatch: Int?
        var firstShows: Set<String>?
        var stopAt = Int.max
        let queryWords = self.words.union(prefixes).count
        var i = 0
        while i < bytes.count {
            if !readAll, words.count >= stopAt { break }
            let (isWord, length) = Self.scalar(bytes, i)
            guard isWord else { i += length; continue }
            var j = i + length
            var third = j  // the end of the word's third letter
            var letters = 1
            while j < bytes.count {
                let (w, l) = Self.scalar(bytes, j)
                guard w else { break }
                j += l
                letters += 1
                if letters <= 3 { third = j }
            }
            words.append(Word(start: i, end: j, lexeme: lexeme(bytes, i, third, j, stem: stem)))
            i = j
            let n = words.count
            if firstMatch == nil, words[n - 1].lexeme != nil {
                firstMatch = n - 1
                stopAt = n + self.length
            } else if let f = firstMatch, firstShows == nil, n >= f + self.length + 1 {
                let inFirst = Set(words[span(around: f, self.length, n)].compactMap(\.lexeme))
                firstShows = inFirst
                stopAt = inFirst.count >= queryWords ? n : Int.max
                if let second = words.indices.first(where: { $0 > f && words[$0].lexeme.map { !inFirst.contains($0) } == true }) {
                    stopAt = second + self.length / 2 + 1
                }
            } else if let inFirst = firstShows, stopAt == Int.max, let l = words[n - 1].lexeme, !inFirst.contains(l) {
                stopAt = n + self.length / 2
            }
        }
        guard !words.isEmpty else { return "" }
        guard let first = words.firstIndex(where: { $0.lexeme != nil }) else {
            return render(bytes, words, [0..<min(length, words.count)])
        }
        // A second fragment for a query word the first does not show.
        let firstSpan = span(around: first, length, words.count)
        let shown = Set(words[firstSpan].compactMap(\.lexeme))
        if let second = words.indices.first(where: { !firstSpan.contains($0) && words[$0].lexeme.map { !shown.contains($0) } == true }) {
            let part = length / 2
            let a = span(around: first, part, words.count)
            var b = span(around: second, part, words.count)
            if b.overlaps(a) { b = max(b.lowerBound, a.upperBound)..<max(b.upperBound, a.upperBound) }
            let spans = [a, b].filter { !$0.isEmpty }.sorted { $0.lowerBound < $1.lowerBound }
            return render(bytes, words, spans)
        }
        return render(bytes, words, [firstSpan])
    }

    /// Whether the scalar at `i` is a letter or digit, and its length in bytes.
    @inline(__always)
    static func scalar(_ b: [UInt8], _ i: Int) -> (Bool, Int) {
        let c = b[i]
        guard c < 0x80 else { return nonASCII(b, i) }
        let l = c | 0x20
        return ((c >= 0x30 && c <= 0x39) || (l >= 0x61 && l <= 0x7A), 1)
    }

    @inline(never)
    static func nonASCII(_ b: [UInt8], _ i: Int) -> (Bool, Int) {
        let c = b[i]
        let length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1
        guard length > 1, i + length <= b.count else { return (false, 1) }
        // Latin-1 letters (æ, ø, å, é, …): no table needed.
        if c == 0xC3 { return (b[i + 1] != 0x97 && b[i + 1] != 0xB7, 2) }
        var v = UInt32(c) & (0xFF >> UInt32(length + 1))
        for k in 1..<length { v = v << 6 | UInt32(b[i + k] & 0x3F) }
        guard let s = Unicode.Scalar(v) else { return (false, length) }
        return (s.properties.isAlphabetic || s.properties.numericType != nil, length)
    }

    /// The query lexeme the word `bytes[start..<end]` is a form of, if any (`third`: the end of
    /// its first three letters).
    func lexeme(_ bytes: [UInt8], _ start: Int, _ third: Int, _ end: Int, stem: (String) -> String) -> String? {
        guard keys.contains(Self.pack(bytes[start..<third], lowering: true)) || (hasShortKeys && shortKeyMatches(bytes, start, third))
        else { return nil }
        let s = stem(String(decoding: bytes[start..<end], as: UTF8.self).lowercased())
        if words.contains(s) { return s }
        return prefixes.first { s.hasPrefix($0) }
    }

    /// A lexeme of one or two letters that the word starts with.
    func shortKeyMatches(_ bytes: [UInt8], _ start: Int, _ third: Int) -> Bool {
        var end = start
        for _ in 0..<2 where end < third {
            end += Self.scalar(bytes, end).1
            if keys.contains(Self.pack(bytes[start..<end], lowering: true)) { return true }
        }
        return false
    }

    /// Up to 8 UTF-8 bytes in one number (a longer key only makes a word stemmed needlessly);
    /// `lowering`: ASCII and Latin-1 capitals (Æ, Ø, Å, …) as small letters.
    static func pack(_ bytes: ArraySlice<UInt8>, lowering: Bool = false) -> UInt64 {
        var v: UInt64 = 0
        var previous: UInt8 = 0
        for (n, b) in bytes.enumerated() where n < 8 {
            var c = b
            if lowering {
                if c >= 0x41 && c <= 0x5A {
                    c |= 0x20
                } else if previous == 0xC3, c >= 0x80, c <= 0x9E, c != 0x97 {
                    c += 0x20
                }
            }
            previous = b
            v = v << 8 | UInt64(c)
        }
        return v | UInt64(min(bytes.count, 8)) << 60
    }

    /// `length` words starting a few before `index`.
    func span(around index: Int, _ length: Int, _ count: Int) -> Range<Int> {
        let start = max(0, min(index - length / 4, count - length))
        return start..<min(count, start + length)
    }

    func render(_ bytes: [UInt8], _ words: [Word], _ spans: [Range<Int>]) -> String {
        let ellipsis: [UInt8] = Array("…".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(spans.reduce(0) { $0 + words[$1.upperBound - 1].end - words[$1.lowerBound].start } + 16)
        for (n, s) in spans.enumerated() {
            if n > 0 { out.append(0x20) }
            if s.lowerBound > 0 { out += ellipsis }
            var cursor = words[s.lowerBound].start
            for i in s {
                let w = words[i]
                Self.appendFlattened(bytes[cursor..<w.start], to: &out)
                if w.lexeme != nil { out.append(0x01) }
                out += bytes[w.start..<w.end]
                if w.lexeme != nil { out.append(0x02) }
                cursor = w.end
            }
            if s.upperBound < words.count {
                out += ellipsis
            } else {
                Self.appendFlattened(bytes[cursor...], to: &out)
                while out.last == 0x20 { out.removeLast() }
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Bytes between words on one line: runs of white space as one space, U+0001 and U+0002
    /// (the marks) left out.
    static func appendFlattened(_ s: ArraySlice<UInt8>, to out: inout [UInt8]) {
        var space = false
        for c in s {
            switch c {
            case 0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D: space = true
            case 0x01, 0x02: continue
            default:
                if space { out.append(0x20) }
                space = false
                out.append(c)
            }
        }
        if space { out.append(0x20) }
    }
}
