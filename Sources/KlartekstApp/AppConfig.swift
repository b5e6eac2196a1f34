import Configuration
import Foundation
import Logging

/// Klartekst's settings, read from (highest first) command-line flags, environment variables
/// (`KLARTEKST_` + the key in upper case with `_` for `.`), a JSON file (`--config` or
/// `KLARTEKST_CONFIG`), then defaults. Every key is listed in ``AppConfig/keys``.
public struct AppConfig: Sendable, Equatable {
    public var databaseURL: String
    public var host: String
    public var port: Int
    public var logLevel: Logger.Level
    /// Largest portal response `import` accepts, in bytes.
    public var importLimitBytes: Int
    /// A registry file replacing the bundled one (nil: bundled).
    public var registryPath: String?
    /// Where raw responses and files are kept, content-addressed.
    public var blobsPath: String
    /// When `serve` syncs: "daily HH:MM" (local time), "every N h" / "every N m", or "off".
    public var syncSchedule: String
    /// Milliseconds between the starts of two requests to one portal.
    public var syncPauseMs: Int
    /// Requests in flight per portal.
    public var syncParallel: Int
    /// A contact URL or e-mail put in the User-Agent.
    public var syncContact: String

    /// Every configuration key with its type, default and meaning (printed by `klartekst config`).
    public static let keys: [(key: String, type: String, defaultValue: String, meaning: String)] = [
        ("database.url", "string (secret)", "sqlite:data/klartekst.sqlite",
         "Where data lives: sqlite:PATH (embedded, one file) or postgres://user:password@host:port/database"),
        ("http.host", "string", "127.0.0.1", "Address the web server binds to"),
        ("http.port", "int", "8080", "Port the web server listens on"),
        ("log.level", "string", "info", "trace, debug, info, notice, warning, error or critical"),
        ("import.megabytes", "int", "128", "Largest portal response `import` accepts, in MB"),
        ("sources.registry", "string", "(bundled)", "A municipality registry JSON file replacing the bundled one"),
        ("blobs.path", "string", "data/blobs", "Folder for raw portal responses and PDFs, named by sha256"),
        ("sync.schedule", "string", "daily 03:00", "When `serve` syncs all portals: daily HH:MM, every N h, every N m, or off"),
        ("sync.pause", "int", "500", "Milliseconds between two requests to one portal"),
        ("sync.parallel", "int", "2", "Requests in flight per portal"),
        ("sync.contact", "string", "https://github.com/klartekst/klartekst", "Contact URL or e-mail sent in the User-Agent"),
    ]

    public init(
        databaseURL: String = "sqlite:data/klartekst.sqlite", host: String = "127.0.0.1", port: Int = 8080,
        logLevel: Logger.Level = .info, importLimitBytes: Int = 128 << 20, registryPath: String? = nil,
        blobsPath: String = "data/blobs", syncSchedule: String = "daily 03:00", syncPauseMs: Int = 500, syncParallel: Int = 2,
        syncContact: String = "https://github.com/klartekst/klartekst"
    ) {
        self.registryPath = registryPath
        self.blobsPath = blobsPath
        self.syncSchedule = syncSchedule
        self.syncPauseMs = syncPauseMs
        self.syncParallel = syncParallel
        self.syncContact = syncContact
        self.databaseURL = databaseURL
        self.host = host
        self.port = port
        self.logLevel = logLevel
        self.importLimitBytes = importLimitBytes
    }

    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    /// Reads and validates the configuration.
    /// - Parameters:
    ///   - flags: values given on the command line, by key (e.g. `["http.port": "9000"]`).
    ///   - environment: the process environment (injectable for tests).
    ///   - file: a JSON file; nil means `KLARTEKST_CONFIG` if set, else none.
    public static func load(
        flags: [String: String] = [:], environment: [String: String] = ProcessInfo.processInfo.environment, file: String? = nil
    ) async throws -> AppConfig {
        var providers: [any ConfigProvider] = []
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        for (k, v) in flags { values[AbsoluteConfigKey(k.split(separator: ".").map(String.init))] = .init(.string(v), isSecret: k == "database.url") }
        providers.append(InMemoryProvider(name: "flags", values: values))
        let env = environment.filter { $0.key.hasPrefix("KLARTEKST_") }
        providers.append(
            EnvironmentVariablesProvider(environmentVariables: env, secretsSpecifier: .specific(["KLARTEKST_DATABASE_URL"]))
                .prefixKeys(with: "klartekst"))
        if let path = file ?? environment["KLARTEKST_CONFIG"] {
            guard FileManager.default.fileExists(atPath: path) else { throw Invalid(description: "configuration file not found: \(path)") }
            do {
                providers.append(try await FileProvider<JSONSnapshot>(filePath: .init(path)))
            } catch {
                throw Invalid(description: "configuration file \(path) is not valid JSON: \(error)")
            }
        }
        let reader = ConfigReader(providers: providers)
        let defaults = AppConfig()
        var config = AppConfig()
        config.databaseURL = reader.string(forKey: "database.url", isSecret: true, default: defaults.databaseURL)
        config.host = reader.string(forKey: "http.host", default: defaults.host)
        func integer(_ key: String, _ fallback: Int) -> Int? {
            if let i = reader.int(forKey: ConfigKey(key)) { return i }
            guard let s = reader.string(forKey: ConfigKey(key)) else { return fallback }
            return Int(s.trimmingCharacters(in: .whitespaces))
        }
        guard let port = integer("http.port", defaults.port), (1...65535).contains(port) else {
            throw Invalid(description: "http.port must be a whole number from 1 to 65535")
        }
        config.port = port
        let level = reader.string(forKey: "log.level", default: "info").lowercased()
        guard let parsed = Logger.Level(rawValue: level) else {
            throw Invalid(description: "log.level must be one of trace, debug, info, notice, warning, error, critical (got \"\(level)\")")
        }
        config.logLevel = parsed
        guard let mb = integer("import.megabytes", 128), (1...4096).contains(mb) else {
            throw Invalid(description: "import.megabytes must be a whole number from 1 to 4096")
        }
        config.importLimitBytes = mb << 20
        guard !config.databaseURL.isEmpty else { throw Invalid(description: "database.url must not be empty") }
        config.registryPath = reader.string(forKey: "sources.registry")
        config.blobsPath = reader.string(forKey: "blobs.path", default: defaults.blobsPath)
        config.syncSchedule = reader.string(forKey: "sync.schedule", default: defaults.syncSchedule)
        guard SyncSchedule(config.syncSchedule) != nil else {
            throw Invalid(description: "sync.schedule must be \"daily HH:MM\", \"every N h\", \"every N m\" or \"off\" (got \"\(config.syncSchedule)\")")
        }
        guard let pause = integer("sync.pause", defaults.syncPauseMs), (0...600_000).contains(pause) else {
            throw Invalid(description: "sync.pause must be milliseconds from 0 to 600000")
        }
        config.syncPauseMs = pause
        guard let parallel = integer("sync.parallel", defaults.syncParallel), (1...16).contains(parallel) else {
            throw Invalid(description: "sync.parallel must be from 1 to 16")
        }
        config.syncParallel = parallel
        config.syncContact = reader.string(forKey: "sync.contact", default: defaults.syncContact)
        return config
    }
}
