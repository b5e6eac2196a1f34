import Foundation
import KlartekstCore
import KlartekstExtraction
import Logging
import Metrics

/// Progress of a sync, for the command line (`--json` prints it as JSON lines) and the operator page.
public struct SyncProgress: Sendable, Codable, Equatable {
    public enum Phase: String, Sendable, Codable { case discovering, meetings, files, done, failed }
    public var municipality: String
    public var phase: Phase
    public var meetingsDone: Int
    public var meetingsTotal: Int
    public var filesDone: Int
    public var filesTotal: Int
    public var bytes: Int
    public var message: String?
}

/// What one municipality's sync did.
public struct SyncReport: Sendable, Equatable {
    public var municipality: String
    public var discovered = 0
    public var pending = 0
    public var meetingsStored = 0
    public var meetingsUnchanged = 0
    public var meetingsFailed = 0
    public var itemsNew = 0
    public var itemsRevised = 0
    public var filesStored = 0
    public var filesFailed = 0
    public var bytes = 0
    public var errors: [String] = []
    public var fatal: String?

    public init(municipality: String) { self.municipality = municipality }
}

/// Syncs one municipality's First Agenda portal: discover committees and meetings, fetch every
/// new or changed agenda/minutes (conditionally), store raw responses content-addressed, import
/// them (one transaction per meeting), then fetch attachment and case-presentation PDFs.
/// Every step is recorded as it finishes, so a killed sync resumes where it stopped.
public struct FirstAgendaSync: Sendable {
    public struct Options: Sendable {
        /// Only meetings on or after this date (`yyyy-MM-dd`).
        public var since: String?
        public var includeFiles: Bool
        public var maxResponseBytes: Int
        public var maxFileBytes: Int
        public var fileAttempts: Int
        public var fileConcurrency: Int
        /// For the search fallback: the current year.
        public var currentYear: Int

        public init(
            since: String? = nil, includeFiles: Bool = true, maxResponseBytes: Int = 128 << 20, maxFileBytes: Int = 200 << 20,
            fileAttempts: Int = 3, fileConcurrency: Int = 2,
            currentYear: Int = Calendar(identifier: .gregorian).component(.year, from: Date())
        ) {
            self.since = since
            self.includeFiles = includeFiles
            self.maxResponseBytes = maxResponseBytes
            self.maxFileBytes = maxFileBytes
            self.fileAttempts = fileAttempts
            self.fileConcurrency = fileConcurrency
            self.currentYear = currentYear
        }
    }

    let municipality: Municipality
    let portal: any PortalFetching
    let state: any SyncStateStore
    let store: any KlartekstStore
    let blobs: any BlobStore
    let options: Options
    let logger: Logger

    public init(
        municipality: Municipality, portal: any PortalFetching, state: any SyncStateStore, store: any KlartekstStore,
        blobs: any BlobStore, options: Options, logger: Logger
    ) {
        self.municipality = municipality
        self.portal = portal
        self.state = state
        self.store = store
        self.blobs = blobs
        self.options = options
        self.logger = logger
    }

