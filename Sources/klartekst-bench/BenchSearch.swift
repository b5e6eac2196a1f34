import Foundation
import KlartekstApp
import KlartekstCore
import KlartekstPipeline
import KlartekstStore
import KlartekstTestSupport
import Logging

/// `klartekst-bench search-corpus [ITEMS=1000000] DATABASE-URL [SEED=1]`: a synthetic search
/// corpus built from the bundled sample's vocabulary and structure (its titles, case-text
/// sentences, committees) over all 98 municipalities, dated 2018-01-01 → 2026-11-30 in
/// insertion order (as a years-long sync would), indexed through the store exactly as real items
/// are (FTS5 + libstemmer on SQLite, the danish tsvector on PostgreSQL). Prints build time, rate
/// and size. The generator is the data: the same seed gives the same corpus.
enum BenchSearch {
    static let committees = [
        "Økonomiudvalget", "Kommunalbestyrelsen", "Byrådet", "Social- og Sundhedsudvalget", "Teknik- og Miljøudvalget", "Børne- og Ungeudvalget",
        "Kultur- og Fritidsudvalget", "Beskæftigelsesudvalget", "Klima- og Miljøudvalget", "Ældreudvalget", "Plan- og Boligudvalget",
    ]

    struct Vocabulary {
        var titles: [String]
        var sentences: [String]
    }

    /// Titles and sentences of the sample's public items.
    static func vocabulary(logger: Logger) async throws -> Vocabulary {
        let (store, dir) = try await BenchAnalyze.temporaryStore("vocabulary", url: nil, logger: logger)
        defer { try? FileManager.default.removeItem(at: dir) }
        let importer = ImportService(store: store, registry: try Registry.bundled(), limitBytes: 64 << 20, logger: logger)
        _ = await importer.importPaths([Fixtures.sampleDirectory.path])
        let inputs = try await store.analysisInputs(municipality: nil, itemKey: nil).filter { $0.status == .public }
        await store.close()
        var sentences: [String] = []
        for i in inputs {
            for s in i.sections {
                for sentence in s.text.split(whereSeparator: { $0 == "." || $0 == "\n" }) {
                    let t = sentence.trimmingCharacters(in: .whitespaces)
                    if t.count >= 30 && t.count <= 240 { sentences.append(t + ".") }
                }
            }
        }
        return Vocabulary(titles: inputs.map(\.title), sentences: sentences)
    }

    static func run(_ args: [String]) async throws {
        let count = args.first.flatMap(Int.init) ?? 1_000_000
        guard let url = args.dropFirst().first else {
            print("usage: klartekst-bench search-corpus [ITEMS=1000000] DATABASE-URL [SEED=1]")
            return
        }
        let seed = args.dropFirst(2).first.flatMap(UInt64.init) ?? 1
        let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let vocabulary = try await vocabulary(logger: logger)
        let municipalities = try Registry.bundled().municipalities
        let splitter = IndexStage.defaultSplitter()
        var config = AppConfig()
        config.databaseURL = url
        let store = try await App.openStore(config, logger: logger)
        let already = try await store.searchCount()
        var rng = SplitMix64(seed: seed &+ UInt64(already))
        print("vocabulary: \(vocabulary.titles.count) titles, \(vocabulary.sentences.count) sentences; \(already) items already indexed")
        let start = ContinuousClock.now
        let firstDay = SearchRankingBench.day("2018-01-01")
        let lastDay = SearchRankingBench.day("2026-11-30")
        var batch: [(SearchDocument, signature: String)] = []
        for n in already..<count {
            func pick<T>(_ a: [T]) -> T { a[Int(rng.next() % UInt64(a.count))] }
            let m = pick(municipalities)
            let day = firstDay + (lastDay - firstDay) * n / max(1, count - 1)
            let title = pick(vocabulary.titles)
            let body = (0..<(4 + Int(rng.next() % 5))).map { _ in pick(vocabulary.sentences) }.joined(separator: " ")
            let summary = (0..<2).map { _ in pick(vocabulary.sentences) }.joined(separator: "\n")
            let analysis = "Skal \(m.name) godkende forslaget?\n" + summary
            let minutes = rng.next() % 10 < 4
            let doc = SearchDocument(
                itemKey: "bench/\(m.slug)/\(n)", municipality: m.slug, municipalityName: m.name, committee: pick(committees),
                meetingSlug: "moede-\(n / 20)", number: String(n % 20 + 1), date: SearchRankingBench.iso(day), kind: minutes ? "minutes" : "agenda",
                decided: minutes && rng.next() % 10 < 8, topics: rng.next() % 100 < 3 ? ["hjemloeshed"] : [], title: title, body: body,
                attachments: "", analysis: analysis, parts: splitter.parts(of: title + " " + analysis + " " + body).joined(separator: " "))
            batch.append((doc, "bench"))
            if batch.count == 2000 || n == count - 1 {
                try await store.saveSearchDocuments(batch)
                batch.removeAll(keepingCapacity: true)
                if (n + 1) % 50_000 == 0 || n == count - 1 {
                    let seconds = Double((ContinuousClock.now - start).components.seconds)
                    print("\(n + 1) items indexed, \(Int(Double(n + 1 - already) / max(seconds, 1))) items/s")
                }
            }
        }
        let elapsed = ContinuousClock.now - start
        print("built \(count - already) items in \(elapsed) (\(Int(Double(count - already) / max(Double(elapsed.components.seconds), 1))) items/s)")
        await store.close()
    }
}

/// Day numbers ↔ `yyyy-MM-dd` for the generator.
enum SearchRankingBench {
    static func day(_ iso: String) -> Int {
        let p = iso.split(separator: "-").compactMap { Int($0) }
        var c = DateComponents()
        (c.year, c.month, c.day) = (p[0], p[1], p[2])
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC") ?? .gmt
        return Int((cal.date(from: c) ?? Date()).timeIntervalSince1970 / 86_400)
    }

    static func iso(_ day: Int) -> String {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC") ?? .gmt
        let c = cal.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: Double(day) * 86_400))
        return String(format: "%04d-%02d-%02d", c.year ?? 1970, c.month ?? 1, c.day ?? 1)
    }
}
