import Foundation
@testable import KlartekstWeb
import Testing

/// `/api/v1/search` writes its JSON itself: byte for byte what JSONEncoder writes for the same
/// body, hostile strings included.
@Suite("Search API JSON")
struct SearchAPIJSONTests {
    static func hit(_ n: Int, _ text: String, date: String?, score: Double) -> SearchAPIResponse.Hit {
        .init(
            title: "Punkt \(n): \(text)", municipality: "lyngby-taarbaek", committee: "Økonomiudvalget", url: "/api/v1/kommune/x/moede/y/punkt/\(n)",
            htmlURL: "/kommune/x/moede/y/punkt/\(n)", kind: "referat", date: date, decided: n % 2 == 0, snippet: "…\(text)…", score: score)
    }

    @Test("the same bytes as JSONEncoder: Danish text, quotes, backslashes, control characters, slashes, emoji, no date, no hits")
    func sameAsEncoder() throws {
        let hostile = [
            "hjemløse borgere i Ærøskøbing", "\"citat\" og \\ bagstreg", "linje\nskift\tog\r\u{8}\u{c}", "\u{1}\u{2}\u{1f}\u{7f}", "</script><b>&amp;",
            "emoji 🏠 og 👩‍👩‍👧", "", "a/b//c",
        ]
        let scores = [0, 1, 0.5, 0.123, 12.0, 1234.567, 0.001, 3.0e-3]
        var bodies: [SearchAPIResponse] = []
        for (n, text) in hostile.enumerated() {
            let hits = (0..<3).map { Self.hit(n * 3 + $0, text, date: $0 == 1 ? nil : "2026-05-18", score: scores[(n + $0) % scores.count]) }
            bodies.append(.init(query: text, total: n * 100, totalIsCapped: n % 2 == 1, matchedAnyWord: n % 3 == 0, page: n + 1, pageSize: 20, results: hits))
        }
        bodies.append(.init(query: "ingen", total: 0, totalIsCapped: false, matchedAnyWord: false, page: 1, pageSize: 20, results: []))
        for body in bodies {
            let expected = APIEncoding.encode(body)
            #expect(body.json == expected)
            #expect(try JSONSerialization.jsonObject(with: Data(body.json.utf8)) is [String: Any])
        }
    }
}

/// A query string read once into its fields (a search reads a dozen), as an HTML form sends them.
@Suite("Form fields")
struct FormFieldsTests {
    @Test("a form's spaces, percent-encoding, repeated and empty fields")
    func decoding() {
        let f = FormFields("q=borgere+beredskab&kommune=k%C3%B8ge&plus=1%2B1&bad=100%zz+x&q=second&empty=&flag&na%20me=v")
        #expect(f["q"] == "borgere beredskab", "+ is a space; the first of a repeated name")
        #expect(f["kommune"] == "køge")
        #expect(f["plus"] == "1+1", "a literal plus arrives as %2B")
        #expect(f["bad"] == "100%zz+x", "not valid percent-encoding: as sent")
        #expect(f["empty"] == "" && f["flag"] == "")
        #expect(f["na me"] == "v", "names are decoded too")
        #expect(f["missing"] == nil)
        #expect(FormFields(nil)["q"] == nil && FormFields("")["q"] == nil)
    }
}
