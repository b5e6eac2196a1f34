import CLibXML2

/// Facts about the HTML engine, for `klartekst doctor`.
public enum HTMLEngine {
    /// The libxml2 version Klartekst was built against.
    public static var version: String { LIBXML_DOTTED_VERSION }
}

extension HTMLEngine {
    /// Parses and frees a document without walking it: the baseline the section benchmark is
    /// compared with (libxml2's own parse time).
    /// - Returns: the number of top-level nodes, so the work cannot be optimised away.
    public static func parseOnly(_ html: String) -> Int {
        HTMLDocument(html: html).topNodes.count
    }
}
