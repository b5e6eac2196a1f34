import Foundation

/// One item as the search index sees it: what is searched (title, case text, attachment text,
/// the published analysis, compound-word parts) and what is filtered on. Built from the store's
/// data by ``make(_:)``; `contentHash` keys the work, so an unchanged item is not re-indexed.
public struct SearchDocument: Sendable, Equatable {
    public var itemKey: String
    public var municipality: String
    public var municipalityName: String
    public var committee: String
    public var meetingSlug: String
    public var number: String
    /// `yyyy-MM-dd`, or "" when the meeting has no date.
    public var date: String
    /// The newest document kind of the meeting (`agenda`, `minutes`, …).
    public var kind: String
    public var decided: Bool
    /// Followed topics the published relevance analysis says the item is about (slugs).
    public var topics: [String]
    public var title: String
    public var body: String
    public var attachments: String
    public var analysis: String
    /// Parts of compound words (for "strategi" to find "hjemløsestrategien").
    public var parts: String
    public var contentHash: String

    public init(
        itemKey: String, municipality: String, municipalityName: String, committee: String, meetingSlug: String, number: String, date: String,
        kind: String, decided: Bool, topics: [String], title: String, body: String, attachments: String, analysis: String, parts: String
    ) {
        self.itemKey = itemKey
        self.municipality = municipality
        self.municipalityName = municipalityName
        self.committee = committee
        self.meetingSlug = meetingSlug
        self.number = number
        self.date = date
        self.kind = kind
        self.decided = decided
        self.topics = topics
        self.title = title
        self.body = body
        self.attachments = attachments
        self.analysis = analysis
        self.parts = parts
        self.contentHash = ContentHash.sha256(fields: [
            SearchDocument.version, itemKey, municipality, municipalityName, committee, meetingSlug, number, date, kind, decided ? "1" : "0",
            topics.joined(separator: " "), title, body, attachments, analysis, parts,
        ])
    }

    /// Bump when what goes into a document changes: every item is indexed again.
    public static let version = "search-v1"
}

/// What the index needs to know about one item (read from the store).
public struct SearchSource: Sendable {
    public var input: AnalysisInput
    public var meetingSlug: String
    public var date: String?
    public var kind: String
    public var analyses: [StoredAnalysis]

    public init(input: AnalysisInput, meetingSlug: String, date: String?, kind: String, analyses: [StoredAnalysis]) {
        self.input = input
        self.meetingSlug = meetingSlug
        self.date = date
        self.kind = kind
        self.analyses = analyses
    }
}

extension SearchDocument {
    /// The document for an item: closed items keep only their title (the municipality
    /// publishes nothing else); only published analyses are searched.
    public static func make(_ s: SearchSource, splitter: CompoundSplitter) -> SearchDocument {
        let i = s.input
        let open = i.status != .closed
        let shown = StoredAnalysis.shown(s.analyses)
        var analysisText: [String] = []
        var topics: [String] = []
        for a in shown {
            if a.prompt == "summary", let sum = a.summary {
                analysisText += [sum.question ?? ""] + sum.summary.map(\.text) + sum.pros.map(\.text) + sum.cons.map(\.text) + sum.keywords
            } else if a.prompt == "relevance", let r = a.relevance, r.relevant {
                topics.append(a.topic)
            }
        }
        let body = open ? i.sections.map { "\($0.heading)\n\($0.text)" }.joined(separator: "\n\n") : ""
        let attachments = open ? i.attachmentText : ""
        let analysis = analysisText.filter { !$0.isEmpty }.joined(separator: "\n")
        let decided = DecisionComparison.make(committee: i.committee, sections: i.sections, steps: [], tally: nil) != nil
        let parts = splitter.parts(of: [i.title, analysis, body].joined(separator: " "))
        return SearchDocument(
            itemKey: i.itemKey, municipality: i.municipality, municipalityName: i.municipalityName, committee: i.committee, meetingSlug: s.meetingSlug,
            number: i.number, date: s.date ?? "", kind: s.kind, decided: decided, topics: topics.sorted(), title: i.title, body: body,
            attachments: attachments, analysis: analysis, parts: parts.joined(separator: " "))
    }
}

/// Splits Danish compound words with a word list: "hjemløsestrategien" → "hjemløse",
/// "strategien". A word of at least ten letters is split where both ends are known words (the
/// head may end in the linking letters -s- or -e-), the head at least four letters, the tail at
/// least five; the longest such tail wins.
public struct CompoundSplitter: Sendable {
    let words: Set<String>
    public static let minimumHead = 4
    public static let minimumTail = 5
    public static let minimumWord = 10

    public init(words: Set<String>) { self.words = words }

