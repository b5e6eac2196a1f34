import Foundation

/// A generated workload for `klartekst work` processes: four fake First Agenda portals on loopback
/// (each `meetings` × the recorded 22-item agenda with 33 attachment PDFs), a registry naming
/// them, and a configuration (deterministic analysis: the stand-in for the model; the PDFs have
/// text layers, so no OCR). Used by the scale-out test and `klartekst-bench workers`.
public final class WorkerWorkload: Sendable {
    public static let municipalities = ["hvidovre", "ballerup", "gladsaxe", "roedovre"]

    public let portals: [FakePortal]
    public let meetingsPerPortal: Int

    public var items: Int { Self.municipalities.count * meetingsPerPortal * 22 }
    public var documents: Int { Self.municipalities.count * meetingsPerPortal * 33 }

    public init(meetingsPerPortal: Int, delaySeconds: Double = 0) async throws {
        var portals: [FakePortal] = []
        for tag in Self.municipalities.indices {
            let data = try FakePortal.generated(meetings: meetingsPerPortal, tag: tag + 1)
            let portal = FakePortal(meetings: data.meetings, files: data.files)
            if delaySeconds > 0 { portal.add(.init("/", times: 100_000_000, .delay(seconds: delaySeconds))) }
            try await portal.start()
            portals.append(portal)
        }
        self.portals = portals
        self.meetingsPerPortal = meetingsPerPortal
    }

    public func stop() async {
        for p in portals { await p.stop() }
    }

    /// Writes the registry and the configuration into `dir`; returns the configuration file.
    /// - Parameter blobs: a folder, or "database" (workers then share nothing but the database).
    public func configure(_ dir: URL, blobs: String? = nil, leaseSeconds: Int = 3, pollMs: Int = 100, planSeconds: Int = 1) throws -> URL {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let registry = dir.appendingPathComponent("registry.json")
        let entries = zip(Self.municipalities, portals).map { slug, portal in
            #"{"slug": "\#(slug)", "name": "\#(slug.capitalized) Kommune", "portalBaseURL": "\#(portal.baseURL)", "portalKind": "firstagenda"}"#
        }
        try Data(#"{"municipalities": [\#(entries.joined(separator: ", "))]}"#.utf8).write(to: registry)
        let config = dir.appendingPathComponent("klartekst.json")
        try Data("""
            {"sources": {"registry": "\(registry.path)"}, "blobs": {"path": "\(blobs ?? dir.appendingPathComponent("blobs").path)"},
             "sync": {"pause": 0, "parallel": 4, "schedule": "daily 03:00"}, "prompts": {"path": "\(Fixtures.root.appendingPathComponent("prompts").path)"},
             "llm": {"backend": "deterministic"}, "jobs": {"lease_seconds": \(leaseSeconds), "poll_ms": \(pollMs), "plan_seconds": \(planSeconds)}}
            """.utf8).write(to: config)
        return config
    }
}

/// One `klartekst work` process, its output in a log file.
public final class WorkerProcess: @unchecked Sendable {
    public let process = Process()
    public let log: URL

    public init(binary: URL, database: String, config: URL, stages: String = "sync,extract,analyze,index", concurrency: Int = 2, log: URL,
        environment: [String: String] = [:]
    ) throws {
        self.log = log
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.executableURL = binary
        process.arguments = [
            "work", "--database", database, "--config", config.path, "--stages", stages, "--concurrency", String(concurrency), "--log-level", "warning",
        ]
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    public var isRunning: Bool { process.isRunning }

    /// The end of its log (for a failure message).
    public var logTail: String { String(String(decoding: (try? Data(contentsOf: log)) ?? Data(), as: UTF8.self).suffix(2000)) }

    /// Sends `signal` and waits up to `seconds` for the process to end. A process still alive
    /// then has its threads' stacks written to its log (when gdb is installed) and is killed;
    /// the answer is false, so a hang fails the test instead of holding it up.
    @discardableResult
    public func stop(_ signal: Int32, within seconds: Double = 60) async -> Bool {
        kill(process.processIdentifier, signal)
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        guard process.isRunning else { return true }
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/gdb"), let handle = try? FileHandle(forWritingTo: log) {
            handle.seekToEndOfFile()
            let gdb = Process()
            gdb.executableURL = URL(fileURLWithPath: "/usr/bin/gdb")
            gdb.arguments = ["-p", String(process.processIdentifier), "-batch", "-ex", "thread apply all bt 30"]
            gdb.standardOutput = handle
            gdb.standardError = handle
            if (try? gdb.run()) != nil { gdb.waitUntilExit() }
        }
        kill(process.processIdentifier, SIGKILL)
        while process.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
        return false
    }
}
