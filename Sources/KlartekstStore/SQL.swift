import Foundation

/// A value bound to or read from SQL, the same on SQLite and PostgreSQL.
public enum SQLValue: Sendable, Equatable {
    case null
    case int(Int64)
    case double(Double)
    case text(String)
    case blob([UInt8])
}

extension SQLValue {
    init(_ s: String?) { self = s.map { .text($0) } ?? .null }
    init(_ i: Int?) { self = i.map { .int(Int64($0)) } ?? .null }
    init(_ b: Bool) { self = .int(b ? 1 : 0) }
    init(_ d: Double?) { self = d.map { .double($0) } ?? .null }
}

/// One result row, by lower-case column name. The names are the statement's, shared by all its
/// rows; a row holds only its values (no dictionary per row: a search reads hundreds of rows).
public struct SQLRow: Sendable {
    /// A statement's column names, in order.
    public final class Columns: Sendable {
        public let names: [String]
        public init(_ names: [String]) { self.names = names }
        func index(_ name: String) -> Int? {
            for i in names.indices.reversed() where names[i] == name { return i }  // a repeated name: the last, as before
            return nil
        }
    }

    public private(set) var columns: Columns
    public private(set) var cells: [SQLValue]

    public init(columns: Columns, cells: [SQLValue]) {
        precondition(columns.names.count == cells.count, "a row needs one value per column")
        self.columns = columns
        self.cells = cells
    }

    public init(values: [String: SQLValue]) {
        let names = values.keys.sorted()
        self.init(columns: Columns(names), cells: names.map { values[$0]! })
    }

    /// The value of `column`; setting a column the row lacks adds it.
    public subscript(column: String) -> SQLValue? {
        get { columns.index(column).map { cells[$0] } }
        set {
            let value = newValue ?? .null
            if let i = columns.index(column) {
                cells[i] = value
            } else {
                columns = Columns(columns.names + [column])
                cells.append(value)
            }
        }
    }

    /// Every column with its value.
    public var values: [String: SQLValue] {
        Dictionary(zip(columns.names, cells), uniquingKeysWith: { a, _ in a })
    }

    public func string(_ column: String) -> String? {
        switch self[column] {
        case .text(let s): return s
        case .int(let i): return String(i)
        case .double(let d): return String(d)
        default: return nil
        }
    }

    public func int(_ column: String) -> Int? {
        switch self[column] {
        case .int(let i): return Int(i)
        case .double(let d): return Int(d)
        case .text(let s): return Int(s)
        default: return nil
        }
    }

    public func bool(_ column: String) -> Bool { (int(column) ?? 0) != 0 }

    public func double(_ column: String) -> Double? {
        switch self[column] {
        case .double(let d): return d
        case .int(let i): return Double(i)
        case .text(let s): return Double(s)
        default: return nil
        }
    }
}

public enum SQLDialect: Sendable {
    case sqlite, postgres

    /// A migration statement for this dialect: `{SQLITE}` / `{POSTGRES}` at the start limits a
    /// statement to one backend (nil: skip it here).
    func statement(_ sql: String) -> String? {
        let trimmed = sql.trimmingCharacters(in: .whitespacesAndNewlines)
        for (tag, dialect) in [("{SQLITE}", SQLDialect.sqlite), ("{POSTGRES}", .postgres)] where trimmed.hasPrefix(tag) {
            return dialect == self ? ddl(String(trimmed.dropFirst(tag.count))) : nil
        }
        return ddl(sql)
    }

    /// Replaces the portable DDL tokens used in migrations.
    func ddl(_ sql: String) -> String {
        switch self {
        case .sqlite:
            return sql.replacingOccurrences(of: "{PK}", with: "INTEGER PRIMARY KEY AUTOINCREMENT")
                .replacingOccurrences(of: "{INT}", with: "INTEGER")
                .replacingOccurrences(of: "{BLOB}", with: "BLOB")
                .replacingOccurrences(of: "{REAL}", with: "REAL")
        case .postgres:
            return sql.replacingOccurrences(of: "{PK}", with: "BIGSERIAL PRIMARY KEY")
                .replacingOccurrences(of: "{INT}", with: "BIGINT")
                .replacingOccurrences(of: "{BLOB}", with: "BYTEA")
                .replacingOccurrences(of: "{REAL}", with: "DOUBLE PRECISION")
        }
    }
}

/// Runs statements with `?` placeholders.
public protocol SQLExecutor: Sendable {
    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow]
    func execute(_ sql: String, _ binds: [SQLValue]) async throws
    /// A read run very often with other values, whose best plan does not depend on them: on
    /// PostgreSQL it stays prepared on each connection with one plan made without the values (a
    /// generic plan), so it is neither parsed nor planned again (about 1 ms of a 3 ms search); on
    /// SQLite it stays compiled on each connection. For statements of a fixed text only (values as
    /// parameters): every text is kept. In a transaction the same as ``query(_:_:)``.
    func queryReusingPlan(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow]

    /// Runs `body` with statements that go one after another on one connection, in one read (one
    /// snapshot), without a hand-over per statement: SQLite's relevance window is up to four
    /// short statements. SQLite only (on its reader's queue, so no caller's thread waits on it);
    /// elsewhere it throws.
    func batch<T: Sendable>(_ body: @escaping @Sendable (any SQLBatch) throws -> T) async throws -> T
}

/// Statements run synchronously inside ``SQLExecutor/batch(_:)``; kept compiled.
public protocol SQLBatch {
    func query(_ sql: String, _ binds: [SQLValue]) throws -> [SQLRow]
}

extension SQLExecutor {
    public func queryReusingPlan(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] { try await query(sql, binds) }
    public func batch<T: Sendable>(_ body: @escaping @Sendable (any SQLBatch) throws -> T) async throws -> T {
        throw StoreError("this database runs no synchronous batches")
    }
}

extension SQLExecutor {
    func query(_ sql: String, _ binds: SQLValue...) async throws -> [SQLRow] { try await query(sql, binds) }
    func execute(_ sql: String, _ binds: SQLValue...) async throws { try await execute(sql, binds) }
    func one(_ sql: String, _ binds: SQLValue...) async throws -> SQLRow? { try await query(sql, binds).first }
}

/// A database driver: reads outside transactions, writes inside one.
public protocol SQLDatabase: Sendable {
    var dialect: SQLDialect { get }
    /// Runs `body` with an executor for reads.
    func read<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T
    /// Runs `body` in one transaction; any error rolls everything back.
    func transaction<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T
    /// Runs `body` holding a database-wide lock that serialises migrations across processes.
    func withMigrationLock<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T
    func close() async
}

/// A database error with the statement that failed.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
