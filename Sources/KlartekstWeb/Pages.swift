import Foundation
import KlartekstCore
import Mustache

/// Renders the Danish HTML pages from Mustache templates. Every value is escaped by the
/// template; only section HTML that the sanitiser produced is inserted raw (`{{{html}}}`).
public struct Pages: Sendable {
    let library: MustacheLibrary

    public static func load() async throws -> Pages {
        guard let dir = Bundle.module.resourceURL?.appendingPathComponent("Templates").path else {
            throw WebError("templates are missing from the bundle")
        }
        return Pages(library: try await MustacheLibrary(directory: dir))
    }

    func render(_ vm: Any, _ template: String) -> String {
        library.render(vm, withTemplate: template) ?? "<!DOCTYPE html><title>Fejl</title><p>Siden kunne ikke vises.</p>"
    }

    struct Crumb { var name: String; var url: String }

    // MARK: Home

    struct HomeVM {
        struct Row { var name, url: String; var meetings, items: String; var latest: String? }
        var title = "Forside"
        var has_breadcrumbs = false
        var breadcrumbs: [Crumb] = []
        var crumb = ""
        var municipalities: [Row]
        var has_municipalities: Bool
        var topics: [Crumb] = []
        var has_topics = false
        var names: [String]
        var upcoming: [UpcomingRow]
        var has_upcoming: Bool
        var decided: [DecidedRow]
        var has_decided: Bool
    }

    func home(
        _ list: [MunicipalitySummary], topics: [Topic] = [], finder names: [String] = [], upcoming: [UpcomingMeeting] = [], decided: [DecidedRow] = []
    ) -> String {
        let rows = list.map {
            HomeVM.Row(
                name: $0.name, url: Paths.municipality($0.slug), meetings: DanishFormat.count($0.meetingCount, "møde", "møder"),
                items: DanishFormat.count($0.itemCount, "punkt", "punkter"), latest: DanishFormat.date($0.latestMeetingDate))
        }
        let links = topics.map { Crumb(name: $0.name, url: "/emne/" + Paths.segment($0.slug)) }
        let next = Self.upcomingRows(upcoming)
        return render(
            HomeVM(
                municipalities: rows, has_municipalities: !rows.isEmpty, topics: links, has_topics: !links.isEmpty, names: names, upcoming: next,
                has_upcoming: !next.isEmpty, decided: decided, has_decided: !decided.isEmpty),
            "home")
    }

    // MARK: Municipality

    struct MunicipalityVM {
        struct MeetingRow { var url, committee: String; var date: String?; var kind: String; var itemCount: String }
        var title: String
        var has_breadcrumbs = true
        var breadcrumbs: [Crumb]
        var crumb: String
        var name: String
        var portalURL: String?
        var meetings: [MeetingRow]
        var has_meetings: Bool
        var committees: [CommitteeRow]
        var answersURL: String
        var slug, feed, rss, calendar: String
        var feedTitle: String
    }

    struct CommitteeRow { var name, meetings, feed, calendar: String }

