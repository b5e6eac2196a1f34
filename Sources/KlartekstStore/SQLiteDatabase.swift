import CKlartekstFTS
import Foundation
import GRDB

/// SQLite through GRDB: one file, WAL, one writer at a time. Transactions span async calls, so
/// they are serialised by an async lock and opened with `BEGIN IMMEDIATE` (which also waits for
/// writers in other processes, up to the busy timeout).
public final class SQLiteDatabase: SQLDatabase {
    public let dialect = SQLDialect.sqlite
    let pool: DatabasePool
    let writeLock = AsyncLock()

    /// Opens (creating if needed) the database file at `path`.
    public init(path: String) throws {
        var config = Configuration()
        config.allowsUnsafeTransactions = true
        config.busyMode = .timeout(30)
        config.foreignKeysEnabled = true
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // Reads through a memory map (up to SQLite's compile-time cap, 2 GB on Debian) instead of
            // a read() system call and a copy per page, plus a 16 MB page cache per connection: the
            // search index is read page by page on every query.
            try db.execute(sql: "PRAGMA mmap_size = 2147418112")
            try db.execute(sql: "PRAGMA cache_size = -16384")
            // The Danish search tokenizer must exist on every connection that touches search_fts.
            let rc = klartekst_fts_register(db.sqliteConnection)
            guard rc == 0 else { throw StoreError("cannot register the klartekst_danish search tokenizer (SQLite error \(rc))") }
        }
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        pool = try DatabasePool(path: path, configuration: config)
    }

    public func read<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        try await body(Reader(pool: pool))
    }

    public func transaction<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        try await writeLock.withLock {
            let writer = Writer(pool: pool)
            try await writer.execute("BEGIN IMMEDIATE", [])
            do {
                let value = try await body(writer)
                try await writer.execute("COMMIT", [])
                return value
            } catch {
                try? await writer.execute("ROLLBACK", [])
                throw error
            }
        }
    }

    public func withMigrationLock<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        try await transaction(body)
    }

    public func close() async {
        try? pool.close()
    }

    struct Reader: SQLExecutor {
        let pool: DatabasePool
        func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
            let args = SQLiteDatabase.arguments(binds)
            return try await pool.read { db in try SQLiteDatabase.fetch(db, sql, args) }
        }
        /// The statement stays compiled on each reader connection (GRDB's statement cache).
        func queryReusingPlan(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
            let args = SQLiteDatabase.arguments(binds)
            return try await pool.read { db in try SQLiteDatabase.fetch(db, sql, args, cached: true) }
        }
        /// One read on a reader's queue for all of `body`'s statements: a hand-over to the queue
        /// and back costs 0.1–0.2 ms, more than a short statement. Not on the caller's thread: a
        /// statement that runs long must not hold up the tasks that share it.
        func batch<T: Sendable>(_ body: @escaping @Sendable (any SQLBatch) throws -> T) async throws -> T {
            try await pool.read { db in try body(Batch(db: db)) }
        }
        func execute(_ sql: String, _ binds: [SQLValue]) async throws {
            throw StoreError("write outside a transaction: \(sql.prefix(60))")
        }
    }

    struct Writer: SQLExecutor {
        let pool: DatabasePool
        func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
            let args = SQLiteDatabase.arguments(binds)
            return try await pool.writeWithoutTransaction { db in try SQLiteDatabase.fetch(db, sql, args) }
        }
        func execute(_ sql: String, _ binds: [SQLValue]) async throws {
            let args = SQLiteDatabase.arguments(binds)
            try await pool.writeWithoutTransaction { db in try db.execute(sql: sql, arguments: args) }
        }
    }

    static func arguments(_ binds: [SQLValue]) -> StatementArguments {
        StatementArguments(binds.map { v -> (any DatabaseValueConvertible)? in
            switch v {
            case .null: return nil
            case .int(let i): return i
            case .double(let d): return d
            case .text(let s): return s
            case .blob(let b): return Data(b)
            }
        })
    }

    struct Batch: SQLBatch {
        let db: Database
        func query(_ sql: String, _ binds: [SQLValue]) throws -> [SQLRow] {
            try SQLiteDatabase.fetch(db, sql, SQLiteDatabase.arguments(binds), cached: true)
        }
    }

    static func fetch(_ db: Database, _ sql: String, _ args: StatementArguments, cached: Bool = false) throws -> [SQLRow] {
        let statement = try cached ? db.cachedStatement(sql: sql) : db.makeStatement(sql: sql)
        // Column names once per statement, not once per row; values straight from the statement.
        let columns = SQLRow.Columns(statement.columnNames.map { $0.lowercased() })
        let count = CInt(columns.names.count)
        let cursor = try Row.fetchCursor(statement, arguments: args)
        var out: [SQLRow] = []
        while try cursor.next() != nil {
            var cells: [SQLValue] = []
            cells.reserveCapacity(Int(count))
            for i in 0..<count {
                switch DatabaseValue(sqliteStatement: statement.sqliteStatement, index: i).storage {
                case .null: cells.append(.null)
                case .int64(let v): cells.append(.int(v))
                case .double(let v): cells.append(.double(v))
                case .string(let v): cells.append(.text(v))
                case .blob(let v): cells.append(.blob([UInt8](v)))
                }
            }
            out.append(SQLRow(columns: columns, cells: cells))
        }
        return out
    }
}

/// A FIFO async mutual-exclusion lock.
actor AsyncLock {
    private var locked = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func withLock<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        await acquire()
        do {
            let v = try await body()
            release()
            return v
        } catch {
            release()
            throw error
        }
    }

    private func acquire() async {
        if !locked {
            locked = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    private func release() {
        if waiters.isEmpty {
            locked = false
        } else {
            waiters.removeFirst().resume()
        }
    }
}