    public static let none = CompoundSplitter(words: [])

    /// Reads a word list (one word per line, e.g. Debian's /usr/share/dict/danish).
    public init(wordList: String) {
        var set = Set<String>()
        for line in wordList.split(whereSeparator: \.isNewline) {
            let w = line.trimmingCharacters(in: .whitespaces).lowercased()
            if w.count >= Self.minimumHead, w.allSatisfy(\.isLetter) { set.insert(w) }
        }
        words = set
    }

    /// The parts of every compound in `text` (each compound's parts once, in order).
    public func parts(of text: String) -> [String] {
        guard !words.isEmpty else { return [] }
        var out: [String] = []
        var seen = Set<String>()
        for token in text.lowercased().split(whereSeparator: { !$0.isLetter }) where token.count >= Self.minimumWord {
            let word = String(token)
            guard seen.insert(word).inserted else { continue }
            out += split(word)
        }
        return out
    }

    /// Head and tail of a compound, or nothing.
    public func split(_ word: String) -> [String] {
        let chars = Array(word)
        guard chars.count >= Self.minimumWord else { return [] }
        for cut in Self.minimumHead...(chars.count - Self.minimumTail) {
            let tail = String(chars[cut...])
            guard words.contains(tail) else { continue }
            let head = String(chars[..<cut])
            if words.contains(head) { return [head, tail] }
            if head.count > Self.minimumHead, head.hasSuffix("s") || head.hasSuffix("e"), words.contains(String(head.dropLast())) {
                return [String(head.dropLast()), tail]
            }
        }
        return []
    }
}

/// A citizen's search as typed: words (all must match), "quoted phrases", and words ending in
/// `*` as prefixes. Everything else is dropped, so no input can change the query's syntax.
public struct SearchQuery: Sendable, Equatable {
    public enum Term: Sendable, Equatable {
        case word(String)
        case prefix(String)
        case phrase([String])
    }

    public var terms: [Term]
    public var isEmpty: Bool { terms.isEmpty }

    public init(terms: [Term]) { self.terms = terms }

    /// Words are runs of letters and digits, lower-cased; at most 12 terms.
    public static func parse(_ text: String) -> SearchQuery {
        var terms: [Term] = []
        let chunks = text.prefix(500).split(separator: "\"", omittingEmptySubsequences: false)
        for (n, chunk) in chunks.enumerated() {
            let inQuotes = n % 2 == 1 && n < chunks.count - 1
            if inQuotes {
                let words = Self.words(chunk)
                if words.count == 1 { terms.append(.word(words[0])) } else if !words.isEmpty { terms.append(.phrase(words)) }
                continue
            }
            for raw in chunk.split(whereSeparator: \.isWhitespace) {
                let words = Self.words(raw)
                guard !words.isEmpty else { continue }
                if raw.hasSuffix("*"), words.count == 1, words[0].count >= 2 {
                    terms.append(.prefix(words[0]))
                } else if words.count == 1 {
                    terms.append(.word(words[0]))
                } else {
                    terms.append(.phrase(words))  // "B-dag", "2,5" stay together
                }
            }
        }
        return SearchQuery(terms: Array(terms.prefix(12)))
    }

    static func words(_ s: Substring) -> [String] {
        s.lowercased().split(whereSeparator: { !($0.isLetter || $0.isNumber) }).map(String.init)
    }

    /// SQLite FTS5 syntax: every term a quoted string (so it is never an operator), prefixes
    /// with `*`, joined by AND or OR; with a municipality, only its items (the index's
    /// `municipality` column holds ``municipalityToken(_:)``, so FTS5 intersects the two instead
    /// of every match being read to test its municipality).
    public func fts5(any: Bool = false, municipality: String? = nil) -> String {
        let words = terms.map { t in
            switch t {
            case .word(let w): return "\"\(w)\""
            case .prefix(let w): return "\"\(w)\"*"
            case .phrase(let ws): return "\"\(ws.joined(separator: " "))\""
            }
        }.joined(separator: any ? " OR " : " AND ")
        guard let municipality else { return words }
        let token = Self.municipalityToken(municipality).replacingOccurrences(of: "\"", with: "\"\"")
        return "(\(words)) AND municipality : \"\(token)\""
    }

    /// What SQLite's search index holds for a municipality (the `search_fts_content` view of
    /// migration 0016 makes the same): a digit and the slug without hyphens — one token, and not
    /// a word a search makes or starts.
    public static func municipalityToken(_ slug: String) -> String {
        "0" + slug.replacingOccurrences(of: "-", with: "")
    }

