import Crypto
import Foundation

/// Content hashes used to key derived data (revisions, raw responses, extraction results).
public enum ContentHash {
    /// Lower-case hex SHA-256 of the bytes.
    public static func sha256(_ data: some DataProtocol) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    /// Lower-case hex SHA-256 of the UTF-8 bytes of the string.
    public static func sha256(_ text: String) -> String {
        sha256(Data(text.utf8))
    }

    /// Hash of an ordered list of fields, unambiguous however the fields themselves look.
    public static func sha256(fields: [String]) -> String {
        var data = Data()
        for field in fields {
            let bytes = Data(field.utf8)
            withUnsafeBytes(of: UInt64(bytes.count).littleEndian) { data.append(contentsOf: $0) }
            data.append(bytes)
        }
        return sha256(data)
    }
}
