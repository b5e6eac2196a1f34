import Foundation

/// The source-independent ingestion format. Every connector (First Agenda first) maps its
/// responses to these types, so storage, extraction and the web never see a portal.
///
/// Minimal example (a single item with no meeting context):
/// `IngestedMeeting(municipality: "kalundborg", committeeName: "Ukendt udvalg", date: nil, ...)`
/// Filled example: `sample/firstagenda/hvidovre/agenda-oekonomiudvalget-2026-05-18.json` mapped
/// by ``FirstAgendaMapper``.
public struct IngestedMeeting: Sendable, Equatable, Codable {
    public var municipality: String
    public var committeeName: String
    public var committeePortalID: String?
    /// The meeting's start as the portal gives it (ISO 8601, usually with offset).
    public var startsAt: String?
    /// Local meeting date, `yyyy-MM-dd`; nil when the source does not say.
    public var date: String?
    public var location: String?
    public var documentKind: DocumentKind
    /// The document's own name as published ("Dagsorden", "Referat", ...).
    public var documentName: String
    public var finished: Bool
    public var portalMeetingID: String?
    /// Used for identity only when the date is unknown.
    public var fallbackDiscriminator: String?
    public var participants: [String]
    public var items: [IngestedItem]

    public init(
        municipality: String, committeeName: String, committeePortalID: String? = nil,
        startsAt: String? = nil, date: String?, location: String? = nil,
        documentKind: DocumentKind, documentName: String, finished: Bool = false,
        portalMeetingID: String? = nil, fallbackDiscriminator: String? = nil,
        participants: [String] = [], items: [IngestedItem]
    ) {
        self.municipality = municipality
        self.committeeName = committeeName
        self.committeePortalID = committeePortalID
        self.startsAt = startsAt
        self.date = date
        self.location = location
        self.documentKind = documentKind
        self.documentName = documentName
        self.finished = finished
        self.portalMeetingID = portalMeetingID
        self.fallbackDiscriminator = fallbackDiscriminator
        self.participants = participants
        self.items = items
    }

    public var committeeSlug: String {
        let s = Slug.make(committeeName)
        return s.isEmpty ? "ukendt-udvalg" : s
    }

    /// The meeting's slug within its municipality: `oekonomiudvalget-2026-05-18`.
    public var slug: String {
        if let date { return "\(committeeSlug)-\(date)" }
        return "\(committeeSlug)-uden-dato-\(fallbackDiscriminator ?? "ukendt")"
    }

    /// Stable identity: municipality + committee + meeting date. Never a portal GUID (unless the
    /// source gives no date at all).
    public var key: String { "\(municipality)/\(slug)" }
}

public enum DocumentKind: String, Sendable, Codable, CaseIterable {
    case agenda, supplementaryAgenda, minutes, supplementaryMinutes

    /// Maps the portal's document name ("Dagsorden", "Tillægsdagsorden", "Referat", ...).
    public static func from(name: String?, finished: Bool) -> DocumentKind {
        let n = (name ?? "").lowercased()
        if n.contains("tillægsreferat") || n.contains("tillaegsreferat") { return .supplementaryMinutes }
        if n.contains("referat") || n.contains("protokol") { return .minutes }
        if n.contains("tillægsdagsorden") || n.contains("tillaegsdagsorden") { return .supplementaryAgenda }
        if n.contains("dagsorden") { return .agenda }
        return finished ? .minutes : .agenda
    }

    public var isMinutes: Bool { self == .minutes || self == .supplementaryMinutes }

    public var danishLabel: String {
        switch self {
        case .agenda: "Dagsorden"
        case .supplementaryAgenda: "Tillægsdagsorden"
        case .minutes: "Referat"
        case .supplementaryMinutes: "Tillægsreferat"
        }
    }
}

public struct IngestedItem: Sendable, Equatable, Codable {
    public var portalID: String?
    public var number: String
    public var sorting: Int
    public var caseNumber: String?
    public var title: String
    public var isOpen: Bool
    /// The case text as published (untrusted HTML); fields joined in order.
    public var html: String
    /// Id of the case presentation PDF (`/Pdf/HentEksternPdf?documentId=`), if any.
    public var presentationDocumentID: String?
    public var attachments: [AttachmentRef]

    public init(
        portalID: String? = nil, number: String, sorting: Int, caseNumber: String?, title: String,
        isOpen: Bool, html: String, presentationDocumentID: String? = nil, attachments: [AttachmentRef] = []
    ) {
        self.portalID = portalID
        self.number = number
        self.sorting = sorting
        self.caseNumber = caseNumber
        self.title = title
        self.isOpen = isOpen
        self.html = html
        self.presentationDocumentID = presentationDocumentID
        self.attachments = attachments
    }

    public var caseSlug: String? {
        guard let caseNumber else { return nil }
        let s = Slug.make(caseNumber)
        return s.isEmpty ? nil : s
    }

    /// Identity within a meeting: item number + case number ("uden-sagsnr" when missing).
    public func key(in meeting: IngestedMeeting) -> String {
        "\(meeting.key)/\(Slug.make(number))/\(caseSlug ?? "uden-sagsnr")"
    }

    /// Hash of what a citizen can read: title, openness, case text and attachment list —
    /// never portal GUIDs, so a republished meeting hashes the same.
    public var contentHash: String {
        var fields = [title, isOpen ? "open" : "closed", html]
        for a in attachments { fields += [a.name, a.hasPDF ? "pdf" : "-", String(a.order)] }
        return ContentHash.sha256(fields: fields)
    }
}

public struct AttachmentRef: Sendable, Equatable, Codable {
    public var portalID: String?
    public var name: String
    public var order: Int
    public var hasPDF: Bool

    public init(portalID: String?, name: String, order: Int, hasPDF: Bool) {
        self.portalID = portalID
        self.name = name
        self.order = order
        self.hasPDF = hasPDF
    }
}