    /// PostgreSQL `to_tsquery('danish', …)` syntax; the words are letters and digits only.
    public func tsquery(any: Bool = false) -> String {
        terms.map { t in
            switch t {
            case .word(let w): return w
            case .prefix(let w): return "\(w):*"
            case .phrase(let ws): return "(" + ws.joined(separator: " <-> ") + ")"
            }
        }.joined(separator: any ? " | " : " & ")
    }
}

/// A PostgreSQL tsquery as `tsquery::text` prints it (`'hjemløs':* & 'strategi'`): its prefix
/// terms, and the same query with each prefix replaced by the word forms it stands for.
public enum TSQueryText {
    struct Token {
        var range: Range<String.Index>
        var lexeme: String
        var isPrefix: Bool
    }

    /// Quoted lexemes (`'it''s'` → `it's`, backslash escapes undone), with whether `:*` follows.
    static func tokens(_ q: String) -> [Token] {
        var out: [Token] = []
        var i = q.startIndex
        while i < q.endIndex {
            guard q[i] == "'" else { i = q.index(after: i); continue }
            let start = i
            var lexeme = ""
            i = q.index(after: i)
            while i < q.endIndex {
                let c = q[i]
                let next = q.index(after: i)
                if c == "\\", next < q.endIndex {
                    lexeme.append(q[next])
                    i = q.index(after: next)
                } else if c == "'" {
                    if next < q.endIndex, q[next] == "'" {
                        lexeme.append("'")
                        i = q.index(after: next)
                    } else {
                        i = next
                        break
                    }
                } else {
                    lexeme.append(c)
                    i = next
                }
            }
            var isPrefix = false
            if q[i...].hasPrefix(":*") {
                isPrefix = true
                i = q.index(i, offsetBy: 2)
            }
            out.append(Token(range: start..<i, lexeme: lexeme, isPrefix: isPrefix))
        }
        return out
    }

    /// The lexemes used as prefixes, in order, without repeats.
    public static func prefixes(_ q: String) -> [String] {
        var seen = Set<String>()
        return tokens(q).filter { $0.isPrefix && seen.insert($0.lexeme).inserted }.map(\.lexeme)
    }

    /// A lexeme as a tsquery literal.
    public static func quote(_ lexeme: String) -> String {
        "'" + lexeme.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// `q` with every prefix that has forms replaced by `( 'form' | … )`; others stay prefixes.
    public static func expanding(_ q: String, _ forms: [String: [String]]) -> String {
        var out = ""
        var last = q.startIndex
        for t in tokens(q) where t.isPrefix {
            guard let f = forms[t.lexeme], !f.isEmpty else { continue }
            out += q[last..<t.range.lowerBound]
            out += "( " + f.map(quote).joined(separator: " | ") + " )"
            last = t.range.upperBound
        }
        return out + q[last...]
    }
}

/// Filters and paging of a search.
public struct SearchRequest: Sendable, Equatable {
    public enum Sort: String, Sendable, CaseIterable { case relevance = "relevans", newest = "nyeste" }
    public var query: SearchQuery
    public var municipality: String?
    public var committee: String?
    public var from: String?
    public var to: String?
    public var kind: String?
    public var topic: String?
    public var decided: Bool?
    public var sort: Sort
    public var page: Int
    public var pageSize: Int
    /// `yyyy-MM-dd` the recency of results is measured from.
    public var today: String
    /// Only documents indexed after / up to these index ids (alerts: what is new since last time).
    public var afterID: Int64?
    public var throughID: Int64?

    public init(
        query: SearchQuery, municipality: String? = nil, committee: String? = nil, from: String? = nil, to: String? = nil, kind: String? = nil,
        topic: String? = nil, decided: Bool? = nil, sort: Sort = .relevance, page: Int = 1, pageSize: Int = 20, today: String
    ) {
        self.query = query
        self.municipality = municipality
        self.committee = committee
        self.from = from
        self.to = to
        self.kind = kind
        self.topic = topic
        self.decided = decided
        self.sort = sort
        self.page = max(1, min(page, 500))
        self.pageSize = max(1, min(pageSize, 100))
        self.today = today
    }

    /// Relevance ranking scores at most this many matches (the newest), then orders them by
    /// text relevance weighted by age; later pages continue newest first. Scoring every match of
    /// a common word costs 10 ms or more per 100,000 matches; this window keeps it bounded.
    public static let relevanceWindow = 300
}

/// One result with its snippet: `snippet` holds the matched words between U+0001 and U+0002,
/// so the page can escape everything and then mark them.
public struct SearchHit: Sendable, Equatable {
    public var itemKey: String
    public var municipality: String
    public var municipalityName: String
    public var committee: String
    public var meetingSlug: String
    public var number: String
    public var date: String
    public var kind: String
    public var decided: Bool
    public var title: String
    public var snippet: String
    /// Text relevance from the backend, larger is better (FTS5 bm25 negated; ts_rank_cd).
    public var score: Double

