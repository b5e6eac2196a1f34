import Foundation
import KlartekstCore
@testable import KlartekstStore
import KlartekstTestSupport
import Testing

/// PostgreSQL's snippets: HitSnippet with Snowball's Danish stemmer (libstemmer), on Danish text.
@Suite("Search snippets")
struct HitSnippetTests {
    static func snippet(_ tsquery: String, _ text: String) -> String {
        let stemmer = DanishStemmer()
        return HitSnippet(tsquery: tsquery).make(text, stem: stemmer.stem)
    }

    /// A word as PostgreSQL's `danish` configuration puts it in a tsquery (the same Snowball stemmer).
    static func lexeme(_ word: String) -> String { "'\(DanishStemmer().stem(word))'" }

    static func marked(_ s: String) -> [String] {
        s.matches(of: /\u{1}([^\u{2}]*)\u{2}/).map { String($0.output.1) }
    }

    @Test("the stemmer stems as the index does, and stems are prefixes of their words")
    func stemmer() {
        let stemmer = DanishStemmer()
        #expect(stemmer.stem("hjemløse") == "hjemløs")
        #expect(stemmer.stem("hjemløshed") == "hjemløs")
        #expect(stemmer.stem("borgere") == "borg")
        for word in ["kommunalbestyrelsen", "ældreboligerne", "vigtigst", "flokke", "udvalgets", "løst", "beslutningerne", "fodbold"] {
            #expect(word.hasPrefix(stemmer.stem(word)), "\(word) → \(stemmer.stem(word))")
        }
    }

    @Test("inflections and capitals are marked, only they; the text is one line")
    func marks() {
        let text = "Byrådet vedtog i 2025 en plan.\n\nHjemløse borgere skal have en bolig, og hjemløsheden skal ned. Hjemmet er ikke nævnt."
        let s = Self.snippet(Self.lexeme("hjemløse"), text)
        #expect(Self.marked(s) == ["Hjemløse", "hjemløsheden"], "\(s)")
        #expect(!s.contains("\n") && !s.contains("  "))
        #expect(s.hasPrefix("Byrådet vedtog"), "a short text is shown from its start: \(s)")
        // Æ, Ø, Å as capitals, and a prefix query.
        let danish = Self.snippet("\(Self.lexeme("ældreboliger")) & 'energi':*", "ÆLDREBOLIGER og Ældreboligen får nyt Energiforbrug, energi og ENERGIMÆRKE.")
        #expect(Self.marked(danish) == ["ÆLDREBOLIGER", "Ældreboligen", "Energiforbrug", "energi", "ENERGIMÆRKE"], "\(danish)")
    }

    @Test("a long text: the words around the first match, a second fragment for another word, … where text is left out")
    func fragments() {
        let filler = (1...60).map { "ord\($0)" }.joined(separator: " ")
        let s = Self.snippet("\(Self.lexeme("budgettet")) & \(Self.lexeme("stadion"))", "\(filler) budgettet for \(filler) stadion nu \(filler)")
        #expect(Self.marked(s) == ["budgettet", "stadion"], "\(s)")
        #expect(s.hasPrefix("…") && s.hasSuffix("…"))
        #expect(s.components(separatedBy: "…").count - 1 == 4, "two fragments, each cut at both ends: \(s)")
        #expect(s.split(separator: " ").count <= 24 + 2, "about 24 words: \(s)")
        // No match in the text (the title matched): its first words.
        let none = Self.snippet(Self.lexeme("stadion"), filler)
        #expect(Self.marked(none).isEmpty && none.hasPrefix("ord1 ord2") && none.hasSuffix("…"))
        #expect(Self.snippet(Self.lexeme("stadion"), "").isEmpty)
    }

    @Test("reading stops once the snippet is known, and the snippet is the one of reading every word (real Danish texts)")
    func readsOnlyWhatItNeeds() throws {
        let stemmer = DanishStemmer()
        let kolding = try String(contentsOf: Fixtures.testFixture("documents/kolding-initiativkatalog-scan-p4-6.expected.txt"), encoding: .utf8)
        let hvidovre = try Fixtures.hvidovreItemSections().flatMap { $0.sections.map(\.text) }.joined(separator: "\n")
        var compared = 0
        for text in [kolding, hvidovre] {
            let words = text.split(whereSeparator: { !$0.isLetter }).map { $0.lowercased() }.filter { $0.count > 3 }
            #expect(words.count > 500, "a long text")
            // Single words from all over the text, pairs of an early and a late word, prefixes, and no match.
            var queries = stride(from: 0, to: words.count, by: 37).map { Self.lexeme(words[$0]) }
            queries += stride(from: 0, to: words.count / 2, by: 53).map { "\(Self.lexeme(words[$0])) & \(Self.lexeme(words[words.count - 1 - $0]))" }
            queries += stride(from: 5, to: words.count, by: 97).map { "'\(words[$0].prefix(4))':*" }
            queries += ["'zzzzqx'", "\(Self.lexeme(words[3])) & 'zzzzqx'"]
            for q in queries {
                let snippet = HitSnippet(tsquery: q)
                #expect(snippet.make(text, stem: stemmer.stem) == snippet.make(text, stem: stemmer.stem, readAll: true), "\(q)")
                compared += 1
            }
        }
        #expect(compared > 100)
    }

    @Test("marks in the source text are dropped, never doubled")
    func hostile() {
        let s = Self.snippet(Self.lexeme("budget"), "\u{1}falsk\u{2} budget \u{1}")
        #expect(Self.marked(s) == ["budget"], "\(s)")
        #expect(s.unicodeScalars.filter { $0 == "\u{1}" }.count == 1)
    }
}
