import Crypto
import Foundation

/// Content hashes used to key derived data (revisions, raw responses, extraction results).
public enum ContentHash {
    /// Lower-case hex SHA-256 of the bytes.
    public static func sha256(_ data: some DataProtocol) -> String {
        hex(SHA256.hash(data: data))
    }

    /// Lower-case hex SHA-256 of the UTF-8 bytes of the string (hashed in place, no copy).
    public static func sha256(_ text: String) -> String {
        var text = text
        return text.withUTF8 { hex(SHA256.hash(data: UnsafeRawBufferPointer($0))) }
    }

    /// Lower-case hex digits of the bytes (every page's ETag: String(format:) per byte was slow).
    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
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
