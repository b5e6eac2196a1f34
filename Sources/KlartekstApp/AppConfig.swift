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
    /// Signing secrets for cookies and forms, newest first (rotation: add a new one in front).
    public var securitySecrets: [String] = []
    /// Operator login for the review queue (both needed; otherwise it is switched off).
    public var adminUser: String?
    public var adminPassword: String?
    /// Mark cookies `Secure` (set when served over HTTPS).
    public var secureCookies = false
    /// Citizens' answers: rate limits per minute, the new-participant guard, proxy trust.
    public var votesPerParticipant = 30
    public var votesPerAddress = 600
    public var votesNewMinutes = 10
    public var votesNewShare = 0.5
    public var votesBurstMinimum = 20
    public var votesBurstCheckSeconds = 5
    public var trustProxy = false
    /// The public address of the site, for links in feeds, calendars and e-mails (nil: the request's Host).
    public var publicURL: String?
    /// SMTP relay for alerts (`smtp://[user:password@]host[:port]`); nil: no e-mail alerts.
    public var smtpURL: String?
    /// The From address of alerts.
    public var smtpFrom = "klartekst@localhost"
    /// Seconds between two alert runs while serving (0: only `klartekst notify`).
    public var alertsSeconds = 60
    /// Seconds between two updates of the search index by `serve` (0: only `klartekst index`).
    public var searchIndexSeconds = 30
    /// Seconds a rendered public page is reused by a web node (0: no page cache).
    public var pageCacheSeconds = 10
    /// The folder with prompt files, the taxonomy and the topics.
    public var promptsPath = "prompts"
    /// Publish analyses that pass every check at once (false: they wait for an operator).
    public var analysisAutopublish = true
    /// Spoken summaries: the espeak-ng program ("off" hides the audio player), voice and speed.
    public var speechCommand = "espeak-ng"
    public var speechVoice = "da"
    public var speechRate = 150
    /// The analysis backend: "deterministic", "embedded", or an OpenAI-compatible base URL.
    public var llmBackend = "deterministic"
    /// Model name sent to the backend.
    public var llmModel = "qwen2.5-coder-1.5b-instruct-q4_k_m"
    /// API key for a hosted backend (secret).
    public var llmAPIKey: String?
    /// Requests in flight to the backend.
    public var llmConcurrency = 1
    /// Seconds one model request may take.
    public var llmTimeout = 300
    /// The model's context window in tokens; sources are cut to fit (the embedded server gets it as n_ctx).
    public var llmContext = 4096
    /// The GGUF file the embedded server loads.
    public var llmModelPath = AppConfig.modelHome + "/models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
    /// The Python environment with llama-cpp-python (scripts/setup-model.sh makes it).
    public var llmPython = AppConfig.modelHome + "/venv-llm/bin/python"
    /// Several OpenAI-compatible endpoints (`URL;weight=N;concurrency=N`, comma-separated); nil: llm.backend alone.
    public var llmEndpoints: String?
    /// Jobs: lease length, idle poll, planning interval, jobs in flight per worker.
    public var jobsLeaseSeconds = 120
    public var jobsPollMs = 1000
    public var jobsPlanSeconds = 15
    public var workConcurrency = 2
    /// Seconds a stopping process gives its running jobs and requests before it cancels them; 10 s
    /// after that it exits regardless (a second SIGTERM or SIGINT exits at once).
    public var shutdownSeconds = 30

    /// Where scripts/setup-model.sh installs the embedded model: `KLARTEKST_MODEL_HOME`, else `~/.cache/klartekst`.
    public static var modelHome: String {
        let env = ProcessInfo.processInfo.environment
        if let h = env["KLARTEKST_MODEL_HOME"], !h.isEmpty { return h }
        return (env["HOME"] ?? NSHomeDirectory()) + "/.cache/klartekst"
    }

    /// Every configuration key with its type, default and meaning (printed by `klartekst config`).
    public static let keys: [(key: String, type: String, defaultValue: String, meaning: String)] = [
        ("database.url", "string (secret)", "sqlite:data/klartekst.sqlite",
         "Where data lives: sqlite:PATH (embedded, one file) or postgres://user:password@host:port/database"),
        ("http.host", "string", "127.0.0.1", "Address the web server binds to"),
        ("http.port", "int", "8080", "Port the web server listens on"),
        ("log.level", "string", "info", "trace, debug, info, notice, warning, error or critical"),
        ("import.megabytes", "int", "128", "Largest portal response `import` accepts, in MB"),
        ("sources.registry", "string", "(bundled)", "A municipality registry JSON file replacing the bundled one"),
        ("blobs.path", "string", "data/blobs", "Folder for raw portal responses and PDFs, named by sha256 (shared by every syncing/extracting machine), or database: kept in the database"),
        ("sync.schedule", "string", "daily 03:00", "When `serve` syncs all portals: daily HH:MM, every N h, every N m, or off"),
        ("sync.pause", "int", "500", "Milliseconds between two requests to one portal"),
        ("sync.parallel", "int", "2", "Requests in flight per portal"),
        ("sync.contact", "string", "https://github.com/klartekst/klartekst", "Contact URL or e-mail sent in the User-Agent"),
        ("security.secrets", "string (secret)", "(random per process)",
         "Comma-separated signing secrets for cookies and forms, newest first; set it when running several web nodes or to keep sessions across restarts"),
        ("security.secure_cookies", "bool", "false", "Send cookies with Secure (behind HTTPS)"),
        ("votes.per_participant", "int", "30", "Answers one participant may send per minute"),
        ("votes.per_address", "int", "600", "Answers one client address may send per minute (counted in memory only, never stored)"),
        ("votes.new_minutes", "int", "10", "Participants created within this many minutes count as new"),
        ("votes.new_share", "double", "0.5", "The largest share of an item's shown result new participants may make up (exact counts are kept; bursts are flagged)"),
        ("votes.burst_minimum", "int", "20", "New participants' answers on an item before the cap applies"),
        ("votes.burst_check_seconds", "int", "5", "Seconds between two burst checks of one item"),
        ("http.public_url", "string", "(the request's Host)", "The site's public address, e.g. https://klartekst.example, for links in feeds, calendars and alerts"),
        ("smtp.url", "string (secret)", "(none)", "SMTP relay for alerts, smtp://[user:password@]host[:port]; without it nobody can subscribe by e-mail"),
        ("smtp.from", "string", "klartekst@localhost", "From address of alert e-mails"),
        ("alerts.interval_seconds", "int", "60", "Seconds between two alert runs while serving (0: only klartekst notify sends)"),
        ("search.index_seconds", "int", "30", "Seconds between two updates of the search index while serving (0: only klartekst index updates it)"),
        ("http.page_cache_seconds", "int", "10", "Seconds a rendered public page is reused by a web node before it is rendered again (0: never reuse)"),
        ("http.trust_proxy", "bool", "false", "Take the client address from X-Forwarded-For (only behind your own reverse proxy)"),
        ("admin.user", "string", "(none)", "Operator login for /drift/analyser (review queue); without it the review pages are off"),
        ("admin.password", "string (secret)", "(none)", "Operator password"),
        ("prompts.path", "string", "prompts", "Folder with prompt files (<name>/v<n>.md), taxonomy.json and topics.json"),
        ("analysis.autopublish", "bool", "true", "Publish analyses that pass every check at once; false: they wait in the review queue"),
        ("llm.backend", "string", "deterministic", "deterministic (no model), embedded (the local model scripts/setup-model.sh installs), or an OpenAI-compatible base URL"),
        ("llm.model", "string", "qwen2.5-coder-1.5b-instruct-q4_k_m", "Model name sent to the backend"),
        ("llm.api_key", "string (secret)", "(none)", "API key for a hosted backend"),
        ("llm.concurrency", "int", "1", "Requests in flight to the backend"),
        ("llm.timeout", "int", "300", "Seconds one model request may take"),
        ("llm.context", "int", "4096", "The model's context window in tokens: item text is cut to fit; the embedded server is started with it"),
        ("llm.model_path", "string", "$KLARTEKST_MODEL_HOME/models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf", "GGUF file the embedded server loads (KLARTEKST_MODEL_HOME defaults to ~/.cache/klartekst)"),
        ("speech.command", "string", "espeak-ng", "Program that reads summaries aloud (espeak-ng); off hides the audio player"),
        ("speech.voice", "string", "da", "espeak-ng voice"),
        ("speech.rate", "int", "150", "Words per minute of the spoken summary"),
        ("llm.python", "string", "$KLARTEKST_MODEL_HOME/venv-llm/bin/python", "Python with llama-cpp-python[server] for the embedded server"),
        ("llm.endpoints", "string", "(none)",
         "Several OpenAI-compatible servers of the same model for workers: URL;weight=N;concurrency=N, comma-separated (replaces an llm.backend URL)"),
        ("work.concurrency", "int", "2", "Jobs one worker runs at once (klartekst work --concurrency)"),
        ("work.shutdown_seconds", "int", "30",
         "On SIGTERM: seconds running jobs and requests get to finish before they are cancelled (leases given back); the process exits at most 10 s later, at once on a second signal"),
        ("jobs.lease_seconds", "int", "120", "How long a claimed job stays leased without a heartbeat; a dead worker's jobs are taken over after this"),
        ("jobs.poll_ms", "int", "1000", "Milliseconds an idle worker waits before looking for work again"),
        ("jobs.plan_seconds", "int", "15", "Seconds between two looks for new work in the data (every worker plans; job keys keep work single)"),
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

    static let secretKeys: Set<String> = ["database.url", "security.secrets", "admin.password", "llm.api_key"]

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
        for (k, v) in flags { values[AbsoluteConfigKey(k.split(separator: ".").map(String.init))] = .init(.string(v), isSecret: Self.secretKeys.contains(k)) }
        providers.append(InMemoryProvider(name: "flags", values: values))
        let env = environment.filter { $0.key.hasPrefix("KLARTEKST_") }
        providers.append(
            EnvironmentVariablesProvider(
                environmentVariables: env,
                secretsSpecifier: .specific(["KLARTEKST_DATABASE_URL", "KLARTEKST_SECURITY_SECRETS", "KLARTEKST_ADMIN_PASSWORD", "KLARTEKST_LLM_API_KEY"]))
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
        func boolean(_ key: String, _ fallback: Bool) throws -> Bool {
            if let b = reader.bool(forKey: ConfigKey(key)) { return b }
            guard let s = reader.string(forKey: ConfigKey(key))?.lowercased() else { return fallback }
            switch s {
            case "true", "1", "yes", "ja", "on": return true
            case "false", "0", "no", "nej", "off": return false
            default: throw Invalid(description: "\(key) must be true or false (got \"\(s)\")")
            }
        }
        config.securitySecrets = (reader.string(forKey: "security.secrets", isSecret: true) ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if let short = config.securitySecrets.first(where: { $0.utf8.count < 16 }) {
            throw Invalid(description: "security.secrets: every secret must be at least 16 characters (one has \(short.utf8.count))")
        }
        config.secureCookies = try boolean("security.secure_cookies", false)
        config.adminUser = reader.string(forKey: "admin.user")
        config.adminPassword = reader.string(forKey: "admin.password", isSecret: true)
        if (config.adminUser == nil) != (config.adminPassword == nil) {
            throw Invalid(description: "admin.user and admin.password must be set together")
        }
        config.promptsPath = reader.string(forKey: "prompts.path", default: defaults.promptsPath)
        for (key, target, range) in [
            ("votes.per_participant", \AppConfig.votesPerParticipant, 1...100_000), ("votes.per_address", \AppConfig.votesPerAddress, 1...10_000_000),
            ("votes.new_minutes", \AppConfig.votesNewMinutes, 0...10_080), ("votes.burst_minimum", \AppConfig.votesBurstMinimum, 0...1_000_000),
            ("votes.burst_check_seconds", \AppConfig.votesBurstCheckSeconds, 0...3600),
            ("llm.concurrency", \AppConfig.llmConcurrency, 1...256), ("llm.timeout", \AppConfig.llmTimeout, 1...3600),
            ("llm.context", \AppConfig.llmContext, 1024...1_048_576), ("speech.rate", \AppConfig.speechRate, 80...450),
            ("http.page_cache_seconds", \AppConfig.pageCacheSeconds, 0...3600), ("search.index_seconds", \AppConfig.searchIndexSeconds, 0...86_400),
            ("alerts.interval_seconds", \AppConfig.alertsSeconds, 0...86_400),
            ("work.concurrency", \AppConfig.workConcurrency, 1...256), ("work.shutdown_seconds", \AppConfig.shutdownSeconds, 1...3600),
            ("jobs.lease_seconds", \AppConfig.jobsLeaseSeconds, 2...86_400),
            ("jobs.poll_ms", \AppConfig.jobsPollMs, 10...600_000), ("jobs.plan_seconds", \AppConfig.jobsPlanSeconds, 1...86_400),
        ] as [(String, WritableKeyPath<AppConfig, Int>, ClosedRange<Int>)] {
            guard let v = integer(key, defaults[keyPath: target]), range.contains(v) else {
                throw Invalid(description: "\(key) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            config[keyPath: target] = v
        }
        let share = reader.double(forKey: "votes.new_share") ?? reader.string(forKey: "votes.new_share").flatMap { Double($0) } ?? defaults.votesNewShare
        guard (0.0...1.0).contains(share) else { throw Invalid(description: "votes.new_share must be from 0 to 1") }
        config.votesNewShare = share
        config.trustProxy = try boolean("http.trust_proxy", false)
        config.analysisAutopublish = try boolean("analysis.autopublish", true)
        config.llmBackend = reader.string(forKey: "llm.backend", default: defaults.llmBackend)
        if config.llmBackend != "deterministic" && config.llmBackend != "embedded" && !(config.llmBackend.hasPrefix("http://") || config.llmBackend.hasPrefix("https://")) {
            throw Invalid(description: "llm.backend must be deterministic, embedded or an http(s):// URL (got \"\(config.llmBackend)\")")
        }
        config.llmModel = reader.string(forKey: "llm.model", default: defaults.llmModel)
        config.llmAPIKey = reader.string(forKey: "llm.api_key", isSecret: true)
        config.llmModelPath = reader.string(forKey: "llm.model_path", default: defaults.llmModelPath)
        config.llmPython = reader.string(forKey: "llm.python", default: defaults.llmPython)
        config.llmEndpoints = reader.string(forKey: "llm.endpoints").flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
        config.publicURL = reader.string(forKey: "http.public_url").map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        if let u = config.publicURL, !(u.hasPrefix("http://") || u.hasPrefix("https://")) {
            throw Invalid(description: "http.public_url must start with http:// or https:// (got \"\(u)\")")
        }
        config.smtpURL = reader.string(forKey: "smtp.url", isSecret: true)
        config.smtpFrom = reader.string(forKey: "smtp.from", default: defaults.smtpFrom)
        if let u = config.smtpURL, !u.hasPrefix("smtp://") { throw Invalid(description: "smtp.url must start with smtp://") }
        guard config.smtpFrom.split(separator: "@").count == 2, !config.smtpFrom.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" }) else {
            throw Invalid(description: "smtp.from must be an e-mail address")
        }
        config.speechCommand = reader.string(forKey: "speech.command", default: defaults.speechCommand)
        config.speechVoice = reader.string(forKey: "speech.voice", default: defaults.speechVoice)
        return config
    }
}
