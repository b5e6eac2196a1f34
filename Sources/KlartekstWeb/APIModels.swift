import Foundation
import KlartekstCore

/// JSON bodies of `/api/v1`. Field names are stable API; see `openapi.json`.
enum API {
    struct Source: Encodable {
        var municipality: KlartekstCore.Municipality
        var health: SourceHealth?
    }

    struct MunicipalityList: Encodable { var municipalities: [Municipality] }

    struct Municipality: Encodable {
        var slug, name: String
        var portalBaseURL: String?
        var meetingCount, itemCount: Int
        var latestMeetingDate: String?
        var url, htmlURL: String

        init(_ m: MunicipalitySummary) {
            slug = m.slug
            name = m.name
            portalBaseURL = m.portalBaseURL
            meetingCount = m.meetingCount
            itemCount = m.itemCount
            latestMeetingDate = m.latestMeetingDate
            url = Paths.apiMunicipality(m.slug)
            htmlURL = Paths.municipality(m.slug)
        }
    }

    struct MunicipalityDetail: Encodable {
        var municipality: Municipality
        var committees: [CommitteeSummary]
        var meetings: [Meeting]
    }

    struct Meeting: Encodable {
        var slug, committee, committeeSlug: String
        var date, startsAt, location: String?
        var documentKind: DocumentKind
        var itemCount: Int
        var url, htmlURL: String

        init(_ g: MeetingSummary, municipality: String) {
            slug = g.slug
            committee = g.committeeName
            committeeSlug = g.committeeSlug
            date = g.date
            startsAt = g.startsAt
            location = g.location
            documentKind = g.documentKind
            itemCount = g.itemCount
            url = Paths.apiMeeting(municipality, g.slug)
            htmlURL = Paths.meeting(municipality, g.slug)
        }
    }

    struct MeetingDetail: Encodable {
        var municipality: Municipality
        var meeting: Meeting
        var documents: [MeetingDocumentInfo]
        var participants: [String]
        var items: [ItemRow]
    }

    struct ItemRow: Encodable {
        var number, title: String
        var caseNumber: String?
        var status: ItemStatus
        var type: ItemType
        var revisionCount: Int
        var url, htmlURL: String
    }

    struct Step: Encodable {
        var date: String?
        var body, text: String
        var outcome: DecisionOutcome
    }

    struct Attachment: Encodable {
        var ordinal: Int
        var name: String
        var portalID: String?
        var hasPDF: Bool
        var pdfURL: String?
        var pageCount: Int?
        var textURL: String?
    }

    struct ItemDetail: Encodable {
        var municipality: Municipality
        var meeting: Meeting
        var item: ItemRow
        var identity: String
        var caseURL: String?
        var portalItemID, portalMeetingID, portalURL: String?
        var recommendation: [String]
        var decision: [String]
        var steps: [Step]
        var sections: [Section]
        var attachments: [Attachment]
        var revisions: [RevisionInfo]
        var related: [RelatedItem]
        /// The published citizen analysis and topic relevance, each claim with its located quote.
        var analysis: ItemAnalysis?
    }

    struct AttachmentText: Encodable {
        var municipality: Municipality
        var name: String
        var portalID: String
        var item: RelatedItem?
        var text: DocumentText?
        var error: String?
    }

    struct CaseDetail: Encodable {
        var municipality: Municipality
        var caseNumber: String
        var items: [RelatedItem]
    }

    static func itemRow(_ i: ItemSummary, municipality: String, meeting: String) -> ItemRow {
        ItemRow(
            number: i.number, title: i.title, caseNumber: i.caseNumber, status: i.status, type: i.type, revisionCount: i.revisionCount,
            url: Paths.apiItem(municipality, meeting, i.number), htmlURL: Paths.item(municipality, meeting, i.number))
    }

    static func item(_ page: ItemPage, analysis: ItemAnalysis? = nil) -> ItemDetail {
        let m = page.municipality
        return ItemDetail(
            municipality: Municipality(m), meeting: Meeting(page.meeting, municipality: m.slug),
            item: itemRow(page.item, municipality: m.slug, meeting: page.meeting.slug), identity: page.key,
            caseURL: page.caseSlug.map { Paths.apiCase(m.slug, $0) }, portalItemID: page.portalItemID,
            portalMeetingID: page.portalMeetingID,
            portalURL: zip(m.portalBaseURL, page.portalMeetingID).map { Paths.Portal.item(base: $0, meetingID: $1, number: page.item.number) },
            recommendation: page.sections(.recommendation).map(\.text),
            decision: page.sections(.decision).filter { $0.committee == nil }.map(\.text),
            steps: page.steps.map { Step(date: $0.date, body: $0.body, text: $0.text, outcome: $0.outcome) },
            sections: page.sections,
            attachments: page.attachments.map { a in
                Attachment(
                    ordinal: a.ordinal, name: a.name, portalID: a.portalID, hasPDF: a.hasPDF,
                    pdfURL: a.hasPDF ? zip(m.portalBaseURL, a.portalID).map { Paths.Portal.attachment(base: $0, id: $1) } : nil,
                    pageCount: a.pageCount, textURL: a.pageCount != nil ? a.portalID.map { Paths.apiAttachment(m.slug, $0) } : nil)
            },
            revisions: page.revisions, related: page.related, analysis: analysis.flatMap { $0.isEmpty ? nil : $0 })
    }

    /// An item's answers: the tally (exact counts, guarded shares), the decision, and the caller's answer.
    struct Answers: Encodable {
        var item: String
        var yourAnswer: VoteChoice?
        var tally: VoteTally
        var decision: DecisionComparison?
    }

    struct AnsweredItem: Encodable {
        var item: String
        var title: String
        var tally: VoteTally
        var decision: DecisionComparison?
    }

    struct MunicipalityAnswers: Encodable {
        var municipality: Municipality
        var items: [AnsweredItem]
        var groups: OpinionGroups?
    }
}
