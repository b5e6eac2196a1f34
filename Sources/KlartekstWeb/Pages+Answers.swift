import Foundation
import KlartekstCore

/// Pages for citizens' answers: the answer box on an item, a municipality's answers and opinion
/// groups, "Mine svar", the privacy text and the operators' view.
extension Pages {
    struct ShareVM { var label, percent, count: String; var width: Int; var key: String }

    struct DecisionVM {
        var body, outcome, text: String
        var date: String?
        var comparison: String?
    }

    struct AnswerVM {
        var question: String?
        var recommendationStandsIn: Bool
        var action, apiAction, csrf: String
        var choices: [ChoiceVM]
        var current: String?
        var showResults: Bool
        var results: [ShareVM]
        var participants: String
        var capped: Bool
        var decision: DecisionVM?
        var levels: [LevelVM]
        var has_levels: Bool
    }

    struct ChoiceVM { var value, label: String; var pressed: Bool }
    struct LevelVM { var level: String; var results: [ShareVM] }

    static func shareVMs(_ t: VoteTally) -> [ShareVM] {
        t.shares.map {
            ShareVM(
                label: $0.choice.danishLabel, percent: DanishFormat.decimal($0.percent) + " %", count: DanishFormat.integer($0.count),
                width: Int($0.percent.rounded()), key: $0.choice.rawValue)
        }
    }

    static func decisionVM(_ d: DecisionComparison?) -> DecisionVM? {
        guard let d else { return nil }
        let comparison: String? = d.citizensAgree.map { $0 ? "Flertallet af borgerne, der har svaret, er enige i beslutningen." : "Flertallet af borgerne, der har svaret, er uenige i beslutningen." }
        return DecisionVM(body: d.body, outcome: d.outcome.danishLabel, text: d.text, date: DanishFormat.date(d.date), comparison: comparison)
    }

    /// The answer box of an item page.
    static func answerVM(
        question: String?, page: ItemPage, csrf: String, current: VoteChoice?, tally: VoteTally?, decision: DecisionComparison?
    ) -> AnswerVM {
        let m = page.municipality.slug
        let show = current != nil && tally != nil
        let levelVMs: [LevelVM] = (tally?.byLevel ?? [:]).sorted { $0.key < $1.key }.map { level, shares in
            LevelVM(
                level: level == "verified" ? "Verificerede deltagere" : "Anonyme deltagere",
                results: shares.map { ShareVM(label: $0.choice.danishLabel, percent: DanishFormat.decimal($0.percent) + " %", count: DanishFormat.integer($0.count), width: Int($0.percent.rounded()), key: $0.choice.rawValue) })
        }
        return AnswerVM(
            question: question, recommendationStandsIn: question == nil, action: Paths.item(m, page.meeting.slug, page.item.number) + "/svar",
            apiAction: Paths.apiItem(m, page.meeting.slug, page.item.number) + "/answer", csrf: csrf,
            choices: VoteChoice.allCases.map { ChoiceVM(value: $0.rawValue, label: $0.danishLabel, pressed: $0 == current) },
            current: current?.danishLabel, showResults: show, results: show ? shareVMs(tally!) : [],
            participants: DanishFormat.count(tally?.participants ?? 0, "svar", "svar"), capped: tally?.capped ?? false, decision: decisionVM(decision),
            levels: show ? levelVMs : [], has_levels: show && !levelVMs.isEmpty)
    }

    // MARK: A municipality's answers

    struct AnsweredVM {
        struct Row {
            var url, title, committee: String
            var date: String?
            var participants, majority: String
            var results: [ShareVM]
            var decision: DecisionVM?
        }
        struct GroupVM {
            var id: Int
            var shape, size: String
            var statements: [String]
            var has_statements: Bool
        }
        var title: String
        var has_breadcrumbs = true
        var breadcrumbs: [Crumb]
        var crumb = "Borgernes svar"
        var name: String
        var rows: [Row]
        var has_rows: Bool
        var groups: [GroupVM]
        var has_groups: Bool
        var svg: String?
        var clear: Bool
        var silhouette: String
        var groupParticipants: String
        var consensus: [String]
        var has_consensus: Bool
        var operatorView: Bool
        var flags: [VoteFlag]
        var has_flags: Bool
    }

    static let shapes = ["cirkel", "firkant", "trekant", "rombe", "kryds"]
    static let colours = ["#0b4f8a", "#a3361a", "#2e6b3a", "#6b3fa0", "#5a5a00"]

