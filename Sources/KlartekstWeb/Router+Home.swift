import Foundation
import Hummingbird
import KlartekstCore

/// The front page ("what is being decided near me?") and the municipality finder behind its
/// search field: `/` and `/kommuner?q=…` (works without JavaScript; the field's datalist gives
/// suggestions as you type in every current browser).
func addHomeRoutes(_ router: Router<WebContext>, _ deps: WebDependencies) {
    @Sendable func candidates(_ stored: [MunicipalitySummary]) -> [MunicipalitySearch.Candidate] {
        var seen = Set<String>()
        return (stored.map { MunicipalitySearch.Candidate(slug: $0.slug, name: $0.name) }
            + deps.registry.map { MunicipalitySearch.Candidate(slug: $0.slug, name: $0.name) })
            .filter { seen.insert($0.slug).inserted }
    }

    router.get("/") { request, _ in
        Responses.html(try await deps.caches.pages.value(request.cacheKey) {
            let stored = try await deps.caches.storedMunicipalities(deps.store)
            let upcoming = try await deps.store.upcomingMeetings(municipality: nil, from: deps.today(), limit: 8)
            let decided = try await deps.store.latestDecidedItems(municipality: nil, limit: 24).compactMap { t in Pages.DecidedRow(t) }.prefix(8)
            return deps.pages.home(
                stored, topics: deps.topicList, finder: candidates(stored).map(\.name).sorted { MunicipalitySearch.sortKey($0) < MunicipalitySearch.sortKey($1) }, upcoming: upcoming, decided: Array(decided))
        }, request: request)
    }

    router.get("/kommuner") { request, _ in
        let query = String((request.formQuery("q") ?? "").prefix(100))
        let stored = try await deps.caches.storedMunicipalities(deps.store)
        let all = candidates(stored)
        let storedSlugs = Set(stored.map(\.slug))
        // Where the query leads ("" = the list), kept like a page: matching folds every name.
        let target = try await deps.caches.pages.value("finder-target:" + query) {
            MunicipalitySearch.unique(query, in: all).flatMap { storedSlugs.contains($0.slug) ? Paths.municipality($0.slug) : nil } ?? ""
        }
        if !target.isEmpty {
            return Response(status: .seeOther, headers: [.location: target])
        }
        let body = try await deps.caches.pages.value(request.cacheKey) {
            let found = query.trimmingCharacters(in: .whitespaces).isEmpty
                ? all.sorted { MunicipalitySearch.sortKey($0.name) < MunicipalitySearch.sortKey($1.name) }
                : MunicipalitySearch.matches(query, in: all)
            let portals = Dictionary(deps.registry.map { ($0.slug, $0.portalBaseURL) }, uniquingKeysWith: { a, _ in a })
            let rows = found.map { c in
                Pages.FinderVM.Row(
                    name: c.name, url: storedSlugs.contains(c.slug) ? Paths.municipality(c.slug) : nil,
                    portalURL: storedSlugs.contains(c.slug) ? nil : portals[c.slug] ?? nil)
            }
            return deps.pages.finder(query: query, rows: rows, names: all.map(\.name).sorted { MunicipalitySearch.sortKey($0) < MunicipalitySearch.sortKey($1) })
        }
        return Responses.html(body, request: request)
    }
}

extension Pages {
    /// A decided item for the front page: the question (or the title) and what was decided.
    struct DecidedRow: Sendable {
        var url, title, municipality, committee: String
        var date: String?
        var question: String?
        var decision: String

        init?(_ t: TopicItem) {
            guard let d = DecisionComparison.make(committee: t.committee, sections: t.sections, steps: [], tally: nil, meetingDate: t.date) else {
                return nil
            }
            url = Paths.item(t.municipality, t.meetingSlug, t.number)
            title = t.title
            municipality = t.municipalityName
            committee = t.committee
            date = DanishFormat.date(t.date)
            question = StoredAnalysis.shown(t.analyses).first { $0.prompt == "summary" }?.summary?.question
            decision = "\(d.body) besluttede\(DanishFormat.date(d.date).map { " den \($0)" } ?? ""): \(d.outcome.danishLabel)"
        }
    }

    struct UpcomingRow { var url, when, committee, municipality: String; var time: String? }

    struct FinderVM {
        struct Row { var name: String; var url: String?; var portalURL: String? }
        var title = "Find din kommune"
        var has_breadcrumbs = true
        var breadcrumbs = [Crumb(name: "Forside", url: "/")]
        var crumb = "Find din kommune"
        var query: String
        var has_query: Bool
        var rows: [Row]
        var has_rows: Bool
        var names: [String]
    }

    func finder(query: String, rows: [FinderVM.Row], names: [String]) -> String {
        render(FinderVM(query: query, has_query: !query.isEmpty, rows: rows, has_rows: !rows.isEmpty, names: names), "finder")
    }

    static func upcomingRows(_ list: [UpcomingMeeting]) -> [UpcomingRow] {
        list.map { u in
            UpcomingRow(
                url: Paths.meeting(u.municipality, u.meeting.slug), when: DanishFormat.longDate(u.meeting.date) ?? "",
                committee: u.meeting.committeeName, municipality: u.municipalityName, time: DanishFormat.time(u.meeting.startsAt))
        }
    }
}
