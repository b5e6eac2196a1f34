import Foundation
import KlartekstCore

/// Content-addressed files on disk: `ROOT/ab/cdef…` named by sha256. Writes are atomic (a
/// temporary file renamed into place), so a crash never leaves a half-written blob under its name.
public struct FileBlobStore: BlobStore {
    public let root: URL

    public init(root: URL) throws {
        self.root = root
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    func url(_ sha: String) -> URL {
        root.appendingPathComponent(String(sha.prefix(2))).appendingPathComponent(sha)
    }

    @discardableResult
    public func put(_ data: Data) async throws -> String {
        let sha = ContentHash.sha256(data)
        let target = url(sha)
        if FileManager.default.fileExists(atPath: target.path) { return sha }
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temp = target.deletingLastPathComponent().appendingPathComponent(".\(sha).\(UUID().uuidString).tmp")
        try data.write(to: temp)
        do {
            try FileManager.default.moveItem(at: temp, to: target)
        } catch {
            try? FileManager.default.removeItem(at: temp)
            // Another writer put the same content first: fine.
            if !FileManager.default.fileExists(atPath: target.path) { throw error }
        }
        return sha
    }

    public func get(_ sha256: String) async throws -> Data? {
        guard sha256.count == 64, sha256.allSatisfy({ $0.isHexDigit }) else { return nil }
        let u = url(sha256)
        guard FileManager.default.fileExists(atPath: u.path) else { return nil }
        return try Data(contentsOf: u)
    }

    public func localFile(_ sha256: String) async -> URL? {
        guard sha256.count == 64, sha256.allSatisfy({ $0.isHexDigit }) else { return nil }
        let u = url(sha256)
        return FileManager.default.fileExists(atPath: u.path) ? u : nil
    }

    public func contains(_ sha256: String) async -> Bool {
        FileManager.default.fileExists(atPath: url(sha256).path)
    }
}