    func municipality(_ page: MunicipalityPage) -> String {
        let m = page.municipality
        let meetings = page.meetings.map {
            MunicipalityVM.MeetingRow(
                url: Paths.meeting(m.slug, $0.slug), committee: $0.committeeName, date: DanishFormat.date($0.date),
                kind: $0.documentKind.danishLabel, itemCount: DanishFormat.count($0.itemCount, "punkt", "punkter"))
        }
        return render(
            MunicipalityVM(
                title: m.name, breadcrumbs: [Crumb(name: "Forside", url: "/")], crumb: m.name, name: m.name,
                portalURL: m.portalBaseURL, meetings: meetings, has_meetings: !meetings.isEmpty,
                committees: page.committees.map { c in
                    let q = "?udvalg=" + (c.name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
                    return CommitteeRow(
                        name: c.name, meetings: DanishFormat.count(c.meetingCount, "møde", "møder"), feed: "/feed/kommune/\(Paths.segment(m.slug)).atom" + q,
                        calendar: "/kalender/kommune/\(Paths.segment(m.slug)).ics" + q)
                },
                answersURL: Paths.municipality(m.slug) + "/borgersvar", slug: m.slug, feed: "/feed/kommune/\(Paths.segment(m.slug)).atom",
                rss: "/feed/kommune/\(Paths.segment(m.slug)).rss", calendar: "/kalender/kommune/\(Paths.segment(m.slug)).ics",
                feedTitle: "Nye punkter fra \(m.name)"),
            "municipality")
    }

    // MARK: Meeting

    struct MeetingVM {
        struct Row {
            var number, title, url: String
            var caseNumber: String?
            var isPublic: Bool
            var statusLabel, statusClass: String
            var revisions: Int
            var revised: Bool
        }
        var title: String
        var has_breadcrumbs = true
        var breadcrumbs: [Crumb]
        var crumb: String
        var committee: String
        var dateLong: String?
        var time: String?
        var location: String?
        var kind: String
        var portalURL: String?
        var items: [Row]
        var participants: [String]
        var has_participants: Bool
    }

    func meeting(_ page: MeetingPage) -> String {
        let m = page.municipality
        let g = page.meeting
        let rows = page.items.map {
            MeetingVM.Row(
                number: $0.number, title: $0.title, url: Paths.item(m.slug, g.slug, $0.number), caseNumber: $0.caseNumber,
                isPublic: $0.status == .public, statusLabel: $0.status.danishLabel, statusClass: $0.status.rawValue,
                revisions: $0.revisionCount, revised: $0.revisionCount > 1)
        }
        let portalID = page.documents.last?.portalMeetingID
        let dateText = DanishFormat.date(g.date)
        return render(
            MeetingVM(
                title: "\(g.committeeName)\(dateText.map { ", \($0)" } ?? "")",
                breadcrumbs: [Crumb(name: "Forside", url: "/"), Crumb(name: m.name, url: Paths.municipality(m.slug))],
                crumb: "\(g.committeeName)\(dateText.map { " \($0)" } ?? "")", committee: g.committeeName,
                dateLong: DanishFormat.longDate(g.date), time: DanishFormat.time(g.startsAt), location: g.location,
                kind: g.documentKind.danishLabel,
                portalURL: zip(m.portalBaseURL, portalID).map { Paths.Portal.meeting(base: $0, id: $1) },
                items: rows, participants: page.participants, has_participants: !page.participants.isEmpty),
            "meeting")
    }

    // MARK: Item

    struct ItemVM {
        struct SectionVM { var anchor, heading: String; var label: String?; var html: String; var open: Bool; var showHeading: Bool }
        struct StepVM { var date, body, text, outcome: String }
        struct AttachmentVM { var name: String; var url: String?; var textURL: String?; var pages: String?; var note: String? }
        struct RelatedVM { var url, committee: String; var date: String?; var title: String }
        struct RevisionVM { var number: Int; var kind, importedAt: String }
        var title: String
        var has_breadcrumbs = true
        var breadcrumbs: [Crumb]
        var crumb: String
        var number, committee: String
        var date: String?
        var kind, typeLabel, statusLabel: String
        var caseNumber, caseURL: String?
        var isPublic, isClosed, isProcedural: Bool
        var recommendations: [SectionVM]
        var has_recommendations: Bool
        var decisions: [SectionVM]
        var has_decisions: Bool
        var steps: [StepVM]
        var has_steps: Bool
        var sections: [SectionVM]
        var has_sections: Bool
        var attachments: [AttachmentVM]
        var has_attachments: Bool
        var related: [RelatedVM]
        var has_related: Bool
        var revisions: [RevisionVM]
        var portalURL: String?
        var apiURL: String
        var analysis: AnalysisVM?
        /// Where the answer box goes: rendered per request (it is personal) into the cached page.
        var answerSlot = Pages.answerMarker
        var selfURL: String = ""
        /// Without a question from the analysis, the recommendation is what citizens answer, so it comes before the buttons.
        var recommendationFirst = true
    }

    struct ClaimVM {
        var n: Int
        var text, quote: String
        var before, match, after: String?
        var located: Bool
        var heading: String?
        var sectionAnchor: String?
    }

    struct AnalysisVM {
        struct RelevanceVM { var topic, answer, reason: String; var relevant: Bool; var claim: ClaimVM }
        var question: String?
        var summary: [ClaimVM]
        var has_summary: Bool
        var pros: [ClaimVM]
        var cons: [ClaimVM]
        var has_pros, has_cons, has_arguments, noArguments: Bool
        var keywords: String
        var lix, lixLabel: String
        var lixOK: Bool
        var prompt, model, created: String
        var deterministic, checked, edited: Bool
        var relevance: [RelevanceVM]
        var has_relevance: Bool
        var quotes: [ClaimVM]
        var audioURL: String? = nil
        var has_quotes = false
    }

    /// The analysis block: every claim is numbered and links to its quote ("Kilder"), shown in its context.
    static func analysisVM(_ a: ItemAnalysis, topics: [String: String], audio: Bool = false) -> AnalysisVM? {
        guard var vm = analysisBlock(a, topics: topics, audio: audio) else { return nil }
        vm.has_quotes = !vm.quotes.isEmpty
        return vm
    }

    static func analysisBlock(_ a: ItemAnalysis, topics: [String: String], audio: Bool) -> AnalysisVM? {
        var quotes: [ClaimVM] = []
        func vm(_ c: ItemAnalysis.PresentedClaim) -> ClaimVM {
            let v = ClaimVM(
                n: quotes.count + 1, text: c.text, quote: c.quote, before: c.location?.before, match: c.location?.match, after: c.location?.after,
                located: c.location != nil, heading: c.location?.heading, sectionAnchor: c.location?.sectionOrdinal.map { "afsnit-\($0)" })
            quotes.append(v)
            return v
        }
        // Summary claims are numbered first, then pros, cons and the topic judgements.
        let summary = a.summary.map { $0.summary.map(vm) } ?? []
        let pros = a.summary.map { $0.pros.map(vm) } ?? []
        let cons = a.summary.map { $0.cons.map(vm) } ?? []
        let relevance = a.relevance.map {
            AnalysisVM.RelevanceVM(
                topic: topics[$0.topic] ?? $0.topic, answer: $0.relevant ? "Ja" : "Nej", reason: $0.reason, relevant: $0.relevant, claim: vm($0.quote))
        }
        guard let s = a.summary else {
            guard !relevance.isEmpty else { return nil }
            return AnalysisVM(
                question: nil, summary: [], has_summary: false, pros: [], cons: [], has_pros: false, has_cons: false, has_arguments: false, noArguments: false,
                keywords: "", lix: "", lixLabel: "", lixOK: true, prompt: a.relevance[0].provenance.prompt, model: a.relevance[0].provenance.model,
                created: DanishFormat.date(a.relevance[0].provenance.createdAt) ?? "", deterministic: a.relevance[0].provenance.backend == "deterministic",
                checked: a.relevance[0].provenance.checked, edited: false, relevance: relevance, has_relevance: true, quotes: quotes)
        }
        return AnalysisVM(
            question: s.question, summary: summary, has_summary: !summary.isEmpty, pros: pros, cons: cons, has_pros: !pros.isEmpty, has_cons: !cons.isEmpty,
            has_arguments: !pros.isEmpty || !cons.isEmpty, noArguments: !s.argumentsGenerated,
            keywords: s.keywords.joined(separator: " · "), lix: DanishFormat.decimal(s.lix), lixLabel: s.lixLabel, lixOK: s.lix <= 40,
            prompt: s.provenance.prompt, model: s.provenance.model, created: DanishFormat.date(s.provenance.createdAt) ?? "",
            deterministic: s.provenance.backend == "deterministic", checked: s.provenance.checked, edited: s.provenance.edited,
            relevance: relevance, has_relevance: !relevance.isEmpty, quotes: quotes,
            audioURL: audio ? s.provenance.analysisID.map { "/lyd/\($0)" } : nil)
    }

    /// Replaced by the answer box (or nothing) in ``item(_:analysis:topics:answer:audio:)``.
    static let answerMarker = "<!--klartekst:answer-box-->"

    func item(_ page: ItemPage, analysis: ItemAnalysis? = nil, topics: [String: String] = [:], answer: AnswerVM? = nil, audio: Bool = false) -> String {
        withAnswer(itemShell(page, analysis: analysis, topics: topics, audio: audio), answer)
    }

    /// The answer box rendered into a page shell.
    func withAnswer(_ shell: String, _ answer: AnswerVM?) -> String {
        withAnswerBox(shell, answer.map { answerBox($0) } ?? "")
    }

    func withAnswerBox(_ shell: String, _ box: String) -> String {
        shell.replacingOccurrences(of: Self.answerMarker, with: box)
    }

    func answerBox(_ answer: AnswerVM) -> String { render(answer, "answer-box") }

    /// Stands for the CSRF token in the answer box cached for everyone who has not answered.
    static let csrfMarker = "KLARTEKST-CSRF-TOKEN"

    /// The item page without its personal part (cacheable).
    func itemShell(_ page: ItemPage, analysis: ItemAnalysis? = nil, topics: [String: String] = [:], audio: Bool = false) -> String {
        let m = page.municipality
        let g = page.meeting
        let i = page.item
        func vm(_ s: Section, open: Bool) -> ItemVM.SectionVM {
            var label: String?
            if s.supplementary { label = s.revisedOn.flatMap(DanishFormat.date).map { "tilføjet \($0)" } ?? "supplerende" }
            return ItemVM.SectionVM(
                anchor: "afsnit-\(s.ordinal)", heading: s.heading.isEmpty ? s.kind.danishLabel : s.heading, label: label,
                html: s.html.isEmpty ? "<p>\(escapeHTML(s.text))</p>" : s.html, open: open, showHeading: s.supplementary)
        }
        let recommendations = page.sections(.recommendation).map { vm($0, open: true) }
        let decisions = page.sections(.decision).filter { $0.committee == nil }.map { vm($0, open: true) }
        let steps = page.steps.map {
            ItemVM.StepVM(date: DanishFormat.date($0.date) ?? "", body: $0.body, text: $0.text, outcome: $0.outcome.danishLabel)
        }
        // A case history is shown as steps only when the steps hold all of its words; a format the
        // parser does not understand is shown as it is, never dropped.
        let sections = page.sections.filter {
            $0.kind != .recommendation && !($0.kind == .caseHistory && CaseHistory.covers($0)) && !($0.kind == .decision && $0.committee == nil)
        }
            .map { vm($0, open: $0.kind == .summary) }
        let attachments = page.attachments.map { a in
            ItemVM.AttachmentVM(
                name: a.name,
                url: a.hasPDF ? zip(m.portalBaseURL, a.portalID).map { Paths.Portal.attachment(base: $0, id: $1) } : nil,
                textURL: a.pageCount != nil ? a.portalID.map { Paths.attachment(m.slug, $0) } : nil,
                pages: a.pageCount.map { DanishFormat.count($0, "side", "sider") },
                note: a.textError != nil ? "teksten kunne ikke læses" : (a.ocrPages ?? 0) > 0 ? "scannet – tekst genkendt automatisk" : nil)
        }
        let related = page.related.map {
            ItemVM.RelatedVM(url: Paths.item(m.slug, $0.meetingSlug, $0.number), committee: $0.committeeName, date: DanishFormat.date($0.date), title: $0.title)
        }
        let revisions = page.revisions.map {
            ItemVM.RevisionVM(number: $0.number, kind: $0.documentKind.danishLabel, importedAt: DanishFormat.date($0.importedAt) ?? $0.importedAt)
        }
        let dateText = DanishFormat.date(g.date)
        return render(
            ItemVM(
                title: i.title,
                breadcrumbs: [
                    Crumb(name: "Forside", url: "/"), Crumb(name: m.name, url: Paths.municipality(m.slug)),
                    Crumb(name: "\(g.committeeName)\(dateText.map { " \($0)" } ?? "")", url: Paths.meeting(m.slug, g.slug)),
                ],
                crumb: "Punkt \(i.number)", number: i.number, committee: g.committeeName, date: dateText,
                kind: g.documentKind.danishLabel, typeLabel: i.type.danishLabel, statusLabel: i.status.danishLabel,
                caseNumber: i.caseNumber, caseURL: page.caseSlug.map { Paths.caseFile(m.slug, $0) },
                isPublic: i.status == .public, isClosed: i.status == .closed, isProcedural: i.status == .procedural,
                recommendations: recommendations, has_recommendations: !recommendations.isEmpty,
                decisions: decisions, has_decisions: !decisions.isEmpty, steps: steps, has_steps: !steps.isEmpty,
                sections: sections, has_sections: !sections.isEmpty, attachments: attachments, has_attachments: !attachments.isEmpty,
                related: related, has_related: !related.isEmpty, revisions: revisions,
                portalURL: zip(m.portalBaseURL, page.portalMeetingID).map { Paths.Portal.item(base: $0, meetingID: $1, number: i.number) },
                apiURL: Paths.apiItem(m.slug, g.slug, i.number), analysis: analysis.flatMap { Self.analysisVM($0, topics: topics, audio: audio) },
                selfURL: Paths.item(m.slug, g.slug, i.number).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "",
                recommendationFirst: analysis?.summary?.question == nil),
            "item")
    }

    // MARK: Case

    struct CaseVM {
        struct Row { var url, committee: String; var date: String?; var title: String }
        var title: String
        var has_breadcrumbs = true
        var breadcrumbs: [Crumb]
        var crumb: String
        var caseNumber, municipality: String
        var items: [Row]
    }

    func caseFile(_ page: CasePage) -> String {
        let m = page.municipality
        let rows = page.items.map {
            CaseVM.Row(url: Paths.item(m.slug, $0.meetingSlug, $0.number), committee: $0.committeeName, date: DanishFormat.date($0.date), title: $0.title)
        }
        return render(
            CaseVM(
                title: "Sag \(page.caseNumber)",
                breadcrumbs: [Crumb(name: "Forside", url: "/"), Crumb(name: m.name, url: Paths.municipality(m.slug))],
                crumb: "Sag \(page.caseNumber)", caseNumber: page.caseNumber, municipality: m.name, items: rows),
            "case")
    }

    // MARK: Attachment text

    struct AttachmentTextVM {
        struct PageVM { var number: Int; var anchor: String; var paragraphs: [String]; var ocr: Bool; var repaired: Bool }
        var title: String
        var has_breadcrumbs = true
        var breadcrumbs: [Crumb]
        var crumb: String
        var name: String
        var pdfURL: String?
        var itemURL: String?
        var itemTitle: String?
        var pageCount: String?
        var pages: [PageVM]
        var has_pages: Bool
        var error: String?
        var ocrNote: Bool
    }

    func attachment(_ page: AttachmentPage) -> String {
        let m = page.municipality
        let pages = (page.text?.pages ?? []).map { p in
            AttachmentTextVM.PageVM(
                number: p.number, anchor: "side-\(p.number)",
                paragraphs: p.text.components(separatedBy: "\n\n").map { $0.replacingOccurrences(of: "\n", with: " ") }.filter { !$0.isEmpty },
                ocr: p.method == .ocr, repaired: p.layerBroken)
        }
        var crumbs = [Crumb(name: "Forside", url: "/"), Crumb(name: m.name, url: Paths.municipality(m.slug))]
        if let item = page.item {
            crumbs.append(Crumb(name: "Punkt \(item.number): \(item.title)", url: Paths.item(m.slug, item.meetingSlug, item.number)))
        }
        return render(
            AttachmentTextVM(
                title: page.name, breadcrumbs: crumbs, crumb: "Bilag", name: page.name,
                pdfURL: m.portalBaseURL.map { Paths.Portal.attachment(base: $0, id: page.portalID) },
                itemURL: page.item.map { Paths.item(m.slug, $0.meetingSlug, $0.number) }, itemTitle: page.item?.title,
                pageCount: page.text.map { DanishFormat.count($0.pages.count, "side", "sider") }, pages: pages, has_pages: !pages.isEmpty,
                error: page.error, ocrNote: pages.contains { $0.ocr }),
            "attachment")
    }

    // MARK: Operations

    struct OperationsVM {
        struct Row {
            var name, kind: String
            var portal: String?
            var unconfirmed: Bool
            var lastSuccess, lastError, lastErrorAt: String?
            var failures: Int
            var meetings, files: String
            var state, stateClass: String
        }
        var title = "Driftsstatus"
        var has_breadcrumbs = true
        var breadcrumbs = [Crumb(name: "Forside", url: "/")]
        var crumb = "Driftsstatus"
        var rows: [Row]
        var synced: Int
        var failing: Int
        var total: Int
    }

    func operations(registry: [Municipality], health: [SourceHealth]) -> String {
        let byMunicipality = Dictionary(uniqueKeysWithValues: health.map { ($0.municipality, $0) })
        let rows = registry.map { m -> OperationsVM.Row in
            let h = byMunicipality[m.slug]
            let state: (String, String)
            if m.portalKind != "firstagenda" {
                state = ("Ingen forbindelse endnu (\(m.portalKind))", "other")
            } else if let h, h.consecutiveFailures > 0 {
                state = ("Fejler (\(h.consecutiveFailures) gange i træk)", "failing")
            } else if h?.lastSuccess != nil {
                state = ("OK", "ok")
            } else {
                state = ("Ikke hentet endnu", "never")
            }
            return OperationsVM.Row(
                name: m.name, kind: m.portalKind, portal: m.portalBaseURL, unconfirmed: m.portalKind == "firstagenda" && m.hostVerified != true,
                lastSuccess: h?.lastSuccess, lastError: h?.lastError, lastErrorAt: h?.lastErrorAt, failures: h?.consecutiveFailures ?? 0,
                meetings: "\(h?.meetingsDone ?? 0)/\(h?.meetingsKnown ?? 0)", files: "\(h?.filesStored ?? 0) (\(h?.filesFailed ?? 0) fejl)",
                state: state.0, stateClass: state.1)
        }
        return render(
            OperationsVM(
                rows: rows, synced: rows.filter { $0.stateClass == "ok" }.count, failing: rows.filter { $0.stateClass == "failing" }.count,
                total: rows.count),
            "operations")
    }

    // MARK: Job queue

    struct JobsVM {
        struct Stage { var name: String; var ready, delayed, running, done, dead, doneLastHour, failedLastHour, mean, oldest, stateClass: String }
        struct Backend {
            var url: String
            var weight, concurrency, requests, failures: Int
            var state, stateClass: String
            var latency, lastError: String?
        }
        struct Worker { var id, stages, seen: String; var concurrency, done, failed: Int; var backends: [Backend] }
        struct Dead { var id, stage, key, updated: String; var attempts: Int; var owner, lastError: String?; var csrf: String }
        var title = "Arbejdskø"
        var has_breadcrumbs = true
        var breadcrumbs = [Crumb(name: "Forside", url: "/"), Crumb(name: "Driftsstatus", url: "/drift")]
        var crumb = "Arbejdskø"
        var operatorName: String
        var message: String?
        var stages: [Stage]
        var workers: [Worker]
        var has_workers: Bool
        var dead: [Dead]
        var has_dead: Bool
    }

    static func seconds(_ s: Double) -> String {
        if s < 1 { return "\(DanishFormat.decimal(s, digits: 2)) s" }
        if s < 120 { return "\(DanishFormat.decimal(s, digits: 1)) s" }
        if s < 7200 { return "\(Int(s / 60)) min" }
        return "\(DanishFormat.decimal(s / 3600, digits: 1)) t"
    }

    static func millisecondsAgo(_ ms: Int64) -> String {
        let ago = max(0, Date().timeIntervalSince1970 - Double(ms) / 1000)
        return ago < 1 ? "lige nu" : "\(seconds(ago)) siden"
    }

    func jobs(stats: [QueueStats], workers: [WorkerInfo], dead: [JobRecord], csrf: String, operatorName: String, message: String?) -> String {
        let n = DanishFormat.integer
        let stages = stats.map { q in
            JobsVM.Stage(
                name: q.stage.danish, ready: n(q.ready), delayed: n(q.delayed), running: n(q.running), done: n(q.done), dead: n(q.dead),
                doneLastHour: n(q.doneLastHour), failedLastHour: n(q.failedLastHour), mean: q.meanSecondsLastHour.map(Self.seconds) ?? "–",
                oldest: q.waiting > 0 ? Self.seconds(q.oldestWaitingSeconds) : "–", stateClass: q.dead > 0 ? "failing" : (q.waiting > 0 ? "never" : "ok"))
        }
        let workerRows = workers.map { w in
            JobsVM.Worker(
                id: w.id, stages: w.stages.map(\.rawValue).joined(separator: ", "), seen: Self.millisecondsAgo(w.seenMs), concurrency: w.concurrency,
                done: w.jobsDone, failed: w.jobsFailed,
                backends: w.backends.map { b in
                    JobsVM.Backend(
                        url: b.url, weight: b.weight, concurrency: b.concurrency, requests: b.requests, failures: b.failures,
                        state: b.healthy ? "I drift:" : "Taget ud:", stateClass: b.healthy ? "ok" : "failing",
                        latency: b.meanSeconds.map { "gns. \(Self.seconds($0)), 95 % under \(Self.seconds(b.p95Seconds ?? $0))" }, lastError: b.lastError)
                })
        }
        let deadRows = dead.map { j in
            JobsVM.Dead(
                id: String(j.id), stage: j.stage.danish, key: j.key, updated: Self.millisecondsAgo(j.updatedMs), attempts: j.attempts, owner: j.owner,
                lastError: j.lastError, csrf: csrf)
        }
        return render(
            JobsVM(
                operatorName: operatorName, message: message, stages: stages, workers: workerRows, has_workers: !workerRows.isEmpty, dead: deadRows,
                has_dead: !deadRows.isEmpty),
            "jobs")
    }

    // MARK: Review queue

    struct ReviewVM {
        struct Row {
            var id: String
            var itemURL, itemTitle, prompt, topic, model, status, created: String
            var pending: Bool
            var problems: [String]
            var has_problems: Bool
            var result: String
            var edited: Bool
        }
        var title = "Redaktion: analyser til gennemsyn"
        var has_breadcrumbs = true
        var breadcrumbs = [Crumb(name: "Forside", url: "/"), Crumb(name: "Driftsstatus", url: "/drift")]
        var crumb = "Analyser til gennemsyn"
        var operatorName: String
        var csrf: String
        var rows: [Row]
        var has_rows: Bool
        var message: String?
        var problems: [String]
        var has_problems: Bool
        struct ReportVM { var id: String; var page, message, created: String }
        var reports: [ReportVM]
        var has_reports: Bool
    }

    func review(
        _ entries: [ReviewEntry], reports: [ErrorReport] = [], operatorName: String, csrf: String, message: String? = nil, problems: [String] = []
    ) -> String {
        let rows = entries.map { e -> ReviewVM.Row in
            let a = e.analysis
            return ReviewVM.Row(
                id: a.id.map(String.init) ?? "", itemURL: Paths.item(e.municipality, e.meetingSlug, e.number), itemTitle: e.title, prompt: a.promptID,
                topic: a.topic, model: a.model, status: a.status == .pendingReview ? "venter på godkendelse" : "fejlede i tjekket",
                created: DanishFormat.date(a.createdAt) ?? a.createdAt, pending: a.status == .pendingReview, problems: a.problems,
                has_problems: !a.problems.isEmpty, result: Self.pretty(a.result), edited: a.edited)
        }
        return render(
            ReviewVM(
                operatorName: operatorName, csrf: csrf, rows: rows, has_rows: !rows.isEmpty, message: message, problems: problems,
                has_problems: !problems.isEmpty,
                reports: reports.map { ReviewVM.ReportVM(id: String($0.id), page: $0.page, message: $0.message, created: DanishFormat.date($0.createdAt) ?? $0.createdAt) },
                has_reports: !reports.isEmpty),
            "review")
    }

    static func pretty(_ json: String) -> String {
        guard let obj = try? JSONSerialization.jsonObject(with: Data(json.utf8)),
            let data = try? JSONSerialization.data(withJSONObject: obj, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        else { return json }
        return String(decoding: data, as: UTF8.self)
    }

    // MARK: Error

    struct ErrorVM {
        var title: String
        var has_breadcrumbs = false
        var breadcrumbs: [Crumb] = []
        var crumb = ""
        var heading, message: String
    }

    func error(status: Int, message: String) -> String {
        let heading = status == 404 ? "Siden findes ikke" : status >= 500 ? "Der skete en fejl" : "Forespørgslen kunne ikke behandles"
        return render(ErrorVM(title: heading, heading: heading, message: message), "error")
    }
}

func zip(_ a: String?, _ b: String?) -> (String, String)? {
    guard let a, let b else { return nil }
    return (a, b)
}

func escapeHTML(_ s: String) -> String {
    var r = ""
    for ch in s.unicodeScalars {
        switch ch {
        case "&": r += "&amp;"
        case "<": r += "&lt;"
        case ">": r += "&gt;"
        case "\"": r += "&quot;"
        case "'": r += "&#39;"
        default: r.unicodeScalars.append(ch)
        }
    }
    return r
}

public struct WebError: Error, CustomStringConvertible {
    public var description: String
    init(_ d: String) { description = d }
}
