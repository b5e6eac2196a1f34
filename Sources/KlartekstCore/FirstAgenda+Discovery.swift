import Foundation

extension FirstAgenda {
    /// A meeting as listed by `/api/agenda/udvalgsliste` or `/api/agenda/soeg`.
    public struct MeetingRef: Sendable, Equatable, Codable {
        public var id: String
        public var committeeName: String
        public var committeeID: String?
        public var date: String?
        public var released: String?
        public var finished: Bool
        public var name: String?
        public var isSupplementary: Bool

        public init(
            id: String, committeeName: String, committeeID: String? = nil, date: String?, released: String? = nil,
            finished: Bool = false, name: String? = nil, isSupplementary: Bool = false
        ) {
            self.id = id
            self.committeeName = committeeName
            self.committeeID = committeeID
            self.date = date
            self.released = released
            self.finished = finished
            self.name = name
            self.isSupplementary = isSupplementary
        }

        /// Local meeting date `yyyy-MM-dd`.
        public var localDate: String? { date.flatMap(FirstAgendaMapper.localDate) }

        /// Changes when the portal republishes the document (agenda → minutes, a new release).
        public var fingerprint: String {
            [name ?? "", finished ? "1" : "0", released ?? "", isSupplementary ? "1" : "0"].joined(separator: "|")
        }
    }

    struct ListedMeeting: Decodable {
        var id: PortalID?
        var date: String?
        var beginUTC: String?
        var released: String?
        var finished: Bool
        var name: String?
        var isSupplementary: Bool

        enum CodingKeys: String, CodingKey {
            case id = "Id", date = "Dato", beginUTC = "MeetingBeginUtc", released = "ReleasedDate", finished = "Afsluttet"
            case name = "Navn", isSupplementary = "IsSupplementaryAgenda"
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decodeIfPresent(PortalID.self, forKey: .id)?.nonZero
            date = try c.decodeIfPresent(LenientString.self, forKey: .date)?.value
            beginUTC = try c.decodeIfPresent(LenientString.self, forKey: .beginUTC)?.value
            released = try c.decodeIfPresent(LenientString.self, forKey: .released)?.value
            finished = try c.decodeIfPresent(LenientBool.self, forKey: .finished)?.value ?? false
            name = try c.decodeIfPresent(LenientString.self, forKey: .name)?.value
            isSupplementary = try c.decodeIfPresent(LenientBool.self, forKey: .isSupplementary)?.value ?? false
        }
    }

    struct ListedCommittee: Decodable {
        var id: PortalID?
        var name: String?
        var meetings: [ListedMeeting]

        enum CodingKeys: String, CodingKey { case id = "Id", name = "Navn", meetings = "Moeder" }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decodeIfPresent(PortalID.self, forKey: .id)?.nonZero
            name = try c.decodeIfPresent(LenientString.self, forKey: .name)?.value
            meetings = try c.decodeIfPresent([ListedMeeting].self, forKey: .meetings) ?? []
        }
    }

    /// Decodes `/api/agenda/udvalgsliste`: `{"Udvalg": {"<group>": [committee…]}}`, or the same
    /// with a plain list, or a single committee object (as one committee's own listing).
    public static func decodeCommitteeList(_ data: Data) throws(FirstAgendaMapper.DecodeError) -> [MeetingRef] {
        let decoder = JSONDecoder()
        var committees: [ListedCommittee] = []
        struct Grouped: Decodable { var Udvalg: [String: [ListedCommittee]] }
        struct Listed: Decodable { var Udvalg: [ListedCommittee] }
        if let g = try? decoder.decode(Grouped.self, from: data) {
            committees = g.Udvalg.keys.sorted().flatMap { g.Udvalg[$0] ?? [] }
        } else if let l = try? decoder.decode(Listed.self, from: data) {
            committees = l.Udvalg
        } else if let a = try? decoder.decode([ListedCommittee].self, from: data) {
            committees = a
        } else if let one = try? decoder.decode(ListedCommittee.self, from: data), one.name != nil {
            committees = [one]
        } else {
            _ = try FirstAgendaMapper.decode(data)  // for a precise "not valid JSON" message
            throw FirstAgendaMapper.DecodeError(description: "not a committee list (expected \"Udvalg\" with committees and \"Moeder\")")
        }
        var seen = Set<String>()
        var refs: [MeetingRef] = []
        for c in committees {
            for m in c.meetings {
                guard let id = m.id?.value, seen.insert(id).inserted else { continue }
                refs.append(MeetingRef(
                    id: id, committeeName: FirstAgendaMapper.collapseSpaces(c.name ?? "Ukendt udvalg"), committeeID: c.id?.value,
                    date: m.date ?? m.beginUTC, released: m.released, finished: m.finished, name: m.name,
                    isSupplementary: m.isSupplementary))
            }
        }
        return refs
    }

    /// Decodes `/api/agenda/soeg`: `{Dagsordner: [{Id, Moede{…}, Udvalg{Navn}}], MoreToBeSearched}`.
    public static func decodeSearch(_ data: Data) throws(FirstAgendaMapper.DecodeError) -> (meetings: [MeetingRef], more: Bool) {
        struct Hit: Decodable {
            var Id: PortalID?
            var Moede: ListedMeeting?
            var Udvalg: Committee?
        }
        struct Search: Decodable {
            var Dagsordner: [Hit]
            var MoreToBeSearched: Bool?
        }
        guard let s = try? JSONDecoder().decode(Search.self, from: data) else {
            _ = try FirstAgendaMapper.decode(data)
            throw FirstAgendaMapper.DecodeError(description: "not a search response (expected \"Dagsordner\")")
        }
        let refs = s.Dagsordner.compactMap { hit -> MeetingRef? in
            guard let id = (hit.Id ?? hit.Moede?.id)?.value else { return nil }
            return MeetingRef(
                id: id, committeeName: hit.Udvalg?.name ?? "Ukendt udvalg", committeeID: hit.Udvalg?.id?.value,
                date: hit.Moede?.date ?? hit.Moede?.beginUTC, released: hit.Moede?.released, finished: hit.Moede?.finished ?? false,
                name: hit.Moede?.name, isSupplementary: hit.Moede?.isSupplementary ?? false)
        }
        return (refs, s.MoreToBeSearched ?? false)
    }
}
