import CLibXML2

/// Facts about the HTML engine, for `klartekst doctor`.
public enum HTMLEngine {
    /// The libxml2 version Klartekst was built against.
    public static var version: String { LIBXML_DOTTED_VERSION }
}
