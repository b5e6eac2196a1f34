import Foundation

/// Reads the dated entries of "Sagens forløb" and tells where a case stands.
public enum CaseHistory {
    nonisolated(unsafe) private static let entryStart = try! Regex(#"^(\d{1,2})[./-](\d{1,2})[./-](\d{4})\s+(.+)$"#)

    /// Splits plain text lines into entries. Lines starting "Afbud:" end the entries and are
    /// returned separately.
    public static func parse(_ text: String) -> (entries: [CaseHistoryEntry], absences: String?) {
        var entries: [CaseHistoryEntry] = []
        var current: (date: String, body: String, lines: [String])?
        var absences: [String] = []
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
