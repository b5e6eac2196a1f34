import Foundation
import Hummingbird
import KlartekstCore

/// Search: `/soeg` (the page, a GET form that works without JavaScript; every result page is a
/// stable link) and `/api/v1/search` (JSON). Danish stemming, compound parts, filters, ranking
/// with recency, highlighted snippets, pagination.
/// A search from the query string: Danish parameter names on the page (`kommune`, `udvalg`,
/// `fra`, `til`, `type`, `emne`, `besluttet`, `sortering`, `side`), English in the API.
func searchRequest(_ r: Request, api: Bool, today: String) -> (SearchRequest, raw: String) {
    let form = r.formFields
    func get(_ da: String, _ en: String) -> String? {
        let v = (form[api ? en : da] ?? "").trimmingCharacters(in: .whitespaces)
        return v.isEmpty ? nil : String(v.prefix(200))
    }
    func day(_ s: String?) -> String? { s.flatMap { DanishFormat.date($0) != nil && $0.count == 10 ? $0 : nil } }
    let raw = String((form["q"] ?? "").prefix(500))
    let decided: Bool? = switch get("besluttet", "decided") {
    case "ja", "true": true
    case "nej", "false": false
    default: nil
    }
    let sort = SearchRequest.Sort(rawValue: get("sortering", "sort") ?? "") ?? (get("sortering", "sort") == "newest" ? .newest : .relevance)
    return (
        SearchRequest(
            query: SearchQuery.parse(raw), municipality: get("kommune", "municipality"), committee: get("udvalg", "committee"),
            from: day(get("fra", "from")), to: day(get("til", "to")), kind: get("type", "kind"), topic: get("emne", "topic"), decided: decided,
            sort: sort, page: Int(get("side", "page") ?? "") ?? 1, pageSize: api ? Int(get("antal", "limit") ?? "") ?? 20 : 20, today: today),
        raw
    )
}

func addSearchRoutes(_ router: Router<WebContext>, _ deps: WebDependencies) {
    router.get("/soeg") { r, _ in
        let (search, raw) = searchRequest(r, api: false, today: deps.today())
        let body = try await deps.caches.pages.value(r.cacheKey) {
            let results = try await deps.store.search(search)
            let municipalities = try await deps.caches.storedMunicipalities(deps.store)
            let committees = try await deps.store.searchCommittees(municipality: search.municipality)
            return deps.pages.search(
                raw: raw, request: search, results: results, municipalities: municipalities, committees: committees, topics: deps.topicList,
                query: r.uri.query ?? "")
        }
        return Responses.html(body, request: r)
    }

    router.get("/api/v1/search") { r, _ in
        let (search, raw) = searchRequest(r, api: true, today: deps.today())
        guard !search.query.isEmpty else { throw HTTPError(.badRequest, message: "q is required: one or more words") }
        let results = try await deps.store.search(search)
        let body = SearchAPIResponse(
            query: raw, total: results.total, totalIsCapped: results.totalIsCapped, matchedAnyWord: results.matchedAny, page: search.page,
            pageSize: search.pageSize,
            results: results.hits.map { h in
                SearchAPIResponse.Hit(
                    title: h.title, municipality: h.municipality, committee: h.committee, url: Paths.apiItem(h.municipality, h.meetingSlug, h.number),
                    htmlURL: Paths.item(h.municipality, h.meetingSlug, h.number), kind: h.kind, date: h.date.isEmpty ? nil : h.date, decided: h.decided,
                    snippet: String(decoding: h.snippet.utf8.filter { $0 != 0x01 && $0 != 0x02 }, as: UTF8.self),  // the marks: one byte each
                    score: (h.score * 1000).rounded() / 1000)
            })
        return Responses.json(body.json, request: r)
    }
}

/// The body of `/api/v1/search`.
struct SearchAPIResponse: Encodable {
    struct Hit: Encodable {
        var title, municipality, committee, url, htmlURL, kind: String
        var date: String?
        var decided: Bool
        var snippet: String
        var score: Double
    }
    var query: String
    var total: Int
    var totalIsCapped: Bool
    var matchedAnyWord: Bool
    var page, pageSize: Int
    var results: [Hit]

