import Foundation

/// The labelled structure corpus (`evals/corpus/`, see its README): real documents from many
/// municipalities and what a careful reader sees in them. Pure: the caller reads the files.
public enum StructureCorpus {
    public struct Labels: Sendable, Decodable {
        public struct Source: Sendable, Decodable {
            public var repository: String?
            public var path: String?
            public var licence: String?
            public var url: String?
            public var note: String?
        }
        public struct Heading: Sendable, Decodable {
            public var heading: String
            public var kind: String
        }
        public struct Decision: Sendable, Decodable {
            public var body: String?
            public var date: String?
            public var outcome: String
            public var split: Bool?
        }
        public struct Step: Sendable, Decodable {
            public var date: String?
            public var body: String?
            public var outcome: String?
        }
        public struct Item: Sendable, Decodable {
            public var number: String
            public var headings: [Heading]?
            public var decision: Decision?
            public var history: [Step]?
        }
        public var source: Source?
        public var municipality: String
        public var documentKind: String?
        /// "dev" (the default: rules may be tuned on it) or "holdout" (never tuned on).
        public var split: String?
        public var items: [Item]
    }

    /// The neutral corpus form, for sources other than First Agenda.
    struct Neutral: Decodable {
        struct Item: Decodable {
            var number: String
            var caseNumber: String?
            var title: String?
            var isOpen: Bool?
            var html: String?
        }
        var committee: String?
        var date: String?
        var documentName: String?
        var finished: Bool?
        var items: [Item]
    }

    /// One document with its labels.
    public struct Document: Sendable {
        public var path: String
        public var meeting: IngestedMeeting
        public var labels: Labels?
    }

    public struct CorpusError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Decodes one document (First Agenda response or the neutral form) and its labels.
    public static func document(path: String, data: Data, labels: Data?, municipality fallback: String) throws -> Document {
        let decodedLabels = try labels.map { d -> Labels in
            do { return try JSONDecoder().decode(Labels.self, from: d) } catch {
                throw CorpusError(description: "\(path): the labels do not parse: \(error)")
            }
        }
        let municipality = decodedLabels?.municipality ?? fallback
        if let neutral = try? JSONDecoder().decode(Neutral.self, from: data) {
            let items = neutral.items.enumerated().map { i, it in
                IngestedItem(number: it.number, sorting: i + 1, caseNumber: it.caseNumber, title: it.title ?? "Punkt \(it.number)",
                    isOpen: it.isOpen ?? true, html: it.html ?? "", attachments: [])
            }
            let kind = DocumentKind.from(name: neutral.documentName, finished: neutral.finished ?? false)
            let meeting = IngestedMeeting(municipality: municipality, committeeName: neutral.committee ?? "Ukendt udvalg", date: neutral.date,
                documentKind: kind, documentName: neutral.documentName ?? "Dagsorden", finished: neutral.finished ?? false, items: items)
            return Document(path: path, meeting: meeting, labels: decodedLabels)
        }
        do {
            let payload = try FirstAgendaMapper.decode(data)
            let meeting = FirstAgendaMapper.meeting(from: payload, context: .init(municipality: municipality))
            return Document(path: path, meeting: meeting, labels: decodedLabels)
        } catch {
            throw CorpusError(description: "\(path): neither a First Agenda response nor the corpus form: \(error)")
        }
    }

    /// What the parser got right in one municipality's documents.
    public struct Figures: Sendable, Equatable {
        public var municipality: String
        public var headings = (right: 0, total: 0)
        public var steps = (right: 0, total: 0)
        public var outcomes = (right: 0, total: 0)
        public var kinds = (right: 0, total: 0)
        public var words = (kept: 0, total: 0)
        public var misses: [String] = []

        public init(municipality: String) { self.municipality = municipality }

        public static func == (a: Figures, b: Figures) -> Bool {
            a.municipality == b.municipality && a.headings == b.headings && a.steps == b.steps && a.outcomes == b.outcomes
                && a.kinds == b.kinds && a.words == b.words
        }

        static func percent(_ p: (Int, Int)) -> String {
            p.1 == 0 ? "–" : String(format: "%.1f %%", 100 * Double(p.0) / Double(p.1))
        }

