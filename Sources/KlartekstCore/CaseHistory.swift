import Foundation

/// Reads the dated entries of "Sagens forløb" and tells where a case stands.
public enum CaseHistory {
    nonisolated(unsafe) private static let entryStart = try! Regex(#"^(\d{1,2})[./-](\d{1,2})[./-](\d{4})\s+(.+)$"#)

    nonisolated(unsafe) private static let labelled = try! Regex(#"^(udvalg|dato|punktnummer|punkt|mødedato|møde|behandlet i|behandling)\s*:\s*(.*)$"#).ignoresCase()

    /// Splits plain text lines into entries, in every format seen: `17/11/2025 Direktionen` with
    /// the text below (or on the same line), and `Udvalg: Magistraten` / `Dato: 02-09-2025` /
    /// `Punktnummer: 3` blocks. Lines starting "Afbud:" end the entries and are returned
    /// separately. Lines the parser cannot place stay in the section's text (see ``covers(_:)``).
    public static func parse(_ text: String) -> (entries: [CaseHistoryEntry], absences: String?) {
        var entries: [CaseHistoryEntry] = []
        var current: (date: String, body: String, lines: [String])?
        var absences: [String] = []
        var pendingBody: String?
        func flush() {
            if let c = current {
                entries.append(CaseHistoryEntry(date: c.date, body: c.body, text: c.lines.joined(separator: " ")))
            }
            current = nil
        }
        for raw in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            if line.lowercased().hasPrefix("afbud") || line.lowercased().hasPrefix("fraværende") {
                flush()
                absences.append(line)
                continue
            }
            if let m = try? labelled.wholeMatch(in: line) {
                let label = String(m.output[1].substring ?? "").lowercased()
                let value = String(m.output[2].substring ?? "").trimmingCharacters(in: .whitespaces)
                switch label {
                case "udvalg", "møde", "behandlet i", "behandling":
                    flush()
                    pendingBody = value
                    continue
                case "dato", "mødedato":
                    if let date = SectionRules.parseDanishDate(String(value.prefix(10))) {
                        flush()
                        current = (date, pendingBody ?? "", [])
                        pendingBody = nil
                        continue
                    }
                default:
                    if current != nil { continue }  // "Punktnummer: 3" belongs to the step's heading
                }
            }
            if let m = try? entryStart.wholeMatch(in: line),
                let date = SectionRules.isoDate(
                    day: String(m.output[1].substring ?? ""), month: String(m.output[2].substring ?? ""),
                    year: String(m.output[3].substring ?? ""))
            {
                flush()
                current = (date, String(m.output[4].substring ?? "").trimmingCharacters(in: .whitespaces), [])
            } else if current != nil {
                current!.lines.append(line)
            } else if !absences.isEmpty {
                absences.append(line)
            }
        }
        flush()
        return (entries, absences.isEmpty ? nil : absences.joined(separator: " "))
    }

    /// Whether the parsed entries (and absences) hold every word of the section's text, so the
    /// page may show the steps instead of the text. Otherwise the text is shown as it is.
    public static func covers(_ section: Section) -> Bool {
        guard !section.entries.isEmpty else { return false }
        var pool: [String: Int] = [:]
        for e in section.entries {
            for w in DanishText.words(e.body + " " + e.text) { pool[w.lowercased(), default: 0] += 1 }
        }
        for w in DanishText.words(section.text) {
            let k = w.lowercased()
            if k.contains(where: \.isNumber) && k.count >= 8 { continue }  // the dates, shown reformatted
            if let n = pool[k], n > 0 { pool[k] = n - 1 } else if !["udvalg", "dato", "punktnummer", "punkt", "mødedato"].contains(k) && !k.allSatisfy(\.isNumber) { return false }
        }
        return true
    }

    /// One step of a case's way through committees, from "Sagens forløb" or a
    /// "Beslutning i <udvalg> den <dato>" section.
    public struct Step: Sendable, Equatable, Codable {
        public var date: String?
        public var body: String
        public var text: String
        public var outcome: DecisionOutcome
    }

    /// All known steps of an item, oldest first.
    public static func steps(of sections: [Section]) -> [Step] {
        var steps: [Step] = []
        for s in sections {
            if s.kind == .caseHistory {
                steps += s.entries.map { Step(date: $0.date, body: $0.body, text: $0.text, outcome: $0.outcome) }
            } else if s.kind == .decision, let committee = s.committee {
                steps.append(Step(date: s.date, body: committee, text: s.text, outcome: DecisionOutcome.parse(s.text)))
            }
        }
        var seen = Set<String>()
        steps = steps.filter { seen.insert("\($0.date ?? "")|\($0.body)|\($0.text)").inserted }
        return steps.enumerated().sorted { a, b in
            switch (a.element.date, b.element.date) {
            case let (x?, y?) where x != y: return x < y
            default: return a.offset < b.offset
            }
        }.map(\.element)
    }
}