    /// The JSON ``APIEncoding`` writes (keys sorted, indented), written directly: the encoder
    /// took 0.4 ms of a 4 ms search.
    var json: String {
        var out = "{\n  \"matchedAnyWord\" : \(matchedAnyWord),\n  \"page\" : \(page),\n  \"pageSize\" : \(pageSize),\n  \"query\" : "
        JSONText.string(query, to: &out)
        out += ",\n  \"results\" : ["
        for (n, h) in results.enumerated() {
            out += n == 0 ? "\n    {\n      \"committee\" : " : ",\n    {\n      \"committee\" : "
            JSONText.string(h.committee, to: &out)
            if let date = h.date {
                out += ",\n      \"date\" : "
                JSONText.string(date, to: &out)
            }
            out += ",\n      \"decided\" : \(h.decided),\n      \"htmlURL\" : "
            JSONText.string(h.htmlURL, to: &out)
            out += ",\n      \"kind\" : "
            JSONText.string(h.kind, to: &out)
            out += ",\n      \"municipality\" : "
            JSONText.string(h.municipality, to: &out)
            out += ",\n      \"score\" : " + JSONText.number(h.score) + ",\n      \"snippet\" : "
            JSONText.string(h.snippet, to: &out)
            out += ",\n      \"title\" : "
            JSONText.string(h.title, to: &out)
            out += ",\n      \"url\" : "
            JSONText.string(h.url, to: &out)
            out += "\n    }"
        }
        out += results.isEmpty ? "\n\n  ],\n" : "\n  ],\n"
        out += "  \"total\" : \(total),\n  \"totalIsCapped\" : \(totalIsCapped)\n}"
        return out
    }
}

/// JSON text pieces, as JSONEncoder writes them (slashes not escaped).
enum JSONText {
    static func string(_ s: String, to out: inout String) {
        out.append("\"")
        var plain = true
        for b in s.utf8 where b < 0x20 || b == 0x22 || b == 0x5C {
            plain = false
            break
        }
        guard !plain else {
            out += s
            out.append("\"")
            return
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(s.utf8.count + 16)
        for b in s.utf8 {
            switch b {
            case 0x22: bytes += [0x5C, 0x22]
            case 0x5C: bytes += [0x5C, 0x5C]
            case 0x0A: bytes += [0x5C, 0x6E]
            case 0x0D: bytes += [0x5C, 0x72]
            case 0x09: bytes += [0x5C, 0x74]
            case 0x08: bytes += [0x5C, 0x62]
            case 0x0C: bytes += [0x5C, 0x66]
            case ..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes += [0x5C, 0x75, 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 0xF)]]
            default: bytes.append(b)
            }
        }
        out += String(decoding: bytes, as: UTF8.self)
        out.append("\"")
    }

    /// A finite number: whole ones without a fraction (`12`), others as Swift prints them (`0.25`).
    static func number(_ d: Double) -> String {
        guard d.isFinite else { return "0" }
        if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return "\(d)"
    }
}

extension Pages {
    struct SearchVM {
        struct Hit { var url, title, place: String; var date: String?; var kind: String; var decided: Bool; var snippet: String }
        struct Option { var value, label: String; var selected: Bool }
        struct PageLink { var url: String; var label: String; var current: Bool }
        var title: String
        var has_breadcrumbs = true
        var breadcrumbs = [Crumb(name: "Forside", url: "/")]
        var crumb = "Søg"
        var query: String
        var has_query: Bool
        var summary: String
        var matchedAny: Bool
        var hits: [Hit]
        var has_hits: Bool
        var municipalities: [Option]
        var committees: [Option]
        var has_committees: Bool
        var topics: [Option]
        var kinds: [Option]
        var decided: [Option]
        var sorts: [Option]
        var from, to: String
        var pages: [PageLink]
        var has_pages: Bool
        var previous, next: String?
        var feedURL: String
        var subscribeURL: String
        /// Open the filters when one is in use (closed otherwise: a phone shows results first).
        var filtersSet: Bool
    }

