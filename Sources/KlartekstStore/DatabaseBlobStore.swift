import Foundation
import KlartekstCore

/// Content-addressed blobs (portal responses, PDFs) in the database itself (`blobs.path =
/// database`): with PostgreSQL, workers on several machines then share nothing but the database —
/// no shared folder to mount. Tools that read files get a copy in a small per-process cache.
public final class DatabaseBlobStore: BlobStore, @unchecked Sendable {
    let db: any SQLDatabase
    let cache: FileBlobStore
    let cacheLimit: Int
    let lock = NSLock()

    public init(store: SQLStore, cacheDirectory: URL? = nil, cacheLimit: Int = 64) throws {
        self.db = store.db
        self.cache = try FileBlobStore(
            root: cacheDirectory ?? FileManager.default.temporaryDirectory.appendingPathComponent("klartekst-blobs-\(ProcessInfo.processInfo.processIdentifier)"))
        self.cacheLimit = max(1, cacheLimit)
    }

    @discardableResult
    public func put(_ data: Data) async throws -> String {
        let sha = ContentHash.sha256(data)
        try await db.transaction { exec in
            try await exec.execute(
                "INSERT INTO blob (sha256, size, bytes) VALUES (?, ?, ?) ON CONFLICT (sha256) DO NOTHING", .text(sha), .int(Int64(data.count)),
                .blob([UInt8](data)))
        }
        return sha
    }

    public func get(_ sha256: String) async throws -> Data? {
        guard sha256.count == 64, sha256.allSatisfy({ $0.isHexDigit }) else { return nil }
        return try await db.read { exec in
            guard let row = try await exec.one("SELECT bytes FROM blob WHERE sha256 = ?", .text(sha256)) else { return nil }
            if case .blob(let bytes) = row["bytes"] { return Data(bytes) }
            return nil
        }
    }

    public func contains(_ sha256: String) async -> Bool {
        (try? await db.read { exec in try await exec.one("SELECT 1 AS x FROM blob WHERE sha256 = ?", .text(sha256)) != nil }) ?? false
    }

    public func localFile(_ sha256: String) async -> URL? {
        if let cached = await cache.localFile(sha256) { return cached }
        guard let data = try? await get(sha256), (try? await cache.put(data)) != nil else { return nil }
        trimCache(keeping: sha256)
        return await cache.localFile(sha256)
    }

    /// Keeps the newest `cacheLimit` files of the cache.
    func trimCache(keeping sha: String) {
        lock.lock()
        defer { lock.unlock() }
        let fm = FileManager.default
        guard let dirs = try? fm.contentsOfDirectory(at: cache.root, includingPropertiesForKeys: nil) else { return }
        var files: [(URL, Date)] = []
        for d in dirs {
            for f in (try? fm.contentsOfDirectory(at: d, includingPropertiesForKeys: [.contentModificationDateKey])) ?? [] where f.lastPathComponent != sha {
                files.append((f, (try? f.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate) ?? .distantPast))
            }
        }
        guard files.count >= cacheLimit else { return }
        for (f, _) in files.sorted(by: { $0.1 < $1.1 }).prefix(files.count - cacheLimit + 1) { try? fm.removeItem(at: f) }
    }
}
