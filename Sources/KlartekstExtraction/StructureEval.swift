import Foundation
import KlartekstCore

/// The structure corpus (`evals/corpus/`) read and scored: every labelled document parsed as
/// an import would parse it, its headings, decisions, history steps, document kind and words
/// compared with what a reader labelled. `klartekst eval structure` prints the figures; the
/// tests hold them.
public enum StructureEval {
    /// Every document below `root` (`*.json` but the labels), with its `*.labels.json` beside it.
    public static func loadAll(root: URL) throws -> [StructureCorpus.Document] {
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return [] }
        var files: [URL] = []
        for case let url as URL in walker where url.pathExtension == "json" && !url.lastPathComponent.hasSuffix(".labels.json") {
            files.append(url)
        }
        return try files.sorted { $0.path < $1.path }.map { url in
            let labelsURL = url.deletingPathExtension().appendingPathExtension("labels.json")
            let labels = FileManager.default.fileExists(atPath: labelsURL.path) ? try Data(contentsOf: labelsURL) : nil
            let relative = url.path.replacingOccurrences(of: root.path + "/", with: "")
            return try StructureCorpus.document(
                path: relative, data: try Data(contentsOf: url), labels: labels, municipality: url.deletingLastPathComponent().lastPathComponent)
        }
    }

    /// Figures per municipality, and the totals of the documents labelled `dev` and `holdout`.
    public struct Report: Sendable {
        public var municipalities: [StructureCorpus.Figures]
        public var dev: StructureCorpus.Figures
        public var holdout: StructureCorpus.Figures
    }

    public static func run(_ documents: [StructureCorpus.Document]) -> Report {
        var per: [String: StructureCorpus.Figures] = [:]
        var dev = StructureCorpus.Figures(municipality: "dev (tuned on)")
        var holdout = StructureCorpus.Figures(municipality: "holdout (never tuned on)")
        for doc in documents where doc.labels != nil {
            let parsed = MeetingParser.parse(doc.meeting)
            let slug = doc.meeting.municipality
            var f = per[slug] ?? StructureCorpus.Figures(municipality: slug)
            StructureCorpus.score(doc, parsed: parsed, sourceWords: SourceWords.of(html:), headingWords: SourceWords.headings(html:), into: &f)
            per[slug] = f
            if doc.labels?.split == "holdout" {
                StructureCorpus.score(doc, parsed: parsed, sourceWords: SourceWords.of(html:), headingWords: SourceWords.headings(html:), into: &holdout)
            } else {
                StructureCorpus.score(doc, parsed: parsed, sourceWords: SourceWords.of(html:), headingWords: SourceWords.headings(html:), into: &dev)
            }
        }
        return Report(municipalities: per.values.sorted { $0.municipality < $1.municipality }, dev: dev, holdout: holdout)
    }
}

/// The words of an item's HTML as a reader sees them, found without the parser (regular
/// expressions, not libxml2), so that the parser can be checked against them: style, script
/// and comments removed, inline tags joining ("7</span><span>-</span><span>meter" is one
/// word), other tags separating, entities decoded.
public enum SourceWords {
    public static func of(html: String) -> [String] {
        var t = html
        for pattern in [#"(?is)<(style|script|title|head|xml)\b.*?</\1\s*>"#, #"(?s)<!--.*?-->"#] {
            t = t.replacingOccurrences(of: pattern, with: " ", options: .regularExpression)
        }
        t = t.replacingOccurrences(
            of: #"(?i)</?(span|strong|b|i|em|u|sup|sub|a|font|small|big|mark|s|strike)\b[^>]*>"#, with: "", options: .regularExpression)
        t = t.replacingOccurrences(of: #"(?s)<[^>]*>"#, with: " ", options: .regularExpression)
        t = decodeNumeric(t)
        for (e, c) in [("&nbsp;", " "), ("&amp;", "&"), ("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&aelig;", "æ"), ("&oslash;", "ø"), ("&aring;", "å"),
            ("&AElig;", "Æ"), ("&Oslash;", "Ø"), ("&Aring;", "Å"), ("&eacute;", "é"), ("&ndash;", "–"), ("&mdash;", "—")]
        {
            t = t.replacingOccurrences(of: e, with: c)
        }
        return DanishText.words(t).map { $0.lowercased() }
    }

    /// The words of the h1–h6 elements.
    public static func headings(html: String) -> [String] {
        let regex = try! NSRegularExpression(pattern: #"(?is)<h[1-6]\b[^>]*>(.*?)</h[1-6]\s*>"#)
        let ns = html as NSString
        return regex.matches(in: html, range: NSRange(location: 0, length: ns.length)).flatMap { of(html: ns.substring(with: $0.range(at: 1))) }
    }

    static func decodeNumeric(_ s: String) -> String {
        let regex = try! NSRegularExpression(pattern: #"&#(x[0-9a-fA-F]+|\d+);"#)
        let ns = s as NSString
        var out = ""
        var last = 0
        for m in regex.matches(in: s, range: NSRange(location: 0, length: ns.length)) {
            out += ns.substring(with: NSRange(location: last, length: m.range.location - last))
            let code = ns.substring(with: m.range(at: 1))
            let value = code.hasPrefix("x") ? UInt32(code.dropFirst(), radix: 16) : UInt32(code)
            out += value.flatMap(Unicode.Scalar.init).map { String(Character($0)) } ?? " "
            last = m.range.location + m.range.length
        }
        return out + ns.substring(from: last)
    }
}
