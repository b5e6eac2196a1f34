import Foundation
import KlartekstStore
import Logging
import PostgresNIO

/// The store backends the contract tests run against. PostgreSQL is used when
/// `KLARTEKST_TEST_POSTGRES_URL` names a server (scripts/test.sh starts one on loopback); under
/// CI it is required.
public enum TestBackend: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite, postgres

    public var description: String { rawValue }

    public static var postgresURL: String? { ProcessInfo.processInfo.environment["KLARTEKST_TEST_POSTGRES_URL"] }

    /// SQLite always; PostgreSQL when configured, and always under CI (where a missing server fails).
    public static var available: [TestBackend] {
        postgresURL != nil || ProcessInfo.processInfo.environment["CI"] != nil ? [.sqlite, .postgres] : [.sqlite]
    }

    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String
    }

    /// Runs `body` with a fresh, migrated store of this backend: a new SQLite file, or a new
    /// PostgreSQL database that is dropped afterwards.
    public func withStore<T>(now: @escaping @Sendable () -> Date = { Date() }, _ body: (SQLStore, String) async throws -> T) async throws -> T {
        let logger = Logger(label: "test")
        switch self {
        case .sqlite:
            let dir = try Fixtures.temporaryDirectory("klartekst-store")
            defer { try? FileManager.default.removeItem(at: dir) }
            let url = "sqlite:" + dir.appendingPathComponent("test.sqlite").path
            let s = try await SQLStore.open(url: url, logger: logger, now: now)
            try await s.migrate()
            do {
                let result = try await body(s, url)
                await s.close()
                return result
            } catch {
                await s.close()
                throw error
            }
        case .postgres:
            guard let base = Self.postgresURL else {
                throw Unavailable(description: "KLARTEKST_TEST_POSTGRES_URL is not set: run the tests with scripts/test.sh, which starts PostgreSQL")
            }
            let name = "kt_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
            try await Self.admin(base, "CREATE DATABASE \(name)")
            guard var components = URLComponents(string: base) else { throw Unavailable(description: "bad URL \(base)") }
            components.path = "/" + name
            let url = components.string ?? base
            let store = try await SQLStore.open(url: url, logger: logger, now: now)
            do {
                try await store.migrate()
                let result = try await body(store, url)
                await store.close()
                try? await Self.admin(base, "DROP DATABASE \(name) WITH (FORCE)")
                return result
            } catch {
                await store.close()
                try? await Self.admin(base, "DROP DATABASE \(name) WITH (FORCE)")
                throw error
            }
        }
    }

    /// Runs one statement on a PostgreSQL server (CREATE/DROP DATABASE).
    public static func admin(_ url: String, _ sql: String) async throws {
        let db = try PostgresDatabase.connect(url: url, logger: Logger(label: "test-admin"))
        do {
            try await db.client.withConnection { conn in
                _ = try await conn.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "test-admin"))
            }
        } catch {
            await db.close()
            throw error
        }
        await db.close()
    }
}
