import Foundation

/// What the item's "Lyt" button reads aloud: the question, the summary, the arguments for and
/// against, and that the text is made automatically. Plain sentences only (no brackets, no
/// citation numbers), each ending in a full stop, so a speech synthesiser pauses between them.
public enum SpokenSummary {
    public static func text(_ s: CitizenSummary) -> String {
        var parts: [String] = []
        if let q = s.question, !q.isEmpty { parts.append(q) }
        if !s.summary.isEmpty { parts.append("Kort fortalt.") }
        parts += s.summary.map(\.text)
        if !s.pros.isEmpty {
            parts.append(s.pros.count == 1 ? "Et argument for." : "Argumenter for.")
            parts += s.pros.map(\.text)
        }
        if !s.cons.isEmpty {
            parts.append(s.cons.count == 1 ? "Et argument imod." : "Argumenter imod.")
            parts += s.cons.map(\.text)
        }
        parts.append("Teksten er lavet automatisk og kan indeholde fejl. Læs sagens egen tekst på siden.")
        return parts.map(sentence).joined(separator: " ")
    }

    static func sentence(_ raw: String) -> String {
        let t = raw.replacingOccurrences(of: "\n", with: " ").trimmingCharacters(in: .whitespaces)
        guard let last = t.last else { return "" }
        return ".!?:".contains(last) ? t : t + "."
    }
}