        public var line: String {
            "\(municipality): headings \(Self.percent(headings)) of \(headings.total) · history steps \(Self.percent(steps)) of \(steps.total) · outcomes \(Self.percent(outcomes)) of \(outcomes.total) · document kind \(Self.percent(kinds)) of \(kinds.total) · words conserved \(Self.percent((words.kept, words.total)))"
        }
    }

    /// The words of `source` that `parsed` holds fewer times, with how many are missing.
    /// Counted, not aligned (an aligned check counts everything after one lost word as lost);
    /// words in `exempt` (heading words: a heading that only wraps others is not repeated as a
    /// section) are not counted.
    public static func lostWords(source: [String], parsed: [String], exempt: Set<String> = []) -> [(word: String, missing: Int)] {
        var count: [String: Int] = [:]
        for w in source { count[w, default: 0] += 1 }
        for w in parsed { count[w, default: 0] -= 1 }
        return count.filter { $0.value > 0 && !exempt.contains($0.key) }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// The words of parsed sections, headings included, lower case.
    public static func words(of sections: [Section]) -> [String] {
        sections.flatMap { DanishText.words($0.heading + "\n" + $0.text) }.map { $0.lowercased() }
    }

    /// Scores parsed items against the labels.
    /// - Parameters:
    ///   - sourceWords: the words of an item's HTML found without the parser.
    ///   - headingWords: the words of its heading elements.
    public static func score(
        _ doc: Document, parsed: ParsedMeeting, sourceWords: (String) -> [String], headingWords: (String) -> [String], into f: inout Figures
    ) {
        guard let labels = doc.labels else { return }
        if let kind = labels.documentKind {
            f.kinds.total += 1
            let isMinutes = parsed.meeting.documentKind.isMinutes
            if (kind == "minutes") == isMinutes { f.kinds.right += 1 } else { f.misses.append("\(doc.path): document kind \(parsed.meeting.documentKind.rawValue), labelled \(kind)") }
        }
        for label in labels.items {
            guard let item = parsed.items.first(where: { $0.item.number == label.number }) else {
                f.misses.append("\(doc.path) item \(label.number): not found")
                continue
            }
            for h in label.headings ?? [] {
                f.headings.total += 1
                let want = SectionRules.normalise(h.heading)
                if item.sections.contains(where: { SectionRules.normalise($0.heading) == want && $0.kind.rawValue == h.kind }) {
                    f.headings.right += 1
                } else {
                    let got = item.sections.first { SectionRules.normalise($0.heading) == want }.map(\.kind.rawValue) ?? "no section"
                    f.misses.append("\(doc.path) item \(label.number): heading \"\(h.heading)\" → \(got), labelled \(h.kind)")
                }
            }
            if let d = label.decision {
                f.outcomes.total += 1
                let got = DecisionOutcome.parse(DecisionComparison.ownDecision(item.sections))
                if got.rawValue == d.outcome { f.outcomes.right += 1 } else { f.misses.append("\(doc.path) item \(label.number): outcome \(got.rawValue), labelled \(d.outcome)") }
            }
            let steps = CaseHistory.steps(of: item.sections)
            for s in label.history ?? [] {
                f.steps.total += 1
                if steps.contains(where: { $0.date == s.date && (s.outcome == nil || $0.outcome.rawValue == s.outcome) }) {
                    f.steps.right += 1
                } else {
                    f.misses.append("\(doc.path) item \(label.number): history step \(s.date ?? "?") \(s.body ?? "") \(s.outcome ?? "") not parsed")
                }
            }
            let source = sourceWords(item.item.html)
            let lost = lostWords(source: source, parsed: words(of: item.sections), exempt: Set(headingWords(item.item.html)))
            let missing = lost.reduce(0) { $0 + $1.missing }
            f.words.total += source.count
            f.words.kept += source.count - missing
            if missing > 0 {
                f.misses.append("\(doc.path) item \(label.number): \(missing) words lost: \(lost.prefix(8).map { "\($0.word)×\($0.missing)" }.joined(separator: " "))")
            }
        }
    }
}