    func answered(
        municipality: MunicipalitySummary, items: [(AnsweredItem, VoteTally, DecisionComparison?)], groups: OpinionGroups?, titles: [String: String],
        operatorView: Bool = false, flags: [VoteFlag] = []
    ) -> String {
        let m = municipality.slug
        let rows = items.map { item, tally, decision in
            AnsweredVM.Row(
                url: Paths.item(m, item.meetingSlug, item.number), title: item.title, committee: item.committee, date: DanishFormat.date(item.date),
                participants: DanishFormat.count(tally.participants, "svar", "svar"),
                majority: tally.majority.map { $0 == .agree ? "Flertal enige" : "Flertal uenige" } ?? "Lige mange enige og uenige",
                results: Self.shareVMs(tally), decision: Self.decisionVM(decision))
        }
        let groupVMs = (groups?.groups ?? []).map { g in
            AnsweredVM.GroupVM(
                id: g.id, shape: Self.shapes[(g.id - 1) % Self.shapes.count], size: DanishFormat.count(g.size, "deltager", "deltagere"),
                statements: g.distinctive.map {
                    "\($0.choice == .agree ? "Enige" : "Uenige") i «\(titles[$0.item] ?? $0.item)»: \(DanishFormat.decimal($0.groupPercent)) % i gruppen mod \(DanishFormat.decimal($0.othersPercent)) % af de andre"
                }, has_statements: !g.distinctive.isEmpty)
        }
        let consensus = (groups?.consensus ?? []).map {
            "\($0.choice == .agree ? "Enige" : "Uenige") om «\(titles[$0.item] ?? $0.item)» (mindst \(DanishFormat.decimal($0.minPercent)) % i hver gruppe)"
        }
        return render(
            AnsweredVM(
                title: "Borgernes svar – \(municipality.name)",
                breadcrumbs: [Crumb(name: "Forside", url: "/"), Crumb(name: municipality.name, url: Paths.municipality(m))], name: municipality.name,
                rows: rows, has_rows: !rows.isEmpty, groups: groupVMs, has_groups: !groupVMs.isEmpty, svg: groups.map(Self.scatter),
                clear: groups?.clear ?? false, silhouette: DanishFormat.decimal(groups?.silhouette ?? 0, digits: 2),
                groupParticipants: DanishFormat.count(groups?.participants ?? 0, "deltager", "deltagere"), consensus: consensus,
                has_consensus: !consensus.isEmpty, operatorView: operatorView, flags: flags, has_flags: !flags.isEmpty),
            "answers")
    }

    /// The participants as points on the two main axes: one shape and colour per group (never colour alone).
    static func scatter(_ g: OpinionGroups) -> String {
        let xs = g.points.map(\.x), ys = g.points.map(\.y)
        let (minX, maxX) = (xs.min() ?? 0, xs.max() ?? 1), (minY, maxY) = (ys.min() ?? 0, ys.max() ?? 1)
        func sx(_ x: Double) -> Double { 20 + 280 * (maxX > minX ? (x - minX) / (maxX - minX) : 0.5) }
        func sy(_ y: Double) -> Double { 20 + 280 * (maxY > minY ? (y - minY) / (maxY - minY) : 0.5) }
        var out = #"<svg class="groups" viewBox="0 0 320 320" role="img" aria-labelledby="grupper-titel grupper-desc" xmlns="http://www.w3.org/2000/svg">"#
        out += #"<title id="grupper-titel">Deltagerne placeret efter, hvordan de har svaret</title>"#
        out += #"<desc id="grupper-desc">\#(g.participants) deltagere i \#(g.groups.count) grupper. Deltagere tæt på hinanden har svaret ens. Hver gruppe har sin egen form.</desc>"#
        out += ##"<rect x="1" y="1" width="318" height="318" fill="#fff" stroke="#d0d5da"/>"##
        for p in g.points {
            let x = String(format: "%.1f", sx(p.x)), y = String(format: "%.1f", sy(p.y))
            let c = colours[(p.group - 1) % colours.count]
            switch (p.group - 1) % shapes.count {
            case 0: out += #"<circle cx="\#(x)" cy="\#(y)" r="5" fill="\#(c)"/>"#
            case 1: out += #"<rect x="\#(String(format: "%.1f", sx(p.x) - 4.5))" y="\#(String(format: "%.1f", sy(p.y) - 4.5))" width="9" height="9" fill="\#(c)"/>"#
            case 2:
                let (cx, cy) = (sx(p.x), sy(p.y))
                out += #"<polygon points="\#(String(format: "%.1f,%.1f %.1f,%.1f %.1f,%.1f", cx, cy - 6, cx - 5.5, cy + 4.5, cx + 5.5, cy + 4.5))" fill="\#(c)"/>"#
            case 3:
                let (cx, cy) = (sx(p.x), sy(p.y))
                out += #"<polygon points="\#(String(format: "%.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f", cx, cy - 6, cx + 6, cy, cx, cy + 6, cx - 6, cy))" fill="\#(c)"/>"#
            default:
                let (cx, cy) = (sx(p.x), sy(p.y))
                out += #"<path d="\#(String(format: "M%.1f %.1fL%.1f %.1fM%.1f %.1fL%.1f %.1f", cx - 5, cy - 5, cx + 5, cy + 5, cx - 5, cy + 5, cx + 5, cy - 5))" stroke="\#(c)" stroke-width="2.5"/>"#
            }
        }
        return out + "</svg>"
    }

    // MARK: Mine svar, privacy

    struct MineVM {
        struct Row { var url, title, choice, when: String }
        var title = "Mine svar"
        var has_breadcrumbs = true
        var breadcrumbs = [Crumb(name: "Forside", url: "/")]
        var crumb = "Mine svar"
        var rows: [Row]
        var has_rows: Bool
        var csrf: String
        var deleted: String?
    }

    func mine(_ answers: [ParticipantAnswer], csrf: String, deleted: Int? = nil) -> String {
        let rows = answers.map {
            MineVM.Row(url: Paths.item($0.municipality, $0.meetingSlug, $0.number), title: $0.title, choice: $0.choice.danishLabel, when: DanishFormat.date($0.answeredAt) ?? "")
        }
        return render(
            MineVM(rows: rows, has_rows: !rows.isEmpty, csrf: csrf, deleted: deleted.map { "\(DanishFormat.count($0, "svar", "svar")) er slettet, og din deltager-id er glemt." }),
            "mine")
    }

    struct PlainVM {
        var title: String
        var has_breadcrumbs = true
        var breadcrumbs = [Crumb(name: "Forside", url: "/")]
        var crumb: String
    }

    func privacy() -> String { render(PlainVM(title: "Privatliv", crumb: "Privatliv"), "privacy") }
}
