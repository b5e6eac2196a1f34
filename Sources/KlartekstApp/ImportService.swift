import Foundation
import KlartekstCore
import KlartekstExtraction
import Logging
import Metrics

/// Imports recorded portal responses (files or directories) into the store: decode → map to
/// the ingestion format → sections → one transaction per meeting document. A bad file gets a
/// clear error naming it; the rest of a directory goes on; nothing stored is half-written.
public struct ImportService: Sendable {
    public struct Overrides: Sendable {
        public var municipality: String?
        public var committee: String?
        public var date: String?
        public init(municipality: String? = nil, committee: String? = nil, date: String? = nil) {
            self.municipality = municipality
            self.committee = committee
            self.date = date
        }
    }

    /// What happened to one file.
    public struct FileResult: Sendable {
        public var path: String
        public var report: SaveReport?
        public var warnings: [String]
        public var error: String?
    }

    public struct ImportFailed: Error, CustomStringConvertible, Sendable {
        public var path: String
        public var reason: String
        public var description: String { "\(path): \(reason)" }
    }

    let store: any KlartekstStore
    let registry: Registry
    let limitBytes: Int
    let logger: Logger

    public init(store: any KlartekstStore, registry: Registry, limitBytes: Int, logger: Logger) {
        self.store = store
        self.registry = registry
        self.limitBytes = limitBytes
        self.logger = logger
    }

    /// Imports every `.json` file under the given paths (directories recursively, in name order).
    public func importPaths(_ paths: [String], overrides: Overrides = .init()) async -> [FileResult] {
        var results: [FileResult] = []
        for path in paths {
            for file in Self.jsonFiles(at: path) {
                do {
                    let (report, warnings) = try await importFile(file, overrides: overrides)
                    results.append(FileResult(path: file, report: report, warnings: warnings, error: nil))
                    Counter(label: "klartekst_import_files_total", dimensions: [("result", "ok")]).increment()
                } catch {
                    logger.error("import failed", metadata: ["file": "\(file)", "error": "\(error)"])
                    results.append(FileResult(path: file, report: nil, warnings: [], error: "\(error)"))
                    Counter(label: "klartekst_import_files_total", dimensions: [("result", "error")]).increment()
                }
            }
            if Self.jsonFiles(at: path).isEmpty {
                results.append(FileResult(path: path, report: nil, warnings: [], error: "no such file, or no .json files in it"))
            }
        }
        return results
    }

    /// Imports one portal response file.
    public func importFile(_ path: String, overrides: Overrides = .init()) async throws -> (SaveReport, [String]) {
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: path)
        } catch {
            throw ImportFailed(path: path, reason: "cannot read the file")
        }
        let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        guard size <= limitBytes else {
            throw ImportFailed(
                path: path,
                reason: String(format: "the file is %.1f MB; the limit is %d MB (setting import.megabytes)", Double(size) / 1_048_576, limitBytes >> 20))
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ImportFailed(path: path, reason: "cannot read the file: \(error.localizedDescription)")
        }
        return try await importData(data, source: path, overrides: overrides)
    }

    /// Imports one portal response body.
    public func importData(_ data: Data, source: String, overrides: Overrides = .init()) async throws -> (SaveReport, [String]) {
        let payload: FirstAgendaMapper.Payload
        do {
            payload = try FirstAgendaMapper.decode(data)
        } catch {
            throw ImportFailed(path: source, reason: error.description)
        }
        let municipality = try resolveMunicipality(payload, source: source, override: overrides.municipality)
        if let date = overrides.date, FirstAgendaMapper.localDate(date) == nil {
            throw ImportFailed(path: source, reason: "--date must be YYYY-MM-DD (got \(date))")
        }
        let meeting = FirstAgendaMapper.meeting(
            from: payload, context: .init(municipality: municipality.slug, committeeName: overrides.committee, date: overrides.date))
        let parsed = MeetingParser.parse(meeting)
        try await store.upsertMunicipalities([municipality])
        let report: SaveReport
        do {
            report = try await store.save(parsed)
        } catch {
            throw ImportFailed(path: source, reason: "not stored (nothing of it was kept): \(error)")
        }
        Counter(label: "klartekst_import_items_total", dimensions: [("change", "new")]).increment(by: report.itemsNew)
        Counter(label: "klartekst_import_items_total", dimensions: [("change", "revised")]).increment(by: report.itemsRevised)
        Counter(label: "klartekst_import_items_total", dimensions: [("change", "unchanged")]).increment(by: report.itemsUnchanged)
        logger.info(
            "meeting imported",
            metadata: [
                "meeting": "\(report.meetingKey)", "new": "\(report.itemsNew)", "revised": "\(report.itemsRevised)",
                "unchanged": "\(report.itemsUnchanged)", "file": "\(source)",
            ])
        return (report, parsed.warnings)
    }

    func resolveMunicipality(_ payload: FirstAgendaMapper.Payload, source: String, override: String?) throws -> Municipality {
        if let override {
            let slug = Slug.make(override)
            if let known = registry.municipality(slug: slug) { return known }
            guard !slug.isEmpty else { throw ImportFailed(path: source, reason: "--municipality is empty") }
            return Municipality(slug: slug, name: override, portalBaseURL: nil, portalKind: "unknown")
        }
        guard let host = FirstAgendaMapper.portalHost(of: payload) else {
            throw ImportFailed(path: source, reason: "the response names no portal host; pass --municipality")
        }
        guard let known = registry.municipality(host: host) else {
            throw ImportFailed(path: source, reason: "portal host \(host) is not in the municipality registry; pass --municipality or add it")
        }
        return known
    }

    static func jsonFiles(at path: String) -> [String] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { return [] }
        guard isDir.boolValue else { return [path] }
        let base = URL(fileURLWithPath: path)
        guard let e = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil, options: [.skipsHiddenFiles]) else { return [] }
        return e.compactMap { ($0 as? URL)?.path }.filter { $0.hasSuffix(".json") }.sorted()
    }
}