    /// Escapes the snippet, then marks the matched words (U+0001 … U+0002 from the store).
    static func markedSnippet(_ s: String) -> String {
        // The markers are control characters, so escaping leaves them alone.
        let out = escapeHTML(s).replacingOccurrences(of: "\u{1}", with: "<mark>").replacingOccurrences(of: "\u{2}", with: "</mark>")
        // A cut snippet may end inside a mark.
        let opened = out.components(separatedBy: "<mark>").count - out.components(separatedBy: "</mark>").count
        return opened > 0 ? out + "</mark>" : out
    }

    func search(
        raw: String, request r: SearchRequest, results: SearchResults, municipalities: [MunicipalitySummary], committees: [String], topics: [Topic],
        query: String
    ) -> String {
        func opt(_ value: String, _ label: String, _ current: String?) -> SearchVM.Option { .init(value: value, label: label, selected: value == (current ?? "")) }
        let hits = results.hits.map { h in
            SearchVM.Hit(
                url: Paths.item(h.municipality, h.meetingSlug, h.number), title: h.title, place: "\(h.municipalityName) · \(h.committee)",
                date: DanishFormat.date(h.date), kind: DocumentKind(rawValue: h.kind)?.danishLabel ?? h.kind, decided: h.decided,
                snippet: Self.markedSnippet(h.snippet))
        }
        let pageCount = max(1, (results.total + r.pageSize - 1) / r.pageSize)
        func link(_ page: Int) -> String {
            var items = query.split(separator: "&").map(String.init).filter { !$0.hasPrefix("side=") }
            if page > 1 { items.append("side=\(page)") }
            return "/soeg?" + items.joined(separator: "&")
        }
        let window = max(1, r.page - 3)...min(pageCount, max(1, r.page - 3) + 6)
        let pages = pageCount > 1 ? window.map { SearchVM.PageLink(url: link($0), label: DanishFormat.integer($0), current: $0 == r.page) } : []
        let count = results.totalIsCapped ? "over \(DanishFormat.integer(results.total))" : DanishFormat.integer(results.total)
        let summary = r.query.isEmpty ? "" : results.total == 0 ? "Ingen punkter passer til søgningen." :
            "\(count) \(results.total == 1 ? "punkt" : "punkter") passer\(r.page > 1 ? " – side \(r.page)" : "")."
        return render(
            SearchVM(
                title: raw.isEmpty ? "Søg" : "Søg: \(raw)", query: raw, has_query: !r.query.isEmpty, summary: summary, matchedAny: results.matchedAny,
                hits: hits, has_hits: !hits.isEmpty,
                municipalities: [opt("", "Alle kommuner", r.municipality)] + municipalities.map { opt($0.slug, $0.name, r.municipality) },
                committees: [opt("", "Alle udvalg", r.committee)] + committees.map { opt($0, $0, r.committee) }, has_committees: !committees.isEmpty,
                topics: [opt("", "Alle emner", r.topic)] + topics.map { opt($0.slug, $0.name, r.topic) },
                kinds: [opt("", "Dagsordener og referater", r.kind)] + [DocumentKind.agenda, .minutes].map { opt($0.rawValue, $0.danishLabel, r.kind) },
                decided: [opt("", "Besluttet eller ej", r.decided.map { $0 ? "ja" : "nej" }), opt("ja", "Kun besluttede", r.decided.map { $0 ? "ja" : "nej" }),
                          opt("nej", "Kun ikke besluttede", r.decided.map { $0 ? "ja" : "nej" })],
                sorts: [opt("relevans", "Bedste match først", r.sort.rawValue), opt("nyeste", "Nyeste først", r.sort.rawValue)],
                from: r.from ?? "", to: r.to ?? "", pages: pages, has_pages: !pages.isEmpty,
                previous: r.page > 1 ? link(r.page - 1) : nil, next: r.page < pageCount ? link(r.page + 1) : nil,
                feedURL: "/feed/soeg.atom?" + query.split(separator: "&").filter { !$0.hasPrefix("side=") }.joined(separator: "&"),
                subscribeURL: "/abonner?" + query.split(separator: "&").filter { $0.hasPrefix("q=") || $0.hasPrefix("kommune=") || $0.hasPrefix("emne=") }
                    .joined(separator: "&"),
                filtersSet: r.municipality != nil || r.committee != nil || r.from != nil || r.to != nil || r.kind != nil || r.topic != nil || r.decided != nil
                    || r.sort != .relevance),
            "search")
    }
}
