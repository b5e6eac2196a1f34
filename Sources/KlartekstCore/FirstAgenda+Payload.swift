import Foundation

/// The First Agenda portal's JSON as it really arrives: lenient where hosts differ, strict where
/// a wrong shape must be refused. Field names follow the portal (Danish), types are ours.
public enum FirstAgenda {
    /// `GET /api/agenda/dagsorden/{meetingId}`: one agenda or minutes with its items.
    public struct AgendaResponse: Decodable, Sendable {
        public var id: PortalID?
        public var committee: Committee?
        public var meeting: Meeting?
        public var isSupplementary: Bool
        public var items: [Item]

        enum CodingKeys: String, CodingKey {
            case id = "Id", committee = "Udvalg", meeting = "Moede"
            case isSupplementary = "TillaegsDagsorden", items = "Dagsordenpunkter"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decodeIfPresent(PortalID.self, forKey: .id)?.nonZero
            committee = try c.decodeIfPresent(Committee.self, forKey: .committee)
            meeting = try c.decodeIfPresent(Meeting.self, forKey: .meeting)
            isSupplementary = try c.decodeIfPresent(LenientBool.self, forKey: .isSupplementary)?.value ?? false
            items = try c.decode([Item].self, forKey: .items)
        }
    }

    public struct Committee: Decodable, Sendable {
        public var id: PortalID?
        public var name: String?
        public var historical: Bool

        enum CodingKeys: String, CodingKey { case id = "Id", name = "Navn", historical = "Historisk" }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decodeIfPresent(PortalID.self, forKey: .id)?.nonZero
            name = try c.decodeIfPresent(LenientString.self, forKey: .name)?.value
            historical = try c.decodeIfPresent(LenientBool.self, forKey: .historical)?.value ?? false
        }
    }

    public struct Meeting: Decodable, Sendable {
        public var id: PortalID?
        public var date: String?
        public var beginUTC: String?
        public var location: String?
        public var finished: Bool
        public var name: String?
        public var participants: [Participant]

        enum CodingKeys: String, CodingKey {
            case id = "Id", date = "Dato", beginUTC = "MeetingBeginUtc", location = "Sted"
            case finished = "Afsluttet", name = "Navn", participants = "Moededeltagere"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decodeIfPresent(PortalID.self, forKey: .id)?.nonZero
            date = try c.decodeIfPresent(LenientString.self, forKey: .date)?.value
            beginUTC = try c.decodeIfPresent(LenientString.self, forKey: .beginUTC)?.value
            location = try c.decodeIfPresent(LenientString.self, forKey: .location)?.value
            finished = try c.decodeIfPresent(LenientBool.self, forKey: .finished)?.value ?? false
            name = try c.decodeIfPresent(LenientString.self, forKey: .name)?.value
            participants = try c.decodeIfPresent([Participant].self, forKey: .participants) ?? []
        }
    }

    public struct Participant: Decodable, Sendable {
        public var name: String
        public var absent: Bool

        enum CodingKeys: String, CodingKey { case name = "Name", absent = "Absent" }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decodeIfPresent(LenientString.self, forKey: .name)?.value ?? ""
            absent = try c.decodeIfPresent(LenientBool.self, forKey: .absent)?.value ?? false
        }
    }

    /// One `Dagsordenpunkter[]` entry. Duplicated pairs (Number/Punktnummer, Caption/Navn,
    /// CaseNumber/SagsNummer) are merged: the first non-empty wins.
    public struct Item: Decodable, Sendable {
        public var id: PortalID?
        public var agendaID: PortalID?
        public var number: String?
        public var sorting: Int?
        public var isOpen: Bool
        public var caseNumber: String?
        public var caption: String?
        public var fields: [Field]
        public var attachments: [Attachment]

        enum CodingKeys: String, CodingKey {
            case id = "Id", agendaID = "AgendaUid", number = "Number", sorting = "Sorting"
            case isOpen = "IsOpen", caseNumber = "CaseNumber", caption = "Caption"
            case fields = "Felter", attachments = "Bilag", punktnummer = "Punktnummer"
            case navn = "Navn", sagsNummer = "SagsNummer"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decodeIfPresent(PortalID.self, forKey: .id)?.nonZero
            agendaID = try c.decodeIfPresent(PortalID.self, forKey: .agendaID)?.nonZero
            number = try Self.first(c, .number, .punktnummer)
            sorting = try c.decodeIfPresent(LenientInt.self, forKey: .sorting)?.value
            isOpen = try c.decodeIfPresent(LenientBool.self, forKey: .isOpen)?.value ?? false
            caseNumber = try Self.first(c, .caseNumber, .sagsNummer)
            caption = try Self.first(c, .caption, .navn)
            fields = try c.decodeIfPresent([Field].self, forKey: .fields) ?? []
            attachments = try c.decodeIfPresent([Attachment].self, forKey: .attachments) ?? []
            guard caption != nil || !fields.isEmpty || number != nil else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: decoder.codingPath, debugDescription: "an agenda item needs Caption/Navn, Number/Punktnummer or Felter")
                )
            }
        }

        private static func first(
            _ c: KeyedDecodingContainer<CodingKeys>, _ a: CodingKeys, _ b: CodingKeys
        ) throws -> String? {
            for key in [a, b] {
                if let v = try c.decodeIfPresent(LenientString.self, forKey: key)?.value?
                    .trimmingCharacters(in: .whitespacesAndNewlines), !v.isEmpty
                {
                    return v
                }
            }
            return nil
        }
    }

    public struct Field: Decodable, Sendable {
        public var name: String?
        public var html: String?
        public var text: String?
        public var link: String?
        public var documentID: PortalID?

        enum CodingKeys: String, CodingKey {
            case name = "Navn", html = "Html", text = "Tekst", link = "Link", documentID = "DocumentId"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decodeIfPresent(LenientString.self, forKey: .name)?.value
            html = try c.decodeIfPresent(LenientString.self, forKey: .html)?.value
            text = try c.decodeIfPresent(LenientString.self, forKey: .text)?.value
            link = try c.decodeIfPresent(LenientString.self, forKey: .link)?.value
            documentID = try c.decodeIfPresent(PortalID.self, forKey: .documentID)?.nonZero
        }
    }

    public struct Attachment: Decodable, Sendable {
        public var id: PortalID?
        public var name: String
        public var order: Int
        public var hasPDF: Bool

        enum CodingKeys: String, CodingKey { case id = "Id", name = "Navn", order = "Order", hasPDF = "HarPdfVersion" }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decodeIfPresent(PortalID.self, forKey: .id)?.nonZero
            name = try c.decodeIfPresent(LenientString.self, forKey: .name)?.value ?? ""
            order = try c.decodeIfPresent(LenientInt.self, forKey: .order)?.value ?? 0
            hasPDF = try c.decodeIfPresent(LenientBool.self, forKey: .hasPDF)?.value ?? false
        }
    }
}

