import Foundation

/// Validators for a conditional request.
public struct CacheValidators: Sendable, Equatable, Codable {
    public var etag: String?
    public var lastModified: String?
    public init(etag: String?, lastModified: String?) {
        self.etag = etag
        self.lastModified = lastModified
    }
    public var isEmpty: Bool { etag == nil && lastModified == nil }
}

/// What a polite GET returned.
public enum FetchResult: Sendable {
    case notModified
    case ok(body: Data, contentType: String?, validators: CacheValidators)
}

/// A fetch that failed for good (after the client's own retries).
public struct FetchError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable { case http, timeout, connection, tooLarge, circuitOpen, notPDF, invalid }
    public var code: Code
    public var url: String
    public var detail: String
    public init(_ code: Code, url: String, _ detail: String) {
        self.code = code
        self.url = url
        self.detail = detail
    }
    public var description: String { "\(url): \(detail)" }
}

/// A portal connector's view of the network: polite GETs on one portal. The live adapter
/// (AsyncHTTPClient) enforces User-Agent, rate limits, backoff, cookies and the circuit breaker.
public protocol PortalFetching: Sendable {
    /// GET a path (or absolute URL) of the portal; conditional when validators are given.
    func get(_ pathOrURL: String, validators: CacheValidators?, maxBytes: Int) async throws -> FetchResult
    /// GET a file, following one short-lived redirect at once (never storing the redirect URL).
    func download(_ pathOrURL: String, maxBytes: Int) async throws -> (body: Data, contentType: String?)
}

/// Content-addressed storage of raw responses and files (sha256 → bytes).
public protocol BlobStore: Sendable {
    /// Stores the bytes (idempotent) and returns their sha256.
    @discardableResult func put(_ data: Data) async throws -> String
    func get(_ sha256: String) async throws -> Data?
    func contains(_ sha256: String) async -> Bool
    /// A local file holding the bytes, for tools that read files (nil when not stored).
    func localFile(_ sha256: String) async -> URL?
}

/// A meeting the sync knows about, and how far it got.
public struct SyncMeetingState: Sendable, Equatable {
    public enum State: String, Sendable { case pending, done, failed }
    public var municipality: String
    public var portalID: String
    public var committee: String
    public var date: String?
    public var fingerprint: String
    public var state: State
    public var attempts: Int
    public var lastError: String?

    public init(
        municipality: String, portalID: String, committee: String, date: String?, fingerprint: String, state: State,
        attempts: Int = 0, lastError: String? = nil
    ) {
        self.municipality = municipality
        self.portalID = portalID
        self.committee = committee
        self.date = date
        self.fingerprint = fingerprint
        self.state = state
        self.attempts = attempts
        self.lastError = lastError
    }
}

/// A file (attachment or case presentation) to fetch.
public struct FileRef: Sendable, Equatable, Hashable {
    public enum Kind: String, Sendable { case attachment, presentation }
    public var municipality: String
    public var kind: Kind
    public var portalID: String
    public init(municipality: String, kind: Kind, portalID: String) {
        self.municipality = municipality
        self.kind = kind
        self.portalID = portalID
    }
}

/// Per-source health, for operators.
public struct SourceHealth: Sendable, Equatable, Codable {
    public var municipality: String
    public var lastStarted: String?
    public var lastSuccess: String?
    public var lastError: String?
    public var lastErrorAt: String?
    public var consecutiveFailures: Int
    public var meetingsKnown: Int
    public var meetingsDone: Int
    public var filesStored: Int
    public var filesFailed: Int

    public init(
        municipality: String, lastStarted: String? = nil, lastSuccess: String? = nil, lastError: String? = nil,
        lastErrorAt: String? = nil, consecutiveFailures: Int = 0, meetingsKnown: Int = 0, meetingsDone: Int = 0,
        filesStored: Int = 0, filesFailed: Int = 0
    ) {
        self.municipality = municipality
        self.lastStarted = lastStarted
        self.lastSuccess = lastSuccess
        self.lastError = lastError
        self.lastErrorAt = lastErrorAt
        self.consecutiveFailures = consecutiveFailures
        self.meetingsKnown = meetingsKnown
        self.meetingsDone = meetingsDone
        self.filesStored = filesStored
        self.filesFailed = filesFailed
    }
}

/// What the sync keeps between runs (resumable: every step is recorded as it finishes).
public protocol SyncStateStore: Sendable {
    /// Records discovered meetings; a new one, or one whose fingerprint changed, becomes pending.
    /// - Returns: how many became pending.
    func recordDiscovered(_ meetings: [SyncMeetingState]) async throws -> Int
    func pendingMeetings(municipality: String) async throws -> [SyncMeetingState]
    func markMeeting(municipality: String, portalID: String, state: SyncMeetingState.State, error: String?) async throws
    func validators(url: String) async throws -> CacheValidators?
    func setValidators(url: String, _ validators: CacheValidators, sha256: String?) async throws
    /// The sha256 of the body stored with the validators.
    func cachedSHA(url: String) async throws -> String?
    /// Files referenced by stored items that are not fetched yet (or failed fewer than `maxAttempts` times).
    func filesToFetch(municipality: String, maxAttempts: Int) async throws -> [FileRef]
    func markFile(_ file: FileRef, sha256: String?, size: Int?, contentType: String?, error: String?) async throws
    func health(municipality: String) async throws -> SourceHealth
    func allHealth() async throws -> [SourceHealth]
    func recordSyncStart(municipality: String) async throws
    func recordSyncEnd(municipality: String, error: String?) async throws
    /// The stored file for an attachment, if fetched.
    func file(_ file: FileRef) async throws -> (sha256: String, size: Int, contentType: String)?
}

/// First Agenda's public API paths (see `../shared/design/firstagenda-portal.md`).
public enum FirstAgendaPortalPaths {
    public static let committeeList = "/api/agenda/udvalgsliste"
    public static func agenda(_ id: String) -> String { "/api/agenda/dagsorden/\(id)" }
    public static func search(year: Int, start: Int = 0, limit: Int = 200) -> String {
        "/api/agenda/soeg/?request.kriterie.udvalgId=&request.kriterie.moedeDato=\(year)&request.paging.startIndex=\(start)&request.paging.limit=\(limit)"
    }
    public static func attachment(_ id: String) -> String { "/vis/pdf/bilag/\(id)/?redirectDirectlyToPdf=true" }
    public static func presentation(_ documentID: String) -> String { "/Pdf/HentEksternPdf?documentId=\(documentID)" }
}
