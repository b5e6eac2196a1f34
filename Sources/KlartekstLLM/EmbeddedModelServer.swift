import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// Starts and stops the embedded model: llama-cpp-python's OpenAI-compatible server
/// (`python -m llama_cpp.server`) on a free loopback port, with the GGUF file that
/// `scripts/setup-model.sh` assembled. Klartekst talks to it like to any other backend.
///
/// ```swift
/// let server = EmbeddedModelServer(options: .init(python: ".venv-llm/bin/python", model: "data/models/…gguf"), logger: logger)
/// let baseURL = try await server.start()   // waits until /v1/models answers
/// defer { Task { await server.stop() } }
/// ```
public final class EmbeddedModelServer: @unchecked Sendable {
    public struct Options: Sendable {
        public var python: String
        public var model: String
        /// CPU threads for inference (default: every core).
        public var threads: Int
        public var contextSize: Int
        public var startupTimeout: Duration
        /// Where the server's own output goes.
        public var logFile: String

        public init(
            python: String, model: String, threads: Int = ProcessInfo.processInfo.activeProcessorCount, contextSize: Int = 4096,
            startupTimeout: Duration = .seconds(180), logFile: String = "data/llm-server.log"
        ) {
            self.python = python
            self.model = model
            self.threads = threads
            self.contextSize = contextSize
            self.startupTimeout = startupTimeout
            self.logFile = logFile
        }
    }

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    let options: Options
    let logger: Logger
    let lock = NSLock()
    var process: Process?

    public init(options: Options, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    /// Whether the Python server and the model file are installed.
    public static func installed(_ options: Options) -> (ok: Bool, detail: String) {
        let fm = FileManager.default
        guard fm.isExecutableFile(atPath: options.python) else {
            return (false, "\(options.python) is missing: run scripts/setup-model.sh")
        }
        guard fm.fileExists(atPath: options.model) else { return (false, "\(options.model) is missing: run scripts/setup-model.sh") }
        return (true, "\(options.model) with \(options.python)")
    }

    /// Starts the server and waits until it answers. Returns its base URL.
    public func start() async throws -> String {
        let check = Self.installed(options)
        guard check.ok else { throw Failure(description: "the embedded model is not installed: \(check.detail)") }
        let port = try Self.freePort()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: options.python)
        p.arguments = [
            "-m", "llama_cpp.server", "--model", options.model, "--host", "127.0.0.1", "--port", String(port),
            "--n_threads", String(options.threads), "--n_ctx", String(options.contextSize),
        ]
        var env = ProcessInfo.processInfo.environment
        env["OMP_THREAD_LIMIT"] = nil
        p.environment = env
        let logURL = URL(fileURLWithPath: options.logFile)
        try? FileManager.default.createDirectory(at: logURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        p.standardOutput = log
        p.standardError = log
        p.standardInput = FileHandle.nullDevice
        try p.run()
        lock.withLock { process = p }
        let base = "http://127.0.0.1:\(port)"
        logger.info("starting the embedded model server", metadata: ["url": "\(base)", "model": "\(options.model)", "pid": "\(p.processIdentifier)"])
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { _ = http.shutdown() }
        let clock = ContinuousClock()
        let deadline = clock.now + options.startupTimeout
        while clock.now < deadline {
            if !p.isRunning {
                let tail = (try? String(contentsOf: logURL, encoding: .utf8)).map { String($0.suffix(600)) } ?? ""
                throw Failure(description: "the embedded model server stopped (exit \(p.terminationStatus)) while starting: \(tail)")
            }
            var request = HTTPClientRequest(url: base + "/v1/models")
            request.method = .GET
            if let response = try? await http.execute(request, timeout: .seconds(2)), response.status == .ok {
                logger.info("embedded model server ready", metadata: ["url": "\(base)"])
                return base
            }
            try await Task.sleep(for: .milliseconds(500))
        }
        await stop()
        throw Failure(description: "the embedded model server did not answer within \(options.startupTimeout); see \(options.logFile)")
    }

    /// Stops the server: SIGTERM, then SIGKILL after 5 seconds.
    public func stop() async {
        guard let p = lock.withLock({ () -> Process? in
            let p = process
            process = nil
            return p
        }), p.isRunning else { return }
        p.terminate()
        for _ in 0..<50 where p.isRunning { try? await Task.sleep(for: .milliseconds(100)) }
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        logger.info("embedded model server stopped")
    }

    /// A free TCP port on 127.0.0.1 (bound to port 0, read back, released).
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "cannot open a socket") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        guard bound == 0 else { throw Failure(description: "cannot bind a loopback port") }
        let named = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        guard named == 0 else { throw Failure(description: "cannot read the bound port") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}
