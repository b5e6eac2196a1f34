import Foundation

/// An item ready to store: the ingested item with its sections and classification.
public struct ParsedItem: Sendable, Equatable {
    public var item: IngestedItem
    public var key: String
    public var sections: [Section]
    public var status: ItemStatus
    public var type: ItemType
    public var parserVersion: Int

    public init(item: IngestedItem, key: String, sections: [Section], parserVersion: Int) {
        self.item = item
        self.key = key
        self.sections = sections
        self.parserVersion = parserVersion
        let hasContent = sections.contains { !$0.text.isEmpty }
        self.status = ItemClassifier.status(title: item.title, isOpen: item.isOpen, hasContent: hasContent)
        self.type = ItemClassifier.type(title: item.title)
    }
}

/// A meeting document ready to store, with what was wrong in it but did not stop it.
public struct ParsedMeeting: Sendable {
    public var meeting: IngestedMeeting
    public var items: [ParsedItem]
    public var warnings: [String]

    public init(meeting: IngestedMeeting, items: [ParsedItem], warnings: [String] = []) {
        self.meeting = meeting
        self.items = items
        self.warnings = warnings
    }

    /// Hash of the document as a whole (kind + every item's content), for "seen before?".
    public var contentHash: String {
        ContentHash.sha256(fields: [meeting.documentKind.rawValue, meeting.documentName] + items.map { $0.key + "=" + $0.item.contentHash })
    }
}

/// A municipality from the registry.
public struct Municipality: Sendable, Equatable, Codable {
    public var slug: String
    public var name: String
    /// e.g. `https://dagsordener-referater.hvidovre.dk`; nil where the portal is not known.
    public var portalBaseURL: String?
    /// `firstagenda`, or the name of another system for later connectors.
    public var portalKind: String
    public var region: String?
    /// Whether the host was seen working (recorded responses, notes, public code, a sync).
    public var hostVerified: Bool?

    public init(slug: String, name: String, portalBaseURL: String?, portalKind: String, region: String? = nil, hostVerified: Bool? = nil) {
        self.slug = slug
        self.name = name
        self.portalBaseURL = portalBaseURL
        self.portalKind = portalKind
        self.region = region
        self.hostVerified = hostVerified
    }

    public var portalHost: String? {
        portalBaseURL.flatMap { URL(string: $0)?.host?.lowercased() }
    }
}
