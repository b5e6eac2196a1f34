import Foundation
import HTTPTypes
import Hummingbird
import KlartekstCore

/// The item page: the analysis, the answer box (with a participant cookie and CSRF token), the
/// decision. Personal, so cached privately only.
func itemPageResponse(_ cached: CachedItem, request: Request, deps: WebDependencies, voting: Voting) async throws -> Response {
    let page = cached.page
    var box = ""
    var participant: Participant?
    if let openBox = cached.openBox {
        let p = Participant.currentOrNew(request, security: deps.security)
        participant = p
        let csrf = deps.security.csrfToken(for: "participant:" + p.id)
        if !p.isNew, let current = try await deps.store.vote(participant: p.id, itemKey: page.key) {
            let tally = try await voting.tally(page.key)
            let decision = DecisionComparison.make(
                committee: page.meeting.committeeName, sections: page.sections, steps: page.steps, tally: tally, meetingDate: page.meeting.date)
            box = deps.pages.answerBox(
                Pages.answerVM(question: cached.question, page: page, csrf: csrf, current: current, tally: tally, decision: decision))
        } else {
            // Everyone who has not answered sees the same box; only the token is theirs.
            box = openBox.replacingOccurrences(of: Pages.csrfMarker, with: csrf)
        }
    }
    let body = deps.pages.withAnswerBox(cached.shell, box)
    var response = Responses.make(body, contentType: "text/html; charset=utf-8", request: request, status: .ok, cacheControl: "private, no-cache")
    if let participant, participant.isNew { response.headers.append(HTTPField(name: .setCookie, value: participant.setCookie(deps.security))) }
    return response
}

