import Foundation

/// Finds municipalities by what a citizen types: case, "Kommune", Danish letters written as
/// ae/oe/aa and surrounding spaces do not matter; names that start with the query rank first.
public enum MunicipalitySearch {
    public struct Candidate: Sendable, Equatable {
        public var slug: String
        public var name: String
        public init(slug: String, name: String) {
            self.slug = slug
            self.name = name
        }
    }

    /// Lower-case, Danish letters folded (æ→ae, ø→oe, å→aa), "kommune" and punctuation dropped.
    public static func fold(_ text: String) -> String {
        var s = text.lowercased()
        for (from, to) in [("æ", "ae"), ("ø", "oe"), ("å", "aa"), ("é", "e"), ("ü", "u")] {
            s = s.replacingOccurrences(of: from, with: to)
        }
        s = s.replacingOccurrences(of: "kommune", with: " ")
        let kept = s.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) ? Character($0) : " " }
        return String(kept).split(separator: " ").joined(separator: " ")
    }

    /// Matches for `query`, best first: the exact name, then names starting with it, then names
    /// containing it, each alphabetical. An empty query matches nothing.
    public static func matches(_ query: String, in candidates: [Candidate]) -> [Candidate] {
        let q = fold(query)
        guard !q.isEmpty else { return [] }
        var ranked: [(Int, Candidate)] = []
        for c in candidates {
            let name = fold(c.name)
            let slug = fold(c.slug.replacingOccurrences(of: "-", with: " "))
            if name == q || slug == q {
                ranked.append((0, c))
            } else if name.hasPrefix(q) || name.split(separator: " ").contains(where: { $0.hasPrefix(q) }) {
                ranked.append((1, c))
            } else if name.contains(q) {
                ranked.append((2, c))
            }
        }
        return ranked.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : sortKey($0.1.name) < sortKey($1.1.name) }.map(\.1)
    }

    /// Danish alphabetical order without a collation library: æ, ø, å (and aa) after z.
    public static func sortKey(_ name: String) -> String {
        name.lowercased().replacingOccurrences(of: "aa", with: "\u{7D}").replacingOccurrences(of: "æ", with: "\u{7B}")
            .replacingOccurrences(of: "ø", with: "\u{7C}").replacingOccurrences(of: "å", with: "\u{7D}")
    }

    /// The single municipality the query means, when it is unambiguous (an exact name, or the
    /// only match).
    public static func unique(_ query: String, in candidates: [Candidate]) -> Candidate? {
        let found = matches(query, in: candidates)
        if let first = found.first, fold(first.name) == fold(query) || fold(first.slug) == fold(query) { return first }
        return found.count == 1 ? found[0] : nil
    }
}