    public init(
        itemKey: String, municipality: String, municipalityName: String, committee: String, meetingSlug: String, number: String, date: String,
        kind: String, decided: Bool, title: String, snippet: String, score: Double
    ) {
        self.itemKey = itemKey
        self.municipality = municipality
        self.municipalityName = municipalityName
        self.committee = committee
        self.meetingSlug = meetingSlug
        self.number = number
        self.date = date
        self.kind = kind
        self.decided = decided
        self.title = title
        self.snippet = snippet
        self.score = score
    }
}

public struct SearchResults: Sendable, Equatable {
    public var hits: [SearchHit]
    /// Matches in all (capped at ``countCap``).
    public var total: Int
    public var totalIsCapped: Bool
    /// No item had every word, so items with any of them are shown.
    public var matchedAny: Bool

    public init(hits: [SearchHit], total: Int, totalIsCapped: Bool, matchedAny: Bool) {
        self.hits = hits
        self.total = total
        self.totalIsCapped = totalIsCapped
        self.matchedAny = matchedAny
    }

    public static let countCap = 1000
    public static let empty = SearchResults(hits: [], total: 0, totalIsCapped: false, matchedAny: false)
}

public enum SearchRanking {
    /// Text relevance weighted by age: a year-old item counts about half of today's.
    public static func combined(score: Double, date: String, today: String) -> Double {
        combined(score: score, date: date, todayNumber: dayNumber(today))
    }

    static func combined(score: Double, date: String, todayNumber: Int?) -> Double {
        score / (1.0 + Double(max(0, days(from: date, toDay: todayNumber))) / 365.0)
    }

    static func days(from a: String, toDay y: Int?) -> Int {
        guard let x = dayNumber(a), let y else { return 365 }  // undated: counted as a year old
        return y - x
    }

    /// `yyyy-MM-dd` (anything after the tenth character ignored) without allocating.
    static func dateParts(_ iso: String) -> (Int, Int, Int)? {
        var digits = [Int](repeating: 0, count: 8)
        var n = 0
        var index = 0
        for byte in iso.utf8 {
            if index == 10 { break }
            if index == 4 || index == 7 {
                guard byte == 0x2D else { return nil }
            } else {
                guard byte >= 0x30 && byte <= 0x39 else { return nil }
                digits[n] = Int(byte - 0x30)
                n += 1
            }
            index += 1
        }
        guard index == 10 else { return nil }
        let y = digits[0] * 1000 + digits[1] * 100 + digits[2] * 10 + digits[3]
        let m = digits[4] * 10 + digits[5]
        let d = digits[6] * 10 + digits[7]
        guard (1...12).contains(m), (1...31).contains(d) else { return nil }
        return (y, m, d)
    }

    /// Days since 1970-01-01 for `yyyy-MM-dd` (proleptic Gregorian).
    public static func dayNumber(_ iso: String) -> Int? {
        guard let (y0, m, d) = dateParts(iso) else { return nil }
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Orders a relevance window by text relevance and recency (ties: newest, then item key).
    public static func rank(_ hits: [SearchHit], today: String) -> [SearchHit] {
        let todayNumber = dayNumber(today)
        let value = hits.map { combined(score: $0.score, date: $0.date, todayNumber: todayNumber) }
        // Sorts positions, not hits: a hit is large, and moving 300 of them was most of the cost.
        return hits.indices.sorted { a, b in
            if value[a] != value[b] { return value[a] > value[b] }
            if hits[a].date != hits[b].date { return hits[a].date > hits[b].date }
            return hits[a].itemKey < hits[b].itemKey
        }.map { hits[$0] }
    }
}

/// An item whose search document is missing or out of date.
public struct SearchBacklogEntry: Sendable, Equatable {
    public var itemKey: String
    /// What the document will be indexed at (revision, analyses, attachment text).
    public var signature: String
    public init(itemKey: String, signature: String) {
        self.itemKey = itemKey
        self.signature = signature
    }
}

/// The search index in the store.
public protocol SearchStore: Sendable {
    /// Items to (re)index, at most `limit`.
    func searchBacklog(limit: Int) async throws -> [SearchBacklogEntry]
    func searchSource(itemKey: String) async throws -> SearchSource?
    /// Writes documents (one transaction); an unchanged document only gets its new signature.
    func saveSearchDocuments(_ docs: [(SearchDocument, signature: String)]) async throws
    func search(_ request: SearchRequest) async throws -> SearchResults
    func searchCount() async throws -> Int
    func searchCommittees(municipality: String?) async throws -> [String]
}
