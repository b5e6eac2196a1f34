import Foundation
import KlartekstApp
import KlartekstCore
import KlartekstStore
import KlartekstTestSupport
import Logging
import Testing

/// `klartekst sync` as a real process, killed with SIGKILL in the middle and started again,
/// ends with exactly the data of an uninterrupted run.
@Suite("Kill and resume")
struct KillResumeTests {
    static var binary: URL {
        URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).deletingLastPathComponent().appendingPathComponent("klartekst")
    }

    func runSync(database: String, config: URL, killAfterStarts: Int? = nil, portal: FakePortal) async throws -> Int32 {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = ["sync", "--database", database, "--config", config.path, "--since", "2022-01-01", "--log-level", "error"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        if let killAfterStarts {
            let deadline = ContinuousClock.now + .seconds(60)
            while portal.started.count < killAfterStarts && process.isRunning && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(5))
            }
            kill(process.processIdentifier, SIGKILL)
        }
        while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        return process.terminationStatus
    }

    @Test("killed at several points, a restarted sync ends with the same database as an uninterrupted run", arguments: [40, 120, 260])
    func killAndResume(killAfter: Int) async throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.binary.path), "build the klartekst executable first")
        let data = try FakePortal.hvidovre(meetingsSince: "2022-01-01")
        let dir = try Fixtures.temporaryDirectory("klartekst-kill")
        defer { try? FileManager.default.removeItem(at: dir) }

        let portal = FakePortal(meetings: data.meetings, files: data.files, requireCookie: true)
        // Every answer takes a little while, so the kill lands mid-run.
        portal.add(.init("/", times: 100_000, .delay(seconds: 0.002)))
        try await portal.start()

        func digest(killAt: Int?) async throws -> [String: String] {
            portal.clearLog()
            let run = dir.appendingPathComponent(killAt.map { "killed-\($0)" } ?? "clean")
            try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
            let registry = run.appendingPathComponent("registry.json")
            try Data("""
                {"municipalities": [{"slug": "hvidovre", "name": "Hvidovre Kommune", "portalBaseURL": "\(portal.baseURL)", "portalKind": "firstagenda"}]}
                """.utf8).write(to: registry)
            let config = run.appendingPathComponent("klartekst.json")
            try Data("""
                {"sources": {"registry": "\(registry.path)"}, "blobs": {"path": "\(run.appendingPathComponent("blobs").path)"}, "sync": {"pause": 0, "parallel": 2}}
                """.utf8).write(to: config)
            let database = "sqlite:" + run.appendingPathComponent("k.sqlite").path
            if let killAt {
                let status = try await runSync(database: database, config: config, killAfterStarts: killAt, portal: portal)
                #expect(status != 0, "the first run was meant to be killed")
            }
            let status = try await runSync(database: database, config: config, portal: portal)
            #expect(status == 0)
            let store = try await SQLStore.open(url: database, logger: Logger(label: "digest"))
            let d = try await store.contentDigest()
            await store.close()
            return d
        }

        let clean = try await digest(killAt: nil)
        let resumed = try await digest(killAt: killAfter)
        await portal.stop()
        // 59 portal meetings; an agenda and its supplement on the same day are one meeting.
        let distinctDays = Set(data.meetings.map { "\($0.committeeName)|\($0.date)" }).count
        #expect(clean["meeting"]?.hasPrefix("\(distinctDays) rows") == true, "\(clean["meeting"] ?? "")")
        #expect(clean["sync_meeting"]?.hasPrefix("\(data.meetings.count) rows") == true)
        for table in clean.keys.sorted() {
            #expect(resumed[table] == clean[table], "\(table): \(resumed[table] ?? "missing") vs \(clean[table] ?? "")")
        }
    }
}
