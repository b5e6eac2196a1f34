import Foundation
import HTTPTypes
import Hummingbird
import KlartekstCore

/// "Om Klartekst": how the summaries are made and that they can be wrong, with a "Meld fejl"
/// form whose reports reach the operators' review queue; operators close them there.
func addAboutRoutes(_ router: Router<WebContext>, _ deps: WebDependencies, _ voting: Voting) {
    let security = deps.security
    router.get("/om") { request, _ in
        let p = Participant.currentOrNew(request, security: security)
        let page = sameSitePath(request.uri.queryParameters.get("side"))
        let body = deps.pages.about(
            backend: deps.analysisBackend, prompts: deps.promptVersions, page: page, csrf: security.csrfToken(for: "participant:" + p.id),
            thanks: request.uri.queryParameters.get("tak") != nil)
        var response = Responses.make(body, contentType: "text/html; charset=utf-8", request: request, status: .ok, cacheControl: "private, no-cache")
        if p.isNew { response.headers.append(HTTPField(name: .setCookie, value: p.setCookie(security))) }
        return response
    }
    router.post("/meld-fejl") { request, context in
        let form = try await Form.read(request, limit: 16 << 10)
        guard let p = Participant.current(request, security: security), security.csrfValid(form["csrf"], for: "participant:" + p.id), voting.sameOrigin(request)
        else { throw HTTPError(.forbidden, message: "Siden er udløbet. Genindlæs den, og prøv igen.") }
        guard await voting.limiter.allow("r:" + voting.clientAddress(request, context), limit: 10) else {
            throw HTTPError(.tooManyRequests, message: "Du har sendt mange fejlmeldinger på kort tid. Prøv igen om et minut.")
        }
        let message = (form["besked"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard (5...4000).contains(message.count) else { throw HTTPError(.badRequest, message: "Skriv kort, hvad der er forkert (5–4.000 tegn).") }
        let page = sameSitePath(form["side"])
        try await deps.store.saveErrorReport(page: page, message: message)
        context.logger.notice("error report received", metadata: ["page": "\(page)"])
        return Response(status: .seeOther, headers: [.location: "/om?tak=1#meld-fejl"])
    }
    router.post("/drift/fejl/:id/luk") { request, context in
        let name = try security.requireOperator(request)
        let form = try await Form.read(request)
        guard security.csrfValid(form["csrf"], for: "operator:" + name) else { throw HTTPError(.forbidden, message: "Formularen er udløbet.") }
        guard let id = Int64(try context.parameters.require("id")), try await deps.store.closeErrorReport(id: id, by: name) else {
            throw HTTPError(.notFound, message: "Fejlmeldingen findes ikke eller er lukket.")
        }
        return Response(status: .seeOther, headers: [.location: "/drift/analyser?besked=lukket"])
    }
}

/// A path on this site, or "": it starts with one "/" (not "//" or "/\\", which browsers read as
/// another host), has no control characters (a "%0A" forged a line in the log) and is at most
/// 500 characters.
func sameSitePath(_ raw: String?) -> String {
    guard let raw, raw.hasPrefix("/"), !raw.hasPrefix("//"), !raw.hasPrefix("/\\"), raw.count <= 500,
        !raw.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0 == "\\" })
    else { return "" }
    return raw
}

extension Pages {
    struct AboutVM {
        var title = "Om Klartekst"
        var has_breadcrumbs = true
        var breadcrumbs = [Crumb(name: "Forside", url: "/")]
        var crumb = "Om Klartekst"
        var backend: String
        var prompts: String
        var page: String
        var csrf: String
        var thanks: Bool
    }

    func about(backend: String, prompts: [String], page: String, csrf: String, thanks: Bool) -> String {
        render(AboutVM(backend: backend, prompts: prompts.joined(separator: ", "), page: page, csrf: csrf, thanks: thanks), "about")
    }
}
