import Foundation
import Synchronization

/// The rules that classify section headings across municipal variants. They are data: a table
/// of patterns matched against the whole normalised heading (lower case, collapsed spaces, no
/// trailing colon, with a leading date and "Supplerende" taken off first). Add a variant by
/// adding a row; the tests run every rule over every fixture item.
public struct SectionRule: Sendable {
    public var kind: SectionKind
    /// A regular expression matched against the whole normalised heading.
    public var pattern: String

    public init(_ kind: SectionKind, _ pattern: String) {
        self.kind = kind
        self.pattern = pattern
    }
}

public enum SectionRules {
    /// Bump when a change to the rules or the HTML parser changes sections; stored with every
    /// revision so that stale sections are rebuilt.
    public static let version = 2

    public static let table: [SectionRule] = [
        .init(.decision, #"beslutning(?: (?:i|fra) (?<committee>.+?) (?:den|d\.) (?<date>\d{1,2}[-./]\d{1,2}[-./]\d{4}))?"#),
        .init(.decision, #"(?:udvalgets|byrådets|kommunalbestyrelsens|byrådet|udvalget) beslutning|beslutninger"#),
        .init(.summary, #"resum[eé](?: og sagens baggrund)?|beslutningstema|sagens baggrund|kort om sagen|sammenfatning|baggrund og formål"#),
        .init(.recommendation, #"(?:[a-zæøå]+s )?indstilling(?:er)?(?: fra .+| til .+)?|(?:forvaltningen|administrationen|direktionen|direktøren|kommunaldirektøren|magistraten|borgmesteren|[a-zæøå]+forvaltningen) indstiller(?:, at| at)?|det indstilles(?:, at| at)?|beslutningspunkt(?:er)?|forslag til beslutning|indstilling og beslutning"#),
        .init(.caseText, #"sagsfremstilling|sagsbeskrivelse|sagens indhold|sagen|beskrivelse af sagen|vurdering|redegørelse|baggrund|præsentation|sagens fakta|analyse|begrundelse|konklusion|uddybning"#),
        .init(.economy, #"økonomiske? (?:og administrative )?konsekvenser|økonomi(?: og finansiering)?|bevillingsmæssige konsekvenser|finansiering"#),
        .init(.legalBasis, #"retsgrundlag|lovgrundlag|lovhjemmel|juridiske forhold|hjemmel"#),
        .init(.hearing, #"høring(?:ssvar)?(?: og inddragelse)?|inddragelse|borgerinddragelse"#),
        .init(.climate, #"(?:klima|miljø)[-,a-zæøå ]*konsekvenser|klima(?:-| og | & )?miljø.*|klima(?: og| &) bæredygtighed|bæredygtighed|klima|miljøvurdering"#),
        .init(.health, #"sundhedsmæssige konsekvenser"#),
        .init(.staff, #"personalemæssige konsekvenser|personale"#),
        .init(.policy, #"politiske beslutninger(?: og aftaler)?|politisk(?:e)? aftaler"#),
        .init(.process, #"behandling|videre behandling|proces og tidsplan|videre proces|proces|tidsplan|kommunikation|det videre forløb|opfølgning|implementering"#),
        .init(.caseHistory, #"sagens forløb|sagsforløb|tidligere behandling|tidligere beslutninger|(?:[-a-zæøå ]{1,60} )?påtegning(?:er)?"#),
        .init(.absence, #"afbud|fraværende|fravær"#),
        .init(.attachments, #"bilag|bilagsliste"#),
    ]

    /// A classified heading.
    public struct Match: Sendable, Equatable {
        public var kind: SectionKind
        public var supplementary: Bool
        public var revisedOn: String?
        public var committee: String?
        public var date: String?

        public init(kind: SectionKind, supplementary: Bool = false, revisedOn: String? = nil, committee: String? = nil, date: String? = nil) {
            self.kind = kind
            self.supplementary = supplementary
            self.revisedOn = revisedOn
            self.committee = committee
            self.date = date
        }
    }

    nonisolated(unsafe) private static let compiled: [(SectionKind, Regex<AnyRegexOutput>)] = table.map {
        ($0.kind, try! Regex("^(?:\($0.pattern))$").ignoresCase())
    }
    nonisolated(unsafe) private static let datePrefix = try! Regex(#"^(\d{1,2})[./-](\d{1,2})[./-](\d{4})\s+"#)

    private static let cache = Mutex<[String: Match]>([:])

    /// Classifies a heading; unknown headings come back as `.unknown`, never dropped. Results are
    /// cached (headings repeat across items), up to a bound.
    public static func classify(_ heading: String) -> Match {
        if let hit = cache.withLock({ $0[heading] }) { return hit }
        let match = classifyUncached(heading)
        cache.withLock { c in
            if c.count > 50_000 { c.removeAll(keepingCapacity: true) }
            c[heading] = match
        }
        return match
    }

    static func classifyUncached(_ heading: String) -> Match {
        var h = normalise(heading)
        var revisedOn: String?
        if let m = try? datePrefix.firstMatch(in: h) {
            revisedOn = isoDate(day: String(m.output[1].substring ?? ""), month: String(m.output[2].substring ?? ""), year: String(m.output[3].substring ?? ""))
            h = String(h[m.range.upperBound...])
        }
        var supplementary = false
        for prefix in ["supplerende ", "supplement til ", "tillæg til ", "tillæg: "] where h.hasPrefix(prefix) {
            supplementary = true
            h = String(h.dropFirst(prefix.count))
        }
        if h == "supplerende sagsfremstilling" || h == "supplerende" { supplementary = true; h = "sagsfremstilling" }
        for (kind, regex) in compiled {
            guard let m = try? regex.wholeMatch(in: h) else { continue }
            var committee: String?
            var date: String?
            if kind == .decision {
                if let c = m.output["committee"]?.substring { committee = originalCase(String(c), in: heading) }
                if let d = m.output["date"]?.substring { date = parseDanishDate(String(d)) }
            }
            return Match(kind: kind, supplementary: supplementary, revisedOn: revisedOn, committee: committee, date: date)
        }
        return Match(kind: .unknown, supplementary: supplementary, revisedOn: revisedOn, committee: nil, date: nil)
    }

    /// Lower case, single spaces, no trailing colon or full stop.
    public static func normalise(_ heading: String) -> String {
        var h = collapseWhitespace(heading).lowercased()
        while let last = h.last, last == ":" || last == "." || last == "," || last == " " { h.removeLast() }
        return h
    }

    /// Runs of whitespace (no-break space included) become one space; ends trimmed.
    public static func collapseWhitespace(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        var pending = false
        for ch in s.unicodeScalars {
            if ch.properties.isWhitespace || ch == "\u{00A0}" {
                pending = !out.isEmpty
            } else {
                if pending { out.append(" ") }
                pending = false
                out.append(ch)
            }
        }
        return String(out)
    }

    /// `16-03-2026`, `16.03.2026` or `16/3/2026` → `2026-03-16`.
    public static func parseDanishDate(_ s: String) -> String? {
        let parts = s.split(whereSeparator: { $0 == "-" || $0 == "." || $0 == "/" })
        guard parts.count == 3 else { return nil }
        return isoDate(day: String(parts[0]), month: String(parts[1]), year: String(parts[2]))
    }

    static func isoDate(day: String, month: String, year: String) -> String? {
        guard let d = Int(day), let m = Int(month), let y = Int(year), (1...31).contains(d), (1...12).contains(m),
            (1900...2200).contains(y)
        else { return nil }
        return String(format: "%04d-%02d-%02d", y, m, d)
    }

    /// Finds `lowered` in `original` ignoring case, to keep the committee's own spelling.
    static func originalCase(_ lowered: String, in original: String) -> String {
        let collapsed = original.replacingOccurrences(of: "\u{00A0}", with: " ")
            .split(whereSeparator: \.isWhitespace).joined(separator: " ")
        if let r = collapsed.range(of: lowered, options: .caseInsensitive) { return String(collapsed[r]) }
        return lowered
    }
}
