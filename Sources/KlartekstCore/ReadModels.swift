import Foundation

public struct MunicipalitySummary: Sendable, Equatable, Codable {
    public var slug: String
    public var name: String
    public var portalBaseURL: String?
    public var meetingCount: Int
    public var itemCount: Int
    public var latestMeetingDate: String?

    public init(slug: String, name: String, portalBaseURL: String?, meetingCount: Int, itemCount: Int, latestMeetingDate: String?) {
        self.slug = slug
        self.name = name
        self.portalBaseURL = portalBaseURL
        self.meetingCount = meetingCount
        self.itemCount = itemCount
        self.latestMeetingDate = latestMeetingDate
    }
}

public struct CommitteeSummary: Sendable, Equatable, Codable {
    public var slug: String
    public var name: String
    public var meetingCount: Int

    public init(slug: String, name: String, meetingCount: Int) {
        self.slug = slug
        self.name = name
        self.meetingCount = meetingCount
    }
}

public struct MeetingSummary: Sendable, Equatable, Codable {
    public var slug: String
    public var committeeSlug: String
    public var committeeName: String
    public var date: String?
    public var startsAt: String?
    public var location: String?
    /// The newest document kind stored (agenda, minutes, ...).
    public var documentKind: DocumentKind
    public var itemCount: Int

    public init(
        slug: String, committeeSlug: String, committeeName: String, date: String?, startsAt: String?, location: String?,
        documentKind: DocumentKind, itemCount: Int
    ) {
        self.slug = slug
        self.committeeSlug = committeeSlug
        self.committeeName = committeeName
        self.date = date
        self.startsAt = startsAt
        self.location = location
        self.documentKind = documentKind
        self.itemCount = itemCount
    }
}

public struct MunicipalityPage: Sendable, Equatable {
    public var municipality: MunicipalitySummary
    public var committees: [CommitteeSummary]
    public var meetings: [MeetingSummary]

    public init(municipality: MunicipalitySummary, committees: [CommitteeSummary], meetings: [MeetingSummary]) {
        self.municipality = municipality
        self.committees = committees
        self.meetings = meetings
    }
}

public struct MeetingDocumentInfo: Sendable, Equatable, Codable {
    public var kind: DocumentKind
    public var name: String
    public var portalMeetingID: String?
    public var importedAt: String

    public init(kind: DocumentKind, name: String, portalMeetingID: String?, importedAt: String) {
        self.kind = kind
        self.name = name
        self.portalMeetingID = portalMeetingID
        self.importedAt = importedAt
    }
}

public struct ItemSummary: Sendable, Equatable, Codable {
    public var number: String
    public var sorting: Int
    public var title: String
    public var caseNumber: String?
    public var status: ItemStatus
    public var type: ItemType
    public var revisionCount: Int

    public init(number: String, sorting: Int, title: String, caseNumber: String?, status: ItemStatus, type: ItemType, revisionCount: Int) {
        self.number = number
        self.sorting = sorting
        self.title = title
        self.caseNumber = caseNumber
        self.status = status
        self.type = type
        self.revisionCount = revisionCount
    }
}

public struct MeetingPage: Sendable, Equatable {
    public var municipality: MunicipalitySummary
    public var meeting: MeetingSummary
    public var documents: [MeetingDocumentInfo]
    public var participants: [String]
    public var items: [ItemSummary]

    public init(
        municipality: MunicipalitySummary, meeting: MeetingSummary, documents: [MeetingDocumentInfo], participants: [String],
        items: [ItemSummary]
    ) {
        self.municipality = municipality
        self.meeting = meeting
        self.documents = documents
        self.participants = participants
        self.items = items
    }
}

public struct AttachmentInfo: Sendable, Equatable, Codable {
    public var ordinal: Int
    public var name: String
    public var portalID: String?
    public var hasPDF: Bool
    /// Set once the PDF is fetched and its text extracted.
    public var sha256: String?
    public var pageCount: Int?
    public var ocrPages: Int?
    public var textError: String?