    public func run(progress: @Sendable (SyncProgress) -> Void = { _ in }) async -> SyncReport {
        var report = SyncReport(municipality: municipality.slug)
        let slug = municipality.slug
        var p = SyncProgress(municipality: slug, phase: .discovering, meetingsDone: 0, meetingsTotal: 0, filesDone: 0, filesTotal: 0, bytes: 0)
        progress(p)
        do {
            try await state.recordSyncStart(municipality: slug)
            try await store.upsertMunicipalities([municipality])
            let refs = try await discover()
            report.discovered = refs.count
            let since = options.since
            let wanted = refs.filter { ref in since.map { s in ref.localDate.map { $0 >= s } ?? true } ?? true }
            report.pending = try await state.recordDiscovered(wanted.map {
                SyncMeetingState(
                    municipality: slug, portalID: $0.id, committee: $0.committeeName, date: $0.localDate, fingerprint: $0.fingerprint,
                    state: .pending)
            })
            let pending = try await state.pendingMeetings(municipality: slug)
            p.phase = .meetings
            p.meetingsTotal = pending.count
            progress(p)
            for meeting in pending {
                try Task.checkCancellation()
                await fetchMeeting(meeting, &report)
                p.meetingsDone += 1
                p.bytes = report.bytes
                progress(p)
            }
            if options.includeFiles {
                let files = try await state.filesToFetch(municipality: slug, maxAttempts: options.fileAttempts)
                p.phase = .files
                p.filesTotal = files.count
                progress(p)
                let bytesBefore = report.bytes
                try await fetchFiles(files, &report) { done, bytes in
                    p.filesDone = done
                    p.bytes = bytesBefore + bytes
                    progress(p)
                }
            }
            let problem = report.meetingsFailed > 0 ? "\(report.meetingsFailed) meetings failed: \(report.errors.first ?? "")" : nil
            try await state.recordSyncEnd(municipality: slug, error: problem)
            p.phase = .done
            p.message = problem
            progress(p)
        } catch is CancellationError {
            report.fatal = "cancelled"
            try? await state.recordSyncEnd(municipality: slug, error: "cancelled")
        } catch {
            report.fatal = "\(error)"
            logger.error("sync failed", metadata: ["municipality": "\(slug)", "error": "\(error)"])
            try? await state.recordSyncEnd(municipality: slug, error: "\(error)")
            p.phase = .failed
            p.message = "\(error)"
            progress(p)
        }
        Counter(label: "klartekst_sync_runs_total", dimensions: [("municipality", slug), ("result", report.fatal == nil ? "ok" : "error")]).increment()
        if let h = try? await state.health(municipality: slug) {
            Gauge(label: "klartekst_source_consecutive_failures", dimensions: [("municipality", slug)]).record(h.consecutiveFailures)
        }
        return report
    }

    /// Committees and meetings from `/api/agenda/udvalgsliste`, falling back to `/api/agenda/soeg` by year.
    func discover() async throws -> [FirstAgenda.MeetingRef] {
        do {
            let data = try await conditionalBody(FirstAgendaPortalPaths.committeeList)
            let refs = try FirstAgenda.decodeCommitteeList(data)
            if !refs.isEmpty { return refs }
            logger.notice("committee list is empty; searching by year", metadata: ["municipality": "\(municipality.slug)"])
        } catch let error as FetchError where error.code == .circuitOpen || error.code == .connection || error.code == .timeout {
            throw error
        } catch {
            logger.notice("committee list unusable; searching by year", metadata: ["municipality": "\(municipality.slug)", "error": "\(error)"])
        }
        let firstYear = Int(options.since?.prefix(4) ?? "") ?? options.currentYear - 1
        var refs: [FirstAgenda.MeetingRef] = []
        for year in firstYear...options.currentYear {
            var start = 0
            while true {
                guard case .ok(let body, _, _) = try await portal.get(
                    FirstAgendaPortalPaths.search(year: year, start: start), validators: nil, maxBytes: options.maxResponseBytes)
                else { break }
                let page = try FirstAgenda.decodeSearch(body)
                refs += page.meetings
                guard page.more, !page.meetings.isEmpty, start < 10_000 else { break }
                start += page.meetings.count
            }
        }
        return refs
    }

    /// A GET that uses stored validators; on 304 the stored body is read back from the blob store.
    func conditionalBody(_ path: String) async throws -> Data {
        let url = path
        let validators = try await state.validators(url: key(url))
        switch try await portal.get(url, validators: validators, maxBytes: options.maxResponseBytes) {
        case .ok(let body, _, let v):
            let sha = try await blobs.put(body)
            try await state.setValidators(url: key(url), v, sha256: sha)
            return body
        case .notModified:
            if let sha = try await state.cachedSHA(url: key(url)), let body = try await blobs.get(sha) { return body }
            // Validators without a stored body: ask again unconditionally.
            guard case .ok(let body, _, let v) = try await portal.get(url, validators: nil, maxBytes: options.maxResponseBytes) else {
                throw FetchError(.http, url: url, "304 to an unconditional request")
            }
            let sha = try await blobs.put(body)
            try await state.setValidators(url: key(url), v, sha256: sha)
            return body
        }
    }

