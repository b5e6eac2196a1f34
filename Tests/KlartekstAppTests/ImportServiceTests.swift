import Foundation
import KlartekstApp
import KlartekstCore
import KlartekstStore
import KlartekstTestSupport
import Logging
import Testing

@Suite("Importing files")
struct ImportServiceTests {
    static func service(_ store: SQLStore, limit: Int = 64 << 20) throws -> ImportService {
        ImportService(store: store, registry: try Registry.bundled(), limitBytes: limit, logger: Logger(label: "import-test"))
    }

    static func write(_ text: String, _ name: String, in dir: URL) throws -> String {
        let url = dir.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    @Test("a directory with bad files: each bad file gets an error naming it, the good ones are stored")
    func mixedDirectory() async throws {
        try await TestBackend.sqlite.withStore { store, _ in
            let dir = try Fixtures.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let agenda = try String(contentsOf: Fixtures.hvidovreAgendaURL, encoding: .utf8)
            _ = try Self.write(String(agenda.prefix(agenda.count / 2)), "a-truncated.json", in: dir)
            _ = try Self.write("{\"hello\": \"world\"}", "b-wrong-shape.json", in: dir)
            _ = try Self.write("", "c-empty.json", in: dir)
            _ = try Self.write(agenda, "d-good.json", in: dir)
            _ = try Self.write("not json at all", "e-notes.txt", in: dir)
            let results = await try Self.service(store).importPaths([dir.path])
            #expect(results.count == 4)
            let byName = Dictionary(uniqueKeysWithValues: results.map { (URL(fileURLWithPath: $0.path).lastPathComponent, $0) })
            #expect(byName["a-truncated.json"]?.error?.contains("a-truncated.json: not valid JSON") == true)
            #expect(byName["b-wrong-shape.json"]?.error?.contains("not a First Agenda agenda") == true)
            #expect(byName["c-empty.json"]?.error?.contains("the file is empty") == true)
            #expect(byName["d-good.json"]?.report?.itemsNew == 22)
            #expect(try await store.counts().items == 22)
        }
    }

    @Test("the municipality comes from the portal host; an unknown host needs --municipality")
    func municipality() async throws {
        try await TestBackend.sqlite.withStore { store, _ in
            let service = try Self.service(store)
            let (report, _) = try await service.importFile(Fixtures.kalundborgItemURL.path)
            #expect(report.meetingKey.hasPrefix("kalundborg/ukendt-udvalg-uden-dato-"))
            let item = try String(contentsOf: Fixtures.kalundborgItemURL, encoding: .utf8)
                .replacingOccurrences(of: "dagsordener.kalundborg.dk", with: "dagsordener.example.dk")
            await #expect(throws: ImportService.ImportFailed.self) {
                try await service.importData(Data(item.utf8), source: "x.json")
            }
            do {
                _ = try await service.importData(Data(item.utf8), source: "x.json")
            } catch {
                #expect("\(error)".contains("portal host dagsordener.example.dk is not in the municipality registry"))
            }
            let (r2, _) = try await service.importData(
                Data(item.utf8), source: "x.json", overrides: .init(municipality: "Holbæk", committee: "Socialudvalget", date: "2026-01-14"))
            #expect(r2.meetingKey == "holbaek/socialudvalget-2026-01-14")
            await #expect(throws: ImportService.ImportFailed.self) {
                try await service.importData(Data(item.utf8), source: "x.json", overrides: .init(municipality: "holbaek", date: "14-01-2026"))
            }
        }
    }

    @Test("a file over the limit is refused before it is read; a 50 MB response within the limit imports")
    func largeResponses() async throws {
        try await TestBackend.sqlite.withStore { store, _ in
            let dir = try Fixtures.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            // A real agenda whose items carry ~50 MB of base64 images, as portal HTML often does.
            var json = try JSONSerialization.jsonObject(with: Data(contentsOf: Fixtures.hvidovreAgendaURL)) as! [String: Any]
            var items = json["Dagsordenpunkter"] as! [[String: Any]]
            let image = "<p><img src=\"data:image/png;base64," + String(repeating: "iVBORw0KGgoAAAANSUhEUgAA", count: 120_000) + "\"></p>"
            for i in 2..<22 {
                var fields = items[i]["Felter"] as! [[String: Any]]
                fields[0]["Html"] = (fields[0]["Html"] as! String).replacingOccurrences(of: "<h3>Sagsfremstilling</h3>", with: "<h3>Sagsfremstilling</h3>" + image)
                items[i]["Felter"] = fields
            }
            json["Dagsordenpunkter"] = items
            let big = dir.appendingPathComponent("big.json")
            try JSONSerialization.data(withJSONObject: json).write(to: big)
            let size = try FileManager.default.attributesOfItem(atPath: big.path)[.size] as! Int
            #expect(size > 50_000_000)

            await #expect(throws: ImportService.ImportFailed.self) { try await Self.service(store, limit: 16 << 20).importFile(big.path) }
            do { _ = try await Self.service(store, limit: 16 << 20).importFile(big.path) } catch {
                #expect("\(error)".contains("the limit is 16 MB (setting import.megabytes)"))
            }
            #expect(try await store.counts().items == 0)

            let (report, _) = try await Self.service(store, limit: 128 << 20).importFile(big.path)
            #expect(report.itemsNew == 22)
            let page = try #require(try await store.item(municipality: "hvidovre", meeting: "oekonomiudvalget-2026-05-18", number: "3"))
            #expect(page.sections.allSatisfy { !$0.html.contains("data:") })
            #expect(page.sections.contains { $0.html.contains("[billede udeladt]") })
        }
    }

    @Test("items without a case number and duplicate items are reported as warnings, not lost")
    func warnings() async throws {
        try await TestBackend.sqlite.withStore { store, _ in
            var json = try JSONSerialization.jsonObject(with: Data(contentsOf: Fixtures.hvidovreAgendaURL)) as! [String: Any]
            var items = json["Dagsordenpunkter"] as! [[String: Any]]
            items[5]["CaseNumber"] = NSNull()
            items[5]["SagsNummer"] = ""
            items.append(items[7])
            json["Dagsordenpunkter"] = items
            let (report, warnings) = try await Self.service(store).importData(try JSONSerialization.data(withJSONObject: json), source: "w.json")
            #expect(report.itemsNew == 22)
            #expect(warnings.contains { $0.contains("item 6") && $0.contains("no case number") })
            #expect(warnings.contains { $0.contains("item 8") && $0.contains("appears twice") })
        }
    }
}
