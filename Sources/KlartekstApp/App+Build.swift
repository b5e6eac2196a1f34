import Foundation
import Hummingbird
import KlartekstCore
import KlartekstStore
import KlartekstWeb
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// The composition root: the only place where live adapters are wired together.
public enum App {
    /// Opens the store named by the configuration and migrates it.
    public static func openStore(_ config: AppConfig, logger: Logger) async throws -> SQLStore {
        let store: SQLStore
        do {
            store = try await SQLStore.open(url: config.databaseURL, logger: logger)
        } catch {
            throw AppError("cannot open the database \(PostgresDatabaseURL.redact(config.databaseURL)): \(error)")
        }
        do {
            try await store.migrate()
        } catch {
            await store.close()
            throw AppError("cannot migrate the database \(PostgresDatabaseURL.redact(config.databaseURL)): \(error)")
        }
        return store
    }

    /// Builds the web application (tests call this too).
    public static func buildApplication(
        config: AppConfig, store: any KlartekstStore, metrics: PrometheusCollectorRegistry, logger: Logger
    ) async throws -> some ApplicationProtocol {
        let deps = try await WebDependencies.load(store: store, metrics: metrics)
        let router = buildRouter(deps)
        return Application(
            router: router,
            configuration: .init(address: .hostname(config.host, port: config.port), serverName: "Klartekst"),
            logger: logger)
    }

    /// Serves until SIGINT/SIGTERM, then shuts down gracefully and closes the store.
    public static func serve(config: AppConfig, store: SQLStore, metrics: PrometheusCollectorRegistry, logger: Logger) async throws {
        let app = try await buildApplication(config: config, store: store, metrics: metrics, logger: logger)
        let group = ServiceGroup(
            configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        logger.notice("serving", metadata: ["url": "http://\(config.host):\(config.port)/", "database": "\(store.backendName)"])
        try await group.run()
        await store.close()
    }

    /// Bootstraps the process-wide metrics backend (once per process, never in tests).
    public static func bootstrapMetrics() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }
}

/// Redaction of secrets in database URLs, for messages and logs.
public enum PostgresDatabaseURL {
    public static func redact(_ url: String) -> String {
        guard var c = URLComponents(string: url), c.password != nil else { return url }
        c.password = "***"
        return c.string ?? url
    }
}
