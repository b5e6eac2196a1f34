import Foundation
import KlartekstCore
import Logging
import Metrics

/// Keeps the search index up to date: every item whose revision, analyses or attachment text
/// changed since it was indexed gets a new document; unchanged items are skipped (their
/// signature matches). Runs after import/sync, extract and analyze; safe to run any time.
public struct IndexStage: Sendable {
    public struct Report: Sendable, Equatable {
        public var indexed = 0
        public var failed = 0
        public var errors: [String] = []
        public init() {}
    }

    let store: any SearchStore
    let splitter: CompoundSplitter
    let logger: Logger
    let batch: Int

    public init(store: any SearchStore, splitter: CompoundSplitter, logger: Logger, batch: Int = 200) {
        self.store = store
        self.splitter = splitter
        self.logger = logger
        self.batch = max(1, batch)
    }

    /// The compound splitter from Debian's Danish word list (wdanish), or none without it.
    public static func defaultSplitter(path: String = "/usr/share/dict/danish") -> CompoundSplitter {
        guard let data = FileManager.default.contents(atPath: path) else { return .none }
        return CompoundSplitter(wordList: String(decoding: data, as: UTF8.self))
    }

    /// Indexes the backlog in batches, each committed, until it is empty — or, with `maxItems`,
    /// once that many items are done (a job's bounded share: the backlog grows while the pipeline
    /// runs, and a job that never ends is one a killed worker takes down with it every time).
    public func run(maxItems: Int = .max) async -> Report {
        var report = Report()
        var failedKeys = Set<String>()
        while !Task.isCancelled, report.indexed + report.failed < maxItems {
            let backlog: [SearchBacklogEntry]
            do {
                backlog = try await store.searchBacklog(limit: batch + failedKeys.count).filter { !failedKeys.contains($0.itemKey) }
            } catch {
                report.failed += 1
                report.errors.append("search backlog: \(error)")
                return report
            }
            if backlog.isEmpty { break }
            var docs: [(SearchDocument, signature: String)] = []
            for entry in backlog.prefix(batch) {
                do {
                    guard let source = try await store.searchSource(itemKey: entry.itemKey) else { throw IndexError(description: "the item is no longer in the store") }
                    docs.append((SearchDocument.make(source, splitter: splitter), entry.signature))
                } catch {
                    failedKeys.insert(entry.itemKey)
                    report.failed += 1
                    report.errors.append("\(entry.itemKey): \(error)")
                }
            }
            do {
                try await store.saveSearchDocuments(docs)
                report.indexed += docs.count
                Counter(label: "klartekst_index_documents_total").increment(by: docs.count)
            } catch {
                report.failed += docs.count
                report.errors.append("saving \(docs.count) search documents: \(error)")
                docs.forEach { failedKeys.insert($0.0.itemKey) }
            }
        }
        if report.indexed > 0 || report.failed > 0 {
            logger.info("search index updated", metadata: ["indexed": "\(report.indexed)", "failed": "\(report.failed)"])
        }
        return report
    }
}

struct IndexError: Error, CustomStringConvertible {
    var description: String
}