    public init(
        ordinal: Int, name: String, portalID: String?, hasPDF: Bool, sha256: String? = nil, pageCount: Int? = nil, ocrPages: Int? = nil,
        textError: String? = nil
    ) {
        self.ordinal = ordinal
        self.name = name
        self.portalID = portalID
        self.hasPDF = hasPDF
        self.sha256 = sha256
        self.pageCount = pageCount
        self.ocrPages = ocrPages
        self.textError = textError
    }
}

/// One attachment's text, for its reading page.
public struct AttachmentPage: Sendable, Equatable {
    public var municipality: MunicipalitySummary
    public var name: String
    public var portalID: String
    public var item: RelatedItem?
    public var text: DocumentText?
    public var error: String?

    public init(municipality: MunicipalitySummary, name: String, portalID: String, item: RelatedItem?, text: DocumentText?, error: String?) {
        self.municipality = municipality
        self.name = name
        self.portalID = portalID
        self.item = item
        self.text = text
        self.error = error
    }
}

public struct RevisionInfo: Sendable, Equatable, Codable {
    public var number: Int
    public var documentKind: DocumentKind
    public var contentHash: String
    public var parserVersion: Int
    public var importedAt: String

    public init(number: Int, documentKind: DocumentKind, contentHash: String, parserVersion: Int, importedAt: String) {
        self.number = number
        self.documentKind = documentKind
        self.contentHash = contentHash
        self.parserVersion = parserVersion
        self.importedAt = importedAt
    }
}

/// An item of another meeting that belongs to the same case.
public struct RelatedItem: Sendable, Equatable, Codable {
    public var meetingSlug: String
    public var committeeName: String
    public var date: String?
    public var number: String
    public var title: String

    public init(meetingSlug: String, committeeName: String, date: String?, number: String, title: String) {
        self.meetingSlug = meetingSlug
        self.committeeName = committeeName
        self.date = date
        self.number = number
        self.title = title
    }
}

public struct ItemPage: Sendable, Equatable {
    public var municipality: MunicipalitySummary
    public var meeting: MeetingSummary
    public var item: ItemSummary
    public var key: String
    public var caseSlug: String?
    public var portalItemID: String?
    public var portalMeetingID: String?
    public var presentationDocumentID: String?
    /// Sections of the current revision.
    public var sections: [Section]
    public var attachments: [AttachmentInfo]
    public var revisions: [RevisionInfo]
    public var related: [RelatedItem]

    public init(
        municipality: MunicipalitySummary, meeting: MeetingSummary, item: ItemSummary, key: String, caseSlug: String?,
        portalItemID: String?, portalMeetingID: String?, presentationDocumentID: String?, sections: [Section],
        attachments: [AttachmentInfo], revisions: [RevisionInfo], related: [RelatedItem]
    ) {
        self.municipality = municipality
        self.meeting = meeting
        self.item = item
        self.key = key
        self.caseSlug = caseSlug
        self.portalItemID = portalItemID
        self.portalMeetingID = portalMeetingID
        self.presentationDocumentID = presentationDocumentID
        self.sections = sections
        self.attachments = attachments
        self.revisions = revisions
        self.related = related
    }

    /// The case's way through committees, oldest first.
    public var steps: [CaseHistory.Step] { CaseHistory.steps(of: sections) }

    public func sections(_ kind: SectionKind) -> [Section] { sections.filter { $0.kind == kind } }
}

public struct CasePage: Sendable, Equatable {
    public var municipality: MunicipalitySummary
    public var caseNumber: String
    public var items: [RelatedItem]

    public init(municipality: MunicipalitySummary, caseNumber: String, items: [RelatedItem]) {
        self.municipality = municipality
        self.caseNumber = caseNumber
        self.items = items
    }
}
