import Foundation
import KlartekstApp
import KlartekstTestSupport
import Testing

@Suite("Configuration")
struct ConfigTests {
    @Test("defaults, then file, then environment, then flags")
    func precedence() async throws {
        let defaults = try await AppConfig.load(environment: [:])
        #expect(defaults == AppConfig())
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("k.json")
        try Data(#"{"http": {"port": 9000, "host": "0.0.0.0"}, "log": {"level": "debug"}}"#.utf8).write(to: file)
        let fromFile = try await AppConfig.load(environment: [:], file: file.path)
        #expect(fromFile.port == 9000 && fromFile.host == "0.0.0.0" && fromFile.logLevel == .debug)
        let fromEnv = try await AppConfig.load(environment: ["KLARTEKST_HTTP_PORT": "9100", "KLARTEKST_DATABASE_URL": "sqlite:/tmp/x.sqlite"], file: file.path)
        #expect(fromEnv.port == 9100 && fromEnv.host == "0.0.0.0" && fromEnv.databaseURL == "sqlite:/tmp/x.sqlite")
        let fromFlags = try await AppConfig.load(flags: ["http.port": "9200"], environment: ["KLARTEKST_HTTP_PORT": "9100"], file: file.path)
        #expect(fromFlags.port == 9200)
        // Variables without the KLARTEKST_ prefix are ignored.
        #expect(try await AppConfig.load(environment: ["HTTP_PORT": "1"]).port == 8080)
    }

    @Test("invalid values fail with a clear message", arguments: [
        (["http.port": "70000"], "http.port must be"),
        (["http.port": "abc"], "http.port must be"),
        (["log.level": "loud"], "log.level must be one of"),
        (["import.megabytes": "0"], "import.megabytes must be"),
    ])
    func invalid(flags: [String: String], message: String) async {
        do {
            _ = try await AppConfig.load(flags: flags, environment: [:])
            Issue.record("accepted \(flags)")
        } catch {
            #expect("\(error)".contains(message), "\(error)")
        }
    }

    @Test("a missing or malformed configuration file is an error")
    func badFile() async throws {
        await #expect(throws: (any Error).self) { try await AppConfig.load(environment: [:], file: "/nonexistent/k.json") }
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("bad.json")
        try Data("{ not json".utf8).write(to: file)
        await #expect(throws: (any Error).self) { try await AppConfig.load(environment: [:], file: file.path) }
    }

    @Test("the bundled registry knows the sample municipalities by portal host")
    func registry() throws {
        let registry = try Registry.bundled()
        #expect(registry.municipality(host: "dagsordener-referater.hvidovre.dk")?.slug == "hvidovre")
        #expect(registry.municipality(host: "DAGSORDENER.KALUNDBORG.DK")?.slug == "kalundborg")
        #expect(registry.municipality(host: "example.org") == nil)
    }
}

@Suite("Sync schedule")
struct SyncScheduleTests {
    @Test("schedules parse, and the next run is computed", arguments: [
        ("off", true), ("daily 03:00", true), ("every 6 h", true), ("every 30 m", true), ("daily 25:00", false), ("sometimes", false),
    ])
    func parse(text: String, valid: Bool) {
        #expect((SyncSchedule(text) != nil) == valid)
    }

    @Test("daily runs at the next HH:MM; every N adds N")
    func next() {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "Europe/Copenhagen")!
        let now = cal.date(from: DateComponents(year: 2026, month: 11, day: 23, hour: 9, minute: 30))!
        #expect(SyncSchedule("daily 03:00")!.next(after: now, calendar: cal) == cal.date(from: DateComponents(year: 2026, month: 11, day: 24, hour: 3)))
        #expect(SyncSchedule("daily 10:15")!.next(after: now, calendar: cal) == cal.date(from: DateComponents(year: 2026, month: 11, day: 23, hour: 10, minute: 15)))
        #expect(SyncSchedule("every 6 h")!.next(after: now) == now.addingTimeInterval(6 * 3600))
        #expect(SyncSchedule("off")!.next(after: now) == nil)
    }

    @Test("the bundled registry lists all 98 municipalities, 90 on First Agenda, hosts unique")
    func registry() throws {
        let r = try Registry.bundled()
        #expect(r.municipalities.count == 98)
        #expect(Set(r.municipalities.map(\.slug)).count == 98)
        let fa = r.municipalities.filter { $0.portalKind == "firstagenda" }
        #expect(fa.count == 90)
        #expect(Set(fa.compactMap(\.portalHost)).count == 90)
        #expect(r.municipality(slug: "koebenhavn")?.portalKind != "firstagenda")
        for host in ["dagsordner.albertslund.dk", "udvalg.kolding.dk", "dagsordener-referater.hvidovre.dk"] {
            #expect(r.municipality(host: host)?.hostVerified == true)
        }
    }
}

@Suite("Configuration of analysis and answers")
struct AnalysisConfigTests {
    @Test("analysis, model and answer settings are read, typed and validated")
    func keys() async throws {
        let c = try await AppConfig.load(
            flags: ["llm.backend": "http://gpu:8000", "llm.context": "32768", "votes.new_share": "0.25", "analysis.autopublish": "nej",
                    "admin.user": "ops", "admin.password": "secret-password"],
            environment: ["KLARTEKST_LLM_CONCURRENCY": "8", "KLARTEKST_SECURITY_SECRETS": "first-secret-0123456789, second-secret-0123456789"])
        #expect(c.llmBackend == "http://gpu:8000" && c.llmContext == 32768 && c.llmConcurrency == 8 && c.votesNewShare == 0.25)
        #expect(!c.analysisAutopublish && c.securitySecrets.count == 2 && c.adminUser == "ops")
        for (key, value, message) in [
            ("llm.backend", "gpt", "llm.backend must be"), ("llm.context", "100", "llm.context must be a whole number from 1024"),
            ("votes.new_share", "2", "votes.new_share must be from 0 to 1"), ("security.secrets", "short", "at least 16 characters"),
            ("admin.user", "ops", "must be set together"), ("analysis.autopublish", "kanske", "must be true or false"),
        ] {
            await #expect(throws: AppConfig.Invalid.self, "\(key)") { try await AppConfig.load(flags: [key: value], environment: [:]) }
            do { _ = try await AppConfig.load(flags: [key: value], environment: [:]) } catch { #expect("\(error)".contains(message), "\(error)") }
        }
    }
}
