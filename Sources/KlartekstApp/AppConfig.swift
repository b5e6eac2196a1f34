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

    /// Every configuration key with its type, default and meaning (printed by `klartekst config`).
    public static let keys: [(key: String, type: String, defaultValue: String, meaning: String)] = [
        ("database.url", "string (secret)", "sqlite:data/klartekst.sqlite",
         "Where data lives: sqlite:PATH (embedded, one file) or postgres://user:password@host:port/database"),
        ("http.host", "string", "127.0.0.1", "Address the web server binds to"),
        ("http.port", "int", "8080", "Port the web server listens on"),
        ("log.level", "string", "info", "trace, debug, info, notice, warning, error or critical"),
        ("import.megabytes", "int", "128", "Largest portal response `import` accepts, in MB"),
    ]

    public init(
        databaseURL: String = "sqlite:data/klartekst.sqlite", host: String = "127.0.0.1", port: Int = 8080,
        logLevel: Logger.Level = .info, importLimitBytes: Int = 128 << 20
    ) {
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
        return config
    }
}
