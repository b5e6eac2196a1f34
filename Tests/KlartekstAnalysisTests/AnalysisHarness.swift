import Foundation
import KlartekstApp
import KlartekstCore
import KlartekstLLM
import KlartekstPipeline
import KlartekstStore
import KlartekstTestSupport
import Logging
import Testing

/// A store with the bundled sample imported, the prompt library, and a scripted model server.
struct AnalysisHarness {
    static let logger = Logger(label: "analysis-test", factory: { _ in SwiftLogNoOpLogHandler() })

    static func library() throws -> PromptLibrary {
        try PromptLibrary.load(directory: Fixtures.root.appendingPathComponent("prompts"))
    }

    /// Imports the sample (optionally a changed Kalundborg item instead of the real one) and runs `body`.
    static func withSample<T>(
        backend: TestBackend = .sqlite, kalundborgHTML: ((String) -> String)? = nil, _ body: (SQLStore) async throws -> T
    ) async throws -> T {
        try await backend.withStore { store, _ in
            let importer = ImportService(store: store, registry: try Registry.bundled(), limitBytes: 64 << 20, logger: logger)
            var paths = [Fixtures.hvidovreAgendaURL.path]
            var dir: URL?
            if let change = kalundborgHTML {
                var obj = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: Fixtures.kalundborgItemURL)) as? [String: Any])
                var felter = try #require(obj["Felter"] as? [[String: Any]])
                felter[0]["Html"] = change(try #require(felter[0]["Html"] as? String))
                obj["Felter"] = felter
                let d = try Fixtures.temporaryDirectory("kalundborg-changed")
                let file = d.appendingPathComponent("item.json")
                try JSONSerialization.data(withJSONObject: obj).write(to: file)
                paths.append(file.path)
                dir = d
            } else {
                paths.append(Fixtures.kalundborgItemURL.path)
            }
            defer { if let dir { try? FileManager.default.removeItem(at: dir) } }
            let results = await importer.importPaths(paths)
            #expect(results.allSatisfy { $0.error == nil }, "\(results.compactMap(\.error))")
            return try await body(store)
        }
    }

    static func kalundborgKey(_ store: SQLStore) async throws -> String {
        try #require(try await store.analysisInputs(municipality: "kalundborg", itemKey: nil).first?.itemKey)
    }

    static func model(_ server: ScriptedModelServer, concurrency: Int = 1, dialect: OpenAIChatModel.Dialect = .auto) -> OpenAIChatModel {
        OpenAIChatModel(
            baseURL: server.baseURL, model: "scripted-model", dialect: dialect, timeout: .seconds(20), maxConcurrent: concurrency,
            retry: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(20)), logger: logger)
    }

    /// A good, grounded Kalundborg summary (every quote is in the item's text; LIX about 33).
    static let goodSummary = """
        {"question": "Skal Kalundborg Kommune godkende hjemløsestrategien?",
         "summary": [
           {"text": "Kommunen har lavet en plan mod hjemløshed.", "quote": "udviklet en samlet og tværfaglig indsats for at reducere og forebygge hjemløshed"},
           {"text": "Et team og en koordinator skal hjælpe de hjemløse.", "quote": "behandles i et tværfagligt hjemløseteam, der understøttes af en hjemløsekoordinator"}
         ],
         "pros": [{"text": "Færre borgere forventes at blive hjemløse.", "quote": "et fald i antallet af borgere i hjemløshed"}],
         "cons": [{"text": "Arbejdet er ikke færdigt endnu.", "quote": "Dette arbejde er fortsat i proces"}],
         "keywords": ["Hjemløshed", "Socialområdet"]}
        """

    static let goodRelevance = """
        {"relevant": true, "reason": "Punktet handler om en strategi mod hjemløshed.", "quote": "Direktøren indstiller, at hjemløsestrategien godkendes."}
        """

    /// The same summary with a quote the item does not contain.
    static let ungroundedSummary = goodSummary.replacingOccurrences(
        of: "Dette arbejde er fortsat i proces", with: "Strategien koster 19 mio. kr. om året")

    static let repetitiveSummary = """
        {"question": "Skal Kalundborg Kommune godkende hjemløsestrategien?",
         "summary": [
           {"text": "Kommunen har lavet en plan mod hjemløshed.", "quote": "udviklet en samlet og tværfaglig indsats for at reducere og forebygge hjemløshed"},
           {"text": "Kommunen har lavet en plan mod hjemløshed.", "quote": "udviklet en samlet og tværfaglig indsats for at reducere og forebygge hjemløshed"}
         ],
         "pros": [], "cons": [], "keywords": ["Hjemløshed"]}
        """
}
