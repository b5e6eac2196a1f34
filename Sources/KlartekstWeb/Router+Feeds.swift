import Foundation
import HTTPTypes
import Hummingbird
import KlartekstCore

/// Feeds to follow Klartekst without visiting it: Atom and RSS for a municipality (optionally one
/// committee: `?udvalg=`), a topic and any search (`/feed/soeg.atom?q=…` with the search page's
/// filters), newest first; iCalendar with a municipality's (or committee's) coming meetings.
func addFeedRoutes(_ router: Router<WebContext>, _ deps: WebDependencies) {
    /// `name.atom` / `name.rss` → (name, format).
    @Sendable func split(_ file: String, _ allowed: [String]) throws -> (String, String) {
        guard let dot = file.lastIndex(of: "."), allowed.contains(String(file[file.index(after: dot)...])) else {
            throw HTTPError(.notFound, message: "Feeds findes som .\(allowed.joined(separator: " og ."))")
        }
        return (String(file[..<dot]), String(file[file.index(after: dot)...]))
    }
    @Sendable func feed(_ r: Request, format: String, title: String, id: String, page: String, search: SearchRequest) async throws -> Response {
        let body = try await deps.caches.pages.value(r.cacheKey) {
            let hits = try await deps.store.search(search).hits
            let root = deps.siteURL(r)
            let entries = hits.map { h in
                FeedEntry(
                    id: "tag:klartekst,2026:" + h.itemKey, title: "\(h.title) (\(h.municipalityName))", url: root + Paths.item(h.municipality, h.meetingSlug, h.number),
                    date: h.date, summary: String(h.snippet.replacingOccurrences(of: "\u{1}", with: "").replacingOccurrences(of: "\u{2}", with: "").prefix(600)),
                    category: h.committee)
            }
            let selfURL = root + r.cacheKey
            return format == "rss"
                ? Feeds.rss(title: title, selfURL: selfURL, siteURL: root + page, entries: entries)
                : Feeds.atom(title: title, id: "tag:klartekst,2026:" + id, selfURL: selfURL, siteURL: root + page, entries: entries)
        }
        let type = format == "rss" ? "application/rss+xml; charset=utf-8" : "application/atom+xml; charset=utf-8"
        return Responses.make(body, contentType: type, request: r, status: .ok, cacheControl: "public, max-age=300")
    }
    @Sendable func newest(_ r: Request, municipality: String? = nil, topic: String? = nil) -> SearchRequest {
        let committee = r.formQuery("udvalg").flatMap { $0.isEmpty ? nil : String($0.prefix(200)) }
        return SearchRequest(query: SearchQuery(terms: []), municipality: municipality, committee: committee, topic: topic, sort: .newest, pageSize: 50, today: deps.today())
    }

    router.get("/feed/kommune/:file") { r, context in
        let (slug, format) = try split(try context.parameters.require("file"), ["atom", "rss"])
        guard let m = try await deps.caches.storedMunicipalities(deps.store).first(where: { $0.slug == slug }) else { throw HTTPError(.notFound, message: "Kommunen findes ikke i Klartekst.") }
        let search = newest(r, municipality: slug)
        let title = search.committee.map { "\($0), \(m.name)" } ?? m.name
        return try await feed(r, format: format, title: "\(title) – nye punkter", id: "kommune/\(slug)" + (search.committee.map { "/" + $0 } ?? ""), page: Paths.municipality(slug), search: search)
    }
    router.get("/feed/emne/:file") { r, context in
        let (slug, format) = try split(try context.parameters.require("file"), ["atom", "rss"])
        guard let topic = deps.topicList.first(where: { $0.slug == slug }) else { throw HTTPError(.notFound, message: "Emnet findes ikke i Klartekst.") }
        return try await feed(r, format: format, title: "\(topic.name) – nye punkter i kommunerne", id: "emne/\(slug)", page: "/emne/\(slug)", search: newest(r, topic: slug))
    }
    router.get("/feed/:file") { r, context in
        let (name, format) = try split(try context.parameters.require("file"), ["atom", "rss"])
        guard name == "soeg" else { throw HTTPError(.notFound, message: "Feedet findes ikke.") }
        var (search, raw) = searchRequest(r, api: false, today: deps.today())
        search.sort = .newest
        search.page = 1
        search.pageSize = 50
        guard !search.query.isEmpty || search.municipality != nil || search.topic != nil || search.committee != nil else {
            throw HTTPError(.badRequest, message: "Et søgefeed skal have mindst ét ord eller én afgrænsning.")
        }
        let query = (r.uri.query ?? "").split(separator: "&").filter { !$0.hasPrefix("side=") }.joined(separator: "&")
        return try await feed(r, format: format, title: "Søgning: \(raw.isEmpty ? "alle punkter" : raw)", id: "soeg?\(query)", page: "/soeg?\(query)", search: search)
    }

    router.get("/kalender/kommune/:file") { r, context in
        let (slug, _) = try split(try context.parameters.require("file"), ["ics"])
        guard let m = try await deps.caches.storedMunicipalities(deps.store).first(where: { $0.slug == slug }) else { throw HTTPError(.notFound, message: "Kommunen findes ikke i Klartekst.") }
        let committee = r.formQuery("udvalg").flatMap { $0.isEmpty ? nil : String($0) }
        let body = try await deps.caches.pages.value(r.cacheKey) {
            let root = deps.siteURL(r)
            let meetings = try await deps.store.upcomingMeetings(municipality: slug, from: deps.today(), limit: 200)
                .filter { committee == nil || $0.meeting.committeeName == committee || $0.meeting.committeeSlug == committee }
            let events = meetings.map { u in
                CalendarEvent(
                    uid: "\(u.municipality)/\(u.meeting.slug)@klartekst", date: u.meeting.date ?? "", startsAt: u.meeting.startsAt,
                    summary: "\(u.meeting.committeeName) (\(u.municipalityName))", location: u.meeting.location,
                    url: root + Paths.meeting(u.municipality, u.meeting.slug),
                    description: "\(DanishFormat.count(u.meeting.itemCount, "punkt", "punkter")) på dagsordenen. Læs dem på Klartekst: \(root + Paths.meeting(u.municipality, u.meeting.slug))")
            }
            return ICalendar.render(name: "Møder i \(committee.map { "\($0), " } ?? "")\(m.name)", events: events, stamp: Date())
        }
        return Responses.make(body, contentType: "text/calendar; charset=utf-8", request: r, status: .ok, cacheControl: "public, max-age=900")
    }
}
