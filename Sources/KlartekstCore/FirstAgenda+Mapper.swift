import Foundation

/// Maps First Agenda responses to the ingestion format. Pure: no I/O.
public enum FirstAgendaMapper {
    /// What the caller knows that a response may not say (a single item carries no meeting).
    public struct Context: Sendable {
        public var municipality: String
        public var committeeName: String?
        public var date: String?

        public init(municipality: String, committeeName: String? = nil, date: String? = nil) {
            self.municipality = municipality
            self.committeeName = committeeName
            self.date = date
        }
    }

    public enum Payload: Sendable {
        case agenda(FirstAgenda.AgendaResponse)
        case item(FirstAgenda.Item)
    }

    public struct DecodeError: Error, CustomStringConvertible, Sendable {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// Decodes an agenda (`/api/agenda/dagsorden/{id}`) or a single item. A body of another
    /// shape, or JSON that does not parse, is refused with an error saying what was wrong.
    public static func decode(_ data: Data) throws(DecodeError) -> Payload {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw DecodeError(description: "not valid JSON (\(Self.jsonErrorSummary(error, data: data)))")
        }
        guard let dict = object as? [String: Any] else {
            throw DecodeError(description: "expected a JSON object, found \(type(of: object) == NSArray.self ? "an array" : "a \(type(of: object))")")
        }
        let decoder = JSONDecoder()
        do {
            if dict["Dagsordenpunkter"] != nil {
                return .agenda(try decoder.decode(FirstAgenda.AgendaResponse.self, from: data))
            }
            if dict["Felter"] != nil || dict["Caption"] != nil || dict["Punktnummer"] != nil {
                return .item(try decoder.decode(FirstAgenda.Item.self, from: data))
            }
        } catch let error as DecodingError {
            throw DecodeError(description: "wrong shape: \(Self.describe(error))")
        } catch {
            throw DecodeError(description: "wrong shape: \(error)")
        }
        let keys = dict.keys.sorted().prefix(6).joined(separator: ", ")
        throw DecodeError(
            description: "not a First Agenda agenda (no \"Dagsordenpunkter\") or item (no \"Felter\"/\"Caption\"); top-level keys: \(keys)"
        )
    }

    /// The portal host named in the response (from `Felter[].Link`), used to tell the municipality.
    public static func portalHost(of payload: Payload) -> String? {
        let items: [FirstAgenda.Item]
        switch payload {
        case .agenda(let a): items = a.items
        case .item(let i): items = [i]
        }
        for item in items {
            for field in item.fields {
                if let link = field.link, let host = URL(string: link)?.host, !host.isEmpty {
                    return host.lowercased()
                }
            }
        }
        return nil
    }

    public static func meeting(from payload: Payload, context: Context) -> IngestedMeeting {
        switch payload {
        case .agenda(let agenda):
            let date = context.date ?? agenda.meeting?.date.flatMap(localDate) ?? agenda.meeting?.beginUTC.flatMap(localDate)
            let name = agenda.meeting?.name
            return IngestedMeeting(
                municipality: context.municipality,
                committeeName: nonEmpty(agenda.committee?.name) ?? context.committeeName ?? "Ukendt udvalg",
                committeePortalID: agenda.committee?.id?.value,
                startsAt: agenda.meeting?.date ?? agenda.meeting?.beginUTC,
                date: date,
                location: nonEmpty(agenda.meeting?.location),
                documentKind: agenda.isSupplementary && !(agenda.meeting?.finished ?? false)
                    ? .supplementaryAgenda : DocumentKind.from(name: name, finished: agenda.meeting?.finished ?? false),
                documentName: nonEmpty(name) ?? "Dagsorden",
                finished: agenda.meeting?.finished ?? false,
                portalMeetingID: agenda.id?.value,
                fallbackDiscriminator: agenda.id.map { String($0.value.prefix(8)) },
                participants: agenda.meeting?.participants.filter { !$0.absent }.map {
                    $0.name.split(whereSeparator: \.isWhitespace).joined(separator: " ")
                } ?? [],
                items: agenda.items.enumerated().map { item(from: $0.element, position: $0.offset) }
            )
        case .item(let single):
            return IngestedMeeting(
                municipality: context.municipality,
                committeeName: context.committeeName ?? "Ukendt udvalg",
                date: context.date,
                documentKind: .agenda,
                documentName: "Dagsordenpunkt",
                portalMeetingID: single.agendaID?.value,
                fallbackDiscriminator: (single.agendaID ?? single.id).map { String($0.value.prefix(8)) },
                items: [item(from: single, position: 0)]
            )
        }
    }

    static func item(from p: FirstAgenda.Item, position: Int) -> IngestedItem {
        let html = p.fields.compactMap { $0.html }.filter { !$0.isEmpty }.joined(separator: "\n")
        return IngestedItem(
            portalID: p.id?.value,
            number: p.number ?? String(position + 1),
            sorting: p.sorting ?? position + 1,
            caseNumber: p.caseNumber,
            title: collapseSpaces(p.caption ?? "Punkt \(p.number ?? String(position + 1))"),
            isOpen: p.isOpen,
            html: html,
            presentationDocumentID: p.fields.compactMap { $0.documentID?.value }.first,
            attachments: p.attachments.map {
                AttachmentRef(portalID: $0.id?.value, name: collapseSpaces($0.name), order: $0.order, hasPDF: $0.hasPDF)
            }
        )
    }

    /// `2026-05-18T17:00:00+02:00` → `2026-05-18` (the local date the portal states).
    public static func localDate(_ value: String) -> String? {
        let prefix = String(value.prefix(10))
        let parts = prefix.split(separator: "-")
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
            (1900...2200).contains(y), (1...12).contains(m), (1...31).contains(d)
        else { return nil }
        return prefix
    }

    static func nonEmpty(_ s: String?) -> String? {
        guard let s else { return nil }
        let t = collapseSpaces(s)
        return t.isEmpty ? nil : t
    }

    static func collapseSpaces(_ s: String) -> String {
        s.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ p: [any CodingKey]) -> String {
            p.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        }
        switch error {
        case .typeMismatch(let t, let c): return "\(path(c.codingPath)): expected \(t) (\(c.debugDescription))"
        case .valueNotFound(let t, let c): return "\(path(c.codingPath)): missing \(t)"
        case .keyNotFound(let k, let c): return "\(path(c.codingPath)).\(k.stringValue): missing"
        case .dataCorrupted(let c): return "\(path(c.codingPath)): \(c.debugDescription)"
        @unknown default: return "\(error)"
        }
    }

    static func jsonErrorSummary(_ error: any Error, data: Data) -> String {
        if data.isEmpty { return "the file is empty" }
        let ns = error as NSError
        if let detail = ns.userInfo[NSDebugDescriptionErrorKey] as? String { return detail }
        return "truncated or malformed"
    }
}
