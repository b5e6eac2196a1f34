import CKlartekstFTS

/// Snowball "danish" (libstemmer, the stemmer of our SQLite tokenizer), for one caller at a time.
final class DanishStemmer {
    private let handle: UnsafeMutableRawPointer?
    private var buffer = [CChar](repeating: 0, count: 512)

    init() { handle = klartekst_stemmer_new() }
    deinit { klartekst_stemmer_free(handle) }

    /// The stem of a lower-case word; the word itself when it cannot be stemmed.
    func stem(_ word: String) -> String {
        var word = word
        let capacity = Int32(buffer.count)
        let n = word.withUTF8 { utf8 in
            utf8.withMemoryRebound(to: CChar.self) { chars in
                klartekst_stemmer_stem(handle, chars.baseAddress, Int32(chars.count), &buffer, capacity)
            }
        }
        guard n >= 0 else { return word }
        return buffer.withUnsafeBufferPointer { String(decoding: UnsafeRawBufferPointer($0).prefix(Int(n)), as: UTF8.self) }
    }
}