    func key(_ path: String) -> String { "\(municipality.slug):\(path)" }

    func fetchMeeting(_ meeting: SyncMeetingState, _ report: inout SyncReport) async {
        let path = FirstAgendaPortalPaths.agenda(meeting.portalID)
        let slug = municipality.slug
        do {
            let validators = try await state.validators(url: key(path))
            switch try await portal.get(path, validators: validators, maxBytes: options.maxResponseBytes) {
            case .notModified:
                report.meetingsUnchanged += 1
            case .ok(let body, _, let v):
                report.bytes += body.count
                let sha = try await blobs.put(body)
                let payload: FirstAgendaMapper.Payload
                do {
                    payload = try FirstAgendaMapper.decode(body)
                } catch {
                    throw FetchError(.invalid, url: path, error.description)
                }
                let ingested = FirstAgendaMapper.meeting(from: payload, context: .init(municipality: slug, committeeName: meeting.committee, date: meeting.date))
                let parsed = MeetingParser.parse(ingested)
                let saved = try await store.save(parsed)
                report.itemsNew += saved.itemsNew
                report.itemsRevised += saved.itemsRevised
                if saved.documentIsNew || saved.itemsNew + saved.itemsRevised > 0 { report.meetingsStored += 1 } else { report.meetingsUnchanged += 1 }
                try await state.setValidators(url: key(path), v, sha256: sha)
            }
            try await state.markMeeting(municipality: slug, portalID: meeting.portalID, state: .done, error: nil)
            Counter(label: "klartekst_sync_meetings_total", dimensions: [("municipality", slug), ("result", "ok")]).increment()
        } catch {
            report.meetingsFailed += 1
            report.errors.append("meeting \(meeting.portalID): \(error)")
            logger.warning("meeting failed", metadata: ["municipality": "\(slug)", "meeting": "\(meeting.portalID)", "error": "\(error)"])
            try? await state.markMeeting(municipality: slug, portalID: meeting.portalID, state: .failed, error: "\(error)")
            Counter(label: "klartekst_sync_meetings_total", dimensions: [("municipality", slug), ("result", "error")]).increment()
        }
    }

    func fetchFiles(_ files: [FileRef], _ report: inout SyncReport, progress: (Int, Int) -> Void) async throws {
        let portal = self.portal
        let blobs = self.blobs
        let state = self.state
        let maxBytes = options.maxFileBytes
        var done = 0
        var bytes = 0
        try await withThrowingTaskGroup(of: (FileRef, Int, String?).self) { group in
            var iterator = files.makeIterator()
            func addNext() -> Bool {
                guard let file = iterator.next() else { return false }
                group.addTask {
                    let path = file.kind == .attachment
                        ? FirstAgendaPortalPaths.attachment(file.portalID) : FirstAgendaPortalPaths.presentation(file.portalID)
                    do {
                        let (body, contentType) = try await portal.download(path, maxBytes: maxBytes)
                        let sha = try await blobs.put(body)
                        try await state.markFile(file, sha256: sha, size: body.count, contentType: contentType ?? "application/pdf", error: nil)
                        return (file, body.count, nil)
                    } catch is CancellationError {
                        throw CancellationError()
                    } catch {
                        try? await state.markFile(file, sha256: nil, size: nil, contentType: nil, error: "\(error)")
                        return (file, 0, "\(file.kind.rawValue) \(file.portalID): \(error)")
                    }
                }
                return true
            }
            for _ in 0..<max(1, options.fileConcurrency) where addNext() {}
            while let (_, size, error) = try await group.next() {
                done += 1
                bytes += size
                if let error {
                    report.filesFailed += 1
                    report.errors.append(error)
                } else {
                    report.filesStored += 1
                }
                Counter(label: "klartekst_sync_files_total", dimensions: [("result", error == nil ? "ok" : "error")]).increment()
                progress(done, bytes)
                _ = addNext()
            }
        }
        report.bytes += bytes
    }
}