/// Citizens' answers: the form POST (no JavaScript: a redirect back), the JSON API (JavaScript and
/// other clients), tallies and opinion groups, "Mine svar" with deletion, the privacy text, and the
/// operators' view with flags.
func addAnswerRoutes(_ router: Router<WebContext>, _ deps: WebDependencies, _ voting: Voting) {
    let store = deps.store
    let security = deps.security

    /// The item named by the route (municipality, meeting, number), looked up by `find`.
    @Sendable func lookup<T>(_ context: WebContext, api: Bool, _ find: (String, String, String) async throws -> T?) async throws -> T {
        let p = context.parameters
        guard let found = try await find(try p.require("municipality"), try p.require("meeting"), try p.require("number")) else {
            throw HTTPError(.notFound, message: api ? "unknown item" : "Punktet findes ikke.")
        }
        return found
    }
    @Sendable func item(_ context: WebContext, api: Bool) async throws -> ItemPage {
        try await lookup(context, api: api) { try await store.item(municipality: $0, meeting: $1, number: $2) }
    }
    @Sendable func target(_ context: WebContext, api: Bool) async throws -> AnswerTarget {
        try await lookup(context, api: api) { try await store.answerTarget(municipality: $0, meeting: $1, number: $2) }
    }

    /// The answer's JSON reply: the caller's answer and the new tally (the decision is on GET …/answers).
    @Sendable func answered(_ request: Request, _ choice: VoteChoice, _ key: String, item: String) async throws -> Response {
        let body = APIEncoding.encode(API.Answers(item: item, yourAnswer: choice, tally: try await voting.tally(key), decision: nil))
        return Responses.make(body, contentType: "application/json; charset=utf-8", request: request, status: .ok, cacheControl: "no-store")
    }

    @Sendable func tallyJSON(_ page: ItemPage, _ tally: VoteTally, current: VoteChoice?) -> String {
        let decision = DecisionComparison.make(
            committee: page.meeting.committeeName, sections: page.sections, steps: page.steps, tally: tally, meetingDate: page.meeting.date)
        return APIEncoding.encode(API.Answers(
            item: Paths.apiItem(page.municipality.slug, page.meeting.slug, page.item.number), yourAnswer: current, tally: tally, decision: decision))
    }

    // The form (works without JavaScript): 303 back to the item; JSON when the script asks for it.
    router.post("/kommune/:municipality/moede/:meeting/punkt/:number/svar") { request, context in
        let t = try await target(context, api: false)
        let form = try await Form.read(request, limit: 4096)
        let p = context.parameters
        let itemPath = Paths.item(try p.require("municipality"), try p.require("meeting"), try p.require("number"))
        do {
            let choice = try await voting.answer(t, choice: form["choice"], csrf: form["csrf"], participant: Participant.current(request, security: security), request: request, context: context)
            if request.headers[.accept]?.contains("application/json") == true {
                return try await answered(request, choice, t.itemKey, item: Paths.apiItem(try p.require("municipality"), try p.require("meeting"), try p.require("number")))
            }
            return Response(status: .seeOther, headers: [.location: itemPath + "#svar"])
        } catch let r as Voting.Rejected {
            throw HTTPError(r.status, message: r.message)
        }
    }

    // JSON API: the cookie from GET /api/v1/participant (or any page) and its token in X-CSRF-Token.
    router.get("/api/v1/participant") { request, _ in
        let p = Participant.currentOrNew(request, security: security)
        var response = Responses.make(
            APIEncoding.encode(["csrfToken": security.csrfToken(for: "participant:" + p.id)]), contentType: "application/json; charset=utf-8", request: request,
            status: .ok, cacheControl: "no-store")
        if p.isNew { response.headers.append(HTTPField(name: .setCookie, value: p.setCookie(security))) }
        return response
    }
    router.post("/api/v1/municipalities/:municipality/meetings/:meeting/items/:number/answer") { request, context in
        let t = try await target(context, api: true)
        struct Body: Decodable { var choice: String }
        let buffer = try await request.body.collect(upTo: 4096)
        guard let body = try? JSONDecoder().decode(Body.self, from: Data(buffer: buffer)) else {
            throw HTTPError(.badRequest, message: "send {\"choice\": \"agree\" | \"disagree\" | \"pass\"}")
        }
        do {
            let choice = try await voting.answer(
                t, choice: body.choice, csrf: request.headers[.xCSRFToken], participant: Participant.current(request, security: security), request: request,
                context: context)
            let p = context.parameters
            return try await answered(request, choice, t.itemKey, item: Paths.apiItem(try p.require("municipality"), try p.require("meeting"), try p.require("number")))
        } catch let r as Voting.Rejected {
            throw HTTPError(r.status, message: r.message)
        }
    }
    router.get("/api/v1/municipalities/:municipality/meetings/:meeting/items/:number/answers") { request, context in
        let page = try await item(context, api: true)
        let current = try await Participant.current(request, security: security).asyncMap { try await store.vote(participant: $0.id, itemKey: page.key) } ?? nil
        return Responses.make(
            tallyJSON(page, try await voting.tally(page.key), current: current), contentType: "application/json; charset=utf-8", request: request, status: .ok,
            cacheControl: "no-store")
    }

    // A municipality's answered items and opinion groups (page and API).
    @Sendable func answeredItems(_ slug: String) async throws -> (MunicipalitySummary, [(AnsweredItem, VoteTally, DecisionComparison?)], OpinionGroups?, [String: String]) {
        guard let m = try await store.municipality(slug: slug)?.municipality else { throw HTTPError(.notFound, message: "Kommunen findes ikke i Klartekst.") }
        let since = Date().addingTimeInterval(-60 * Double(deps.voting.newMinutes))
        let items = try await store.answeredItems(municipality: slug, newSince: since, limit: 200).map { i -> (AnsweredItem, VoteTally, DecisionComparison?) in
            let t = VoteTally.compute(i.counts, newShareCap: deps.voting.newShareCap, minimumForCap: deps.voting.burstMinimum)
            return (i, t, DecisionComparison.make(committee: i.committee, sections: i.sections, steps: CaseHistory.steps(of: i.sections), tally: t, meetingDate: i.date))
        }
        let groups = OpinionGroups.compute(try await store.municipalityAnswers(municipality: slug))
        return (m, items, groups, Dictionary(items.map { ($0.0.itemKey, $0.0.title) }, uniquingKeysWith: { a, _ in a }))
    }
    router.get("/kommune/:municipality/borgersvar") { request, context in
        let slug = try context.parameters.require("municipality")
        let body = try await deps.caches.pages.value(request.cacheKey) {
            let (m, items, groups, titles) = try await answeredItems(slug)
            return deps.pages.answered(municipality: m, items: items, groups: groups, titles: titles)
        }
        return Responses.make(body, contentType: "text/html; charset=utf-8", request: request, status: .ok, cacheControl: "public, max-age=30")
    }
    router.get("/api/v1/municipalities/:municipality/answers") { request, context in
        let (m, items, groups, _) = try await answeredItems(try context.parameters.require("municipality"))
        let body = API.MunicipalityAnswers(
            municipality: .init(m),
            items: items.map { API.AnsweredItem(item: Paths.apiItem(m.slug, $0.0.meetingSlug, $0.0.number), title: $0.0.title, tally: $0.1, decision: $0.2) },
            groups: groups)
        return Responses.make(APIEncoding.encode(body), contentType: "application/json; charset=utf-8", request: request, status: .ok, cacheControl: "public, max-age=30")
    }

    // GDPR: see and delete one's answers.
    router.get("/mine-svar") { request, _ in
        let p = Participant.current(request, security: security)
        let answers = try await p.asyncMap { try await store.participantAnswers(participant: $0.id) } ?? []
        return Responses.make(
            deps.pages.mine(answers, csrf: p.map { security.csrfToken(for: "participant:" + $0.id) } ?? ""), contentType: "text/html; charset=utf-8",
            request: request, status: .ok, cacheControl: "private, no-store")
    }
    router.post("/mine-svar/slet") { request, _ in
        let form = try await Form.read(request, limit: 4096)
        guard let p = Participant.current(request, security: security), security.csrfValid(form["csrf"], for: "participant:" + p.id), voting.sameOrigin(request)
        else { throw HTTPError(.forbidden, message: "Siden er udløbet. Genindlæs den, og prøv igen.") }
        let n = try await store.deleteParticipant(p.id)
        var response = Responses.make(deps.pages.mine([], csrf: "", deleted: n), contentType: "text/html; charset=utf-8", request: request, status: .ok, cacheControl: "private, no-store")
        response.headers.append(HTTPField(name: .setCookie, value: Participant.clearCookie(security)))
        return response
    }
    router.get("/privatliv") { request, _ in
        Responses.html(try await deps.caches.pages.value(request.cacheKey) { deps.pages.privacy() }, request: request)
    }

    // Operators: exact counts and flagged bursts.
    router.get("/drift/svar/:municipality") { request, context in
        _ = try security.requireOperator(request)
        let (m, items, groups, titles) = try await answeredItems(try context.parameters.require("municipality"))
        let flags = try await store.voteFlags(limit: 100)
        return Responses.make(
            deps.pages.answered(municipality: m, items: items, groups: groups, titles: titles, operatorView: true, flags: flags),
            contentType: "text/html; charset=utf-8", request: request, status: .ok, cacheControl: "no-store")
    }
}

extension Optional {
    func asyncMap<T>(_ f: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let w = self else { return nil }
        return try await f(w)
    }
}