/// A portal GUID. The all-zero GUID is the portal's placeholder for "no id".
public struct PortalID: Decodable, Hashable, Sendable, CustomStringConvertible {
    public let value: String
    public init(_ value: String) { self.value = value.lowercased() }
    public init(from decoder: any Decoder) throws {
        value = try decoder.singleValueContainer().decode(String.self).lowercased()
    }
    public var isZero: Bool { value.allSatisfy { $0 == "0" || $0 == "-" } }
    public var nonZero: PortalID? { isZero || value.isEmpty ? nil : self }
    public var description: String { value }
}

/// `true`, `false`, `"true"`, `"false"`, `1`, `0` or null.
struct LenientBool: Decodable {
    let value: Bool?
    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { value = nil; return }
        if let b = try? c.decode(Bool.self) { value = b; return }
        if let i = try? c.decode(Int.self) { value = i != 0; return }
        let s = try c.decode(String.self).trimmingCharacters(in: .whitespaces).lowercased()
        switch s {
        case "true", "1", "ja", "yes": value = true
        case "false", "0", "nej", "no", "": value = false
        default:
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected a boolean, found \"\(s)\"")
        }
    }
}

/// A string that some hosts send as a number; null stays nil.
struct LenientString: Decodable {
    let value: String?
    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { value = nil; return }
        if let s = try? c.decode(String.self) { value = s; return }
        if let i = try? c.decode(Int.self) { value = String(i); return }
        if let d = try? c.decode(Double.self) { value = String(d); return }
        if let b = try? c.decode(Bool.self) { value = String(b); return }
        throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected a string")
    }
}

/// An integer that some hosts send as a string.
struct LenientInt: Decodable {
    let value: Int?
    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { value = nil; return }
        if let i = try? c.decode(Int.self) { value = i; return }
        if let s = try? c.decode(String.self) { value = Int(s.trimmingCharacters(in: .whitespaces)); return }
        throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected an integer")
    }
}
