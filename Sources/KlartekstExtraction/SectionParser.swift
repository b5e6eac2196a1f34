import CLibXML2
import Foundation
import KlartekstCore

/// Splits an item's case text (`Felter[].Html`) into ordered, classified sections with plain
/// text and sanitised HTML.
///
/// Structure comes from the document, not from heading levels: a heading that is not inside a
/// section's body (no `<span>` ancestor) always starts a section; a heading inside a body starts
/// one only when the rules know it (Kalundborg's inner `<h2>Indstillinger</h2>`), otherwise it
/// stays a sub-heading of its section (Hvidovre's "Om Grenhusene").
///
/// ```swift
/// let sections = SectionParser.parse(html: item.html)
/// ```
public enum SectionParser {
    /// Version of the parser and rules together; stored with each revision.
    public static var version: Int { SectionRules.version }

    public static func parse(html: String) -> [Section] {
        let doc = HTMLDocument(html: html)
        let walker = Walker()
        for node in doc.topNodes { walker.walkTransparent(node, insideBody: false) }
        return walker.finish()
    }
}

private final class Draft {
    var heading: String
    var match: SectionRules.Match
    var html = HTMLWriter()
    var text = TextWriter()

    init(heading: String, match: SectionRules.Match) {
        self.heading = heading
        self.match = match
    }
}

private final class Walker {
    var drafts: [Draft] = []
    var current = Draft(heading: "", match: .init(kind: .unknown, supplementary: false))

    func walkTransparent(_ node: xmlNodePtr, insideBody: Bool) {
        if node.isText {
            let t = node.textContent
            current.html.text(t)
            current.text.inline(t)
            return
        }
        guard node.isElement else { return }
        let tag = node.tag
        if HTMLPolicy.dropped.contains(tag) { return }
        if tag == "img" {
            current.html.droppedImage()
            return
        }
        if tag == "br" {
            current.html.raw("<br>")
            current.text.lineBreak()
            return
        }
        if HTMLPolicy.headings.contains(tag) {
            heading(node, insideBody: insideBody)
            return
        }
        if let styled = styledHeadingText(node), promote(styled, insideBody: true) { return }
        if HTMLPolicy.blocks.contains(tag) {
            current.text.blockBreak()
            Sanitiser.emit(node, html: &current.html, text: &current.text)
            current.text.blockBreak()
            return
        }
        if !HTMLPolicy.transparent.contains(tag) && HTMLPolicy.allowed.contains(tag) {
            // Inline formatting in a transparent context (e.g. <u>date</u> in Sagens forløb).
            Sanitiser.emit(node, html: &current.html, text: &current.text)
            return
        }
        let blockish = tag == "div" || tag == "section" || tag == "article" || tag == "center"
        if blockish { current.text.blockBreak() }
        let body = insideBody || tag == "span"
        for child in node.children { walkTransparent(child, insideBody: body) }
        if blockish { current.text.blockBreak() }
    }

    /// A real heading element.
    func heading(_ node: xmlNodePtr, insideBody: Bool) {
        let text = collapse(node.allText)
        guard !text.isEmpty else { return }
        if promote(text, insideBody: insideBody) { return }
        current.html.raw("<h4>")
        current.html.text(text)
        current.html.raw("</h4>")
        current.text.blockBreak()
        current.text.inline(text)
        current.text.blockBreak()
    }

    /// Starts a new section if the heading is structural (outside a body) or known to the rules.
    func promote(_ heading: String, insideBody: Bool) -> Bool {
        let match = SectionRules.classify(heading)
        if insideBody && match.kind == .unknown { return false }
        let previous = current
        if insideBody && previous.text.isEmpty && !previous.heading.isEmpty {
            // An outer heading whose body starts straight with known sections is only a wrapper.
        } else {
            drafts.append(previous)
        }
        current = Draft(heading: heading, match: match)
        return true
    }

    /// `<p><strong>Indstilling</strong></p>` or `<span style="font-weight:bold">…`: a styled
    /// heading, recognised only when the rules know its text.
    func styledHeadingText(_ node: xmlNodePtr) -> String? {
        let tag = node.tag
        guard ["p", "strong", "b", "span", "div"].contains(tag), let raw = node.boundedText(limit: 160) else { return nil }
        let text = collapse(raw)
        guard !text.isEmpty, text.count <= 80, isBold(node) else { return nil }
        return SectionRules.classify(text).kind == .unknown ? nil : text
    }

    func isBold(_ node: xmlNodePtr) -> Bool {
        let tag = node.tag
        if tag == "strong" || tag == "b" { return true }
        if let style = node.attribute("style")?.lowercased().replacingOccurrences(of: " ", with: ""),
            style.contains("font-weight:bold") || style.contains("font-weight:700")
        {
            return true
        }
        // Every non-empty child must itself be bold.
        let significant = node.children.filter { !($0.isText && collapse($0.textContent).isEmpty) && $0.tag != "br" }
        guard !significant.isEmpty else { return false }
        return significant.allSatisfy { $0.isElement && isBold($0) }
    }

    func finish() -> [Section] {
        drafts.append(current)
        var sections: [Section] = []
        for d in drafts {
            let text = d.text.result()
            if d.heading.isEmpty && text.isEmpty { continue }
            var section = Section(
                ordinal: 0, heading: d.heading, kind: d.match.kind, supplementary: d.match.supplementary,
                revisedOn: d.match.revisedOn, committee: d.match.committee, date: d.match.date,
                text: text, html: d.html.result()
            )
            if section.kind == .caseHistory {
                let parsed = CaseHistory.parse(text)
                section.entries = parsed.entries
                if let absences = parsed.absences {
                    section.text = text.split(separator: "\n", omittingEmptySubsequences: false)
                        .filter { !$0.lowercased().hasPrefix("afbud") && !$0.lowercased().hasPrefix("fraværende") }
                        .joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
                    sections.append(section)
                    let escaped = HTMLWriter.escape(absences)
                    sections.append(Section(ordinal: 0, heading: "Afbud", kind: .absence, text: absences, html: "<p>\(escaped)</p>"))
                    continue
                }
            }
            sections.append(section)
        }
        for i in sections.indices { sections[i].ordinal = i + 1 }
        return sections
    }
}

func collapse(_ s: String) -> String {
    s.split(whereSeparator: { $0.isWhitespace || $0 == "\u{00A0}" }).joined(separator: " ")
}
