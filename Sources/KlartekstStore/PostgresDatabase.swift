import Foundation
import Logging
import NIOCore
import PostgresNIO

/// PostgreSQL through PostgresNIO's connection pool: the scale-out backend, where web nodes
/// and workers on several machines share one database.
public final class PostgresDatabase: SQLDatabase {
    public let dialect = SQLDialect.postgres
    public let client: PostgresClient
    /// Connections for ``SQLExecutor/queryReusingPlan(_:_:)``: their sessions plan every
    /// prepared statement once without its values (`plan_cache_mode = force_generic_plan`), which
    /// must not apply to the other statements, so they have a pool of their own.
    let genericPlanClient: PostgresClient
    let prepared = PreparedStatements()
    let runner: Task<Void, Never>
    let logger: Logger

    /// Connects to `postgres://user:password@host:port/database`. The pools run until ``close()``.
    public static func connect(url: String, logger: Logger) throws -> PostgresDatabase {
        let config = try configuration(from: url)
        let client = PostgresClient(configuration: config, backgroundLogger: logger)
        var generic = config
        generic.options.additionalStartupParameters.append(("plan_cache_mode", "force_generic_plan"))
        // Its prepared statements live as long as the connection: keep idle ones for a while.
        generic.options.connectionIdleTimeout = .seconds(600)
        let genericPlanClient = PostgresClient(configuration: generic, backgroundLogger: logger)
        let runner = Task {
            await withDiscardingTaskGroup { group in
                group.addTask { await client.run() }
                group.addTask { await genericPlanClient.run() }
            }
        }
        return PostgresDatabase(client: client, genericPlanClient: genericPlanClient, runner: runner, logger: logger)
    }

    /// Connects and checks that the server answers, so a wrong URL fails at start with a clear error.
    public static func connectChecked(url: String, logger: Logger) async throws -> PostgresDatabase {
        let db = try connect(url: url, logger: logger)
        for _ in 0..<3 { await Task.yield() }
        do {
            _ = try await db.read { try await $0.query("SELECT 1 AS ok", []) }
        } catch {
            await db.close()
            throw StoreError("PostgreSQL at \(redact(url)) does not answer: \(error)")
        }
        return db
    }

    init(client: PostgresClient, genericPlanClient: PostgresClient, runner: Task<Void, Never>, logger: Logger) {
        self.client = client
        self.genericPlanClient = genericPlanClient
        self.runner = runner
        self.logger = logger
    }

    static func configuration(from url: String) throws -> PostgresClient.Configuration {
        guard let components = URLComponents(string: url), let scheme = components.scheme,
            scheme == "postgres" || scheme == "postgresql", let host = components.host, !host.isEmpty
        else {
            throw StoreError("not a PostgreSQL URL (expected postgres://user:password@host:port/database): \(redact(url))")
        }
        guard let user = components.user, !user.isEmpty else {
            throw StoreError("the PostgreSQL URL names no user: \(redact(url))")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        let sslmode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "disable"
        guard sslmode == "disable" else {
            throw StoreError("sslmode=\(sslmode) is not supported yet; use sslmode=disable on a trusted network or a local socket proxy")
        }
        var config = PostgresClient.Configuration(
            host: host, port: components.port ?? 5432, username: user.removingPercentEncoding ?? user,
            password: components.password?.removingPercentEncoding, database: database.isEmpty ? nil : database, tls: .disable
        )
        config.options.maximumConnections = 8
        config.options.minimumConnections = 0
        // Our statements are short; JIT compiling one whose estimate is high (a count with a
        // range known only at run time) costs more (7 ms) than the statement.
        config.options.additionalStartupParameters = [("jit", "off")]
        return config
    }

    /// The URL with its password replaced, for messages.
    public static func redact(_ url: String) -> String {
        guard var c = URLComponents(string: url), c.password != nil else { return url }
        c.password = "***"
        return c.string ?? url
    }

    public func read<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        try await body(PoolExecutor(database: self))
    }

