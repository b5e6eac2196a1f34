import Foundation
import Hummingbird
import KlartekstCore

/// Topic pages: every item the published relevance analysis says is about a followed topic,
/// across municipalities, newest first, with the question and the decision; and who decided
/// what, per municipality. `/emne/{emne}` and `/api/v1/topics/{topic}`.
func addTopicRoutes(_ router: Router<WebContext>, _ deps: WebDependencies) {
    @Sendable func load(_ slug: String) async throws -> (Topic, [Pages.TopicRow]) {
        guard let topic = deps.topicList.first(where: { $0.slug == slug }) else { throw HTTPError(.notFound, message: "Emnet findes ikke i Klartekst.") }
        let rows = try await deps.store.topicItems(topic: slug, limit: 500).map { t -> Pages.TopicRow in
            let shown = StoredAnalysis.shown(t.analyses)
            let decision = DecisionComparison.make(
                committee: t.committee, sections: t.sections, steps: CaseHistory.steps(of: t.sections), tally: nil, meetingDate: t.date)
            return Pages.TopicRow(
                item: t, question: shown.first { $0.prompt == "summary" }?.summary?.question,
                reason: shown.first { $0.prompt == "relevance" && $0.topic == slug }?.relevance?.reason ?? "", decision: decision)
        }
        return (topic, rows)
    }
    router.get("/emne/:topic") { request, context in
        let slug = try context.parameters.require("topic")
        return Responses.html(try await deps.caches.pages.value(request.cacheKey) {
            let (topic, rows) = try await load(slug)
            return deps.pages.topic(topic, rows)
        }, request: request)
    }
    router.get("/api/v1/topics/:topic") { request, context in
        let (topic, rows) = try await load(try context.parameters.require("topic"))
        struct Row: Encodable {
            var municipality, title, url, htmlURL, committee: String
            var date: String?
            var question: String?
            var reason: String
            var decision: DecisionComparison?
        }
        struct Body: Encodable { var topic: Topic; var items: [Row] }
        let body = Body(topic: topic, items: rows.map { r in
            Row(
                municipality: r.item.municipality, title: r.item.title, url: Paths.apiItem(r.item.municipality, r.item.meetingSlug, r.item.number),
                htmlURL: Paths.item(r.item.municipality, r.item.meetingSlug, r.item.number), committee: r.item.committee, date: r.item.date,
                question: r.question, reason: r.reason, decision: r.decision)
        })
        return Responses.json(APIEncoding.encode(body), request: request)
    }
}

extension Pages {
    struct TopicRow: Sendable {
        var item: TopicItem
        var question: String?
        var reason: String
        var decision: DecisionComparison?
    }

    struct TopicVM {
        struct Row { var url, title, municipality, committee: String; var date, question: String?; var reason: String; var decision: String? }
        struct Overview { var name, url, count: String; var latest: String?; var decided: String }
        var title: String
        var has_breadcrumbs = true
        var breadcrumbs = [Crumb(name: "Forside", url: "/")]
        var crumb: String
        var name, description: String
        var rows: [Row]
        var has_rows: Bool
        var overview: [Overview]
        var slug, feed, rss, feedTitle: String
    }

    func topic(_ topic: Topic, _ rows: [TopicRow]) -> String {
        let vms = rows.map { r in
            TopicVM.Row(
                url: Paths.item(r.item.municipality, r.item.meetingSlug, r.item.number), title: r.item.title, municipality: r.item.municipalityName,
                committee: r.item.committee, date: DanishFormat.date(r.item.date), question: r.question, reason: r.reason,
                decision: r.decision.map { d in "\(d.body) besluttede\(DanishFormat.date(d.date).map { " den \($0)" } ?? ""): \(d.outcome.danishLabel)" })
        }
        let overview = Dictionary(grouping: rows, by: \.item.municipality).map { slug, items in
            TopicVM.Overview(
                name: items[0].item.municipalityName, url: Paths.municipality(slug), count: DanishFormat.count(items.count, "punkt", "punkter"),
                latest: DanishFormat.date(items.compactMap(\.item.date).max()),
                decided: DanishFormat.count(items.filter { $0.decision != nil }.count, "besluttet", "besluttet"))
        }.sorted { $0.name < $1.name }
        return render(
            TopicVM(
                title: topic.name, crumb: topic.name, name: topic.name, description: topic.description, rows: vms, has_rows: !vms.isEmpty,
                overview: overview, slug: topic.slug, feed: "/feed/emne/\(Paths.segment(topic.slug)).atom", rss: "/feed/emne/\(Paths.segment(topic.slug)).rss",
                feedTitle: "\(topic.name): nye punkter"),
            "topic")
    }
}