    public func transaction<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        try await inTransaction(lockID: nil, body)
    }

    public func withMigrationLock<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        try await inTransaction(lockID: 0x6B6C_6172, body)
    }

    private func inTransaction<T: Sendable>(lockID: Int64?, _ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        let logger = self.logger
        do {
            return try await client.withConnection { conn in
                let exec = ConnectionExecutor(connection: conn, logger: logger)
                try await exec.execute("BEGIN", [])
                do {
                    if let lockID { try await exec.execute("SELECT pg_advisory_xact_lock(?)", [.int(lockID)]) }
                    let value = try await body(exec)
                    try await exec.execute("COMMIT", [])
                    return value
                } catch {
                    try? await exec.execute("ROLLBACK", [])
                    throw error
                }
            }
        } catch let error as PSQLError {
            throw StoreError(Self.describe(error))
        }
    }

    public func close() async {
        runner.cancel()
        _ = await runner.value
    }

    static func describe(_ error: PSQLError) -> String {
        var parts: [String] = ["PostgreSQL: \(error.code)"]
        if let m = error.serverInfo?[.message] { parts.append(m) }
        if let d = error.serverInfo?[.detail] { parts.append(d) }
        if let c = error.underlying { parts.append("\(c)") }
        return parts.joined(separator: " — ")
    }

    /// `?` placeholders → `$1, $2, …` (statements never contain a literal `?`).
    static func numbered(_ sql: String) -> String {
        var out = ""
        var n = 0
        for ch in sql {
            if ch == "?" {
                n += 1
                out += "$\(n)"
            } else {
                out.append(ch)
            }
        }
        return out
    }

    static func bindings(_ binds: [SQLValue]) -> PostgresBindings {
        var b = PostgresBindings(capacity: binds.count)
        for v in binds {
            switch v {
            case .null: b.appendNull()
            case .int(let i): b.append(i)
            case .double(let d): b.append(d)
            case .text(let s): b.append(s)
            case .blob(let bytes): b.append(ByteBuffer(bytes: bytes))
            }
        }
        return b
    }

    static func run(_ conn: PostgresConnection, _ sql: String, _ binds: [SQLValue], logger: Logger) async throws -> [SQLRow] {
        let rows: PostgresRowSequence
        do {
            rows = try await conn.query(PostgresQuery(unsafeSQL: numbered(sql), binds: bindings(binds)), logger: logger)
        } catch let error as PSQLError {
            throw StoreError("\(describe(error)) in: \(sql.prefix(120))")
        }
        return try decode(try await rows.collect())
    }

    /// All rows at once (no suspension per row); column names lower-cased once per result.
    static func decode(_ collected: [PostgresRow]) throws -> [SQLRow] {
        var out: [SQLRow] = []
        out.reserveCapacity(collected.count)
        var columns: SQLRow.Columns?
        for row in collected {
            let names = columns ?? SQLRow.Columns(row.map { $0.columnName.lowercased() })
            columns = names
            var cells: [SQLValue] = []
            cells.reserveCapacity(names.names.count)
            for cell in row { cells.append(try decode(cell)) }
            out.append(SQLRow(columns: names, cells: cells))
        }
        return out
    }

    static func decode(_ cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int8: return .int(try cell.decode(Int64.self))
        case .int4: return .int(Int64(try cell.decode(Int32.self)))
        case .int2: return .int(Int64(try cell.decode(Int16.self)))
        case .bool: return .int(try cell.decode(Bool.self) ? 1 : 0)
        case .float8: return .double(try cell.decode(Double.self))
        case .float4: return .double(Double(try cell.decode(Float.self)))
        case .bytea:
            let buffer = try cell.decode(ByteBuffer.self)
            return .blob(Array(buffer.readableBytesView))
        case .numeric:
            let s = try cell.decode(String.self)
            if let i = Int64(s) { return .int(i) }
            return .double(Double(s) ?? 0)
        default: return .text(try cell.decode(String.self))
        }
    }

    struct ConnectionExecutor: SQLExecutor, @unchecked Sendable {
        let connection: PostgresConnection
        let logger: Logger
        func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
            try await PostgresDatabase.run(connection, sql, binds, logger: logger)
        }
        func execute(_ sql: String, _ binds: [SQLValue]) async throws {
            _ = try await PostgresDatabase.run(connection, sql, binds, logger: logger)
        }
    }

    struct PoolExecutor: SQLExecutor {
        let database: PostgresDatabase
        func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
            let logger = database.logger
            return try await database.client.withConnection { conn in try await PostgresDatabase.run(conn, sql, binds, logger: logger) }
        }
        func execute(_ sql: String, _ binds: [SQLValue]) async throws {
            throw StoreError("write outside a transaction: \(sql.prefix(60))")
        }
        func queryReusingPlan(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
            let logger = database.logger
            let statement = database.prepared.statement(sql, binds)
            do {
                return try await ReusedStatement.$current.withValue(statement) {
                    try await database.genericPlanClient.withConnection { conn in
                        var rows: [PostgresRow] = []
                        for try await row in try await conn.execute(ReusedStatement(bindings: bindings(binds)), logger: logger) { rows.append(row) }
                        return try PostgresDatabase.decode(rows)
                    }
                }
            } catch let error as PSQLError {
                // Whatever went wrong with the prepared statement (a connection that died, a plan
                // the server cannot reuse), the search still gets its answer: run unprepared, on
                // the other pool. A statement that is wrong fails there with its usual error.
                logger.warning("prepared statement failed; running it unprepared", metadata: ["error": "\(describe(error))", "sql": "\(sql.prefix(80))"])
                return try await query(sql, binds)
            }
        }
    }
}

/// A statement for PostgresNIO's prepared-statement API, which prepares it once per connection
/// under its name. That API wants the name and text as static properties; they are read (at the
/// call, in the calling task) from the task-local ``current``.
struct ReusedStatement: PostgresPreparedStatement {
    struct Text: Sendable {
        var name = ""
        var sql = ""
        var types: [PostgresDataType] = []
    }
    @TaskLocal static var current = Text()
    static var name: String { current.name }
    static var sql: String { current.sql }
    static var bindingDataTypes: [PostgresDataType] { current.types }
    let bindings: PostgresBindings
    func makeBindings() throws -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}

/// A name per statement text and parameter types, the same on every connection. Their number is
/// small: statements prepared this way take their varying values as parameters.
final class PreparedStatements: @unchecked Sendable {
    private let lock = NSLock()
    private var known: [String: ReusedStatement.Text] = [:]

    /// The statement for `sql` (with `?` placeholders) and these values' types.
    func statement(_ sql: String, _ binds: [SQLValue]) -> ReusedStatement.Text {
        let types: [PostgresDataType] = binds.map {
            switch $0 {
            case .null: .null
            case .int: .int8
            case .double: .float8
            case .text: .text
            case .blob: .bytea
            }
        }
        let key = types.map { String($0.rawValue) }.joined(separator: ",") + "|" + sql
        return lock.withLock {
            if let statement = known[key] { return statement }
            let statement = ReusedStatement.Text(name: "klartekst_\(known.count + 1)", sql: PostgresDatabase.numbered(sql), types: types)
            known[key] = statement
            return statement
        }
    }
}
