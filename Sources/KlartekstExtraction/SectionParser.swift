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
            if let c = node.pointee.content {
                current.html.text(c)
                current.text.inline(c)
            }
            return
        }
        guard node.isElement else { return }
        let tag = node.tag
        let cls = HTMLPolicy.classOf(tag)
        if cls.contains(.dropped) { return }
        if tag == "img" {
            current.html.droppedImage()
            return
        }
        if tag == "br" {
            current.html.raw("<br>")
            current.text.lineBreak()
            return
        }
        if cls.contains(.heading) {
            heading(node, insideBody: insideBody)
            return
        }
        if let styled = styledHeadingText(node, tag: tag) ?? pseudoHeadingText(node, tag: tag), promote(styled, insideBody: true) { return }
        if cls.contains(.block) {
            current.text.blockBreak()
            Sanitiser.emit(node, html: &current.html, text: &current.text)
            current.text.blockBreak()
            return
        }
        if !cls.contains(.transparent) && cls.contains(.allowed) {
            // Inline formatting in a transparent context (e.g. <u>date</u> in Sagens forløb).
            Sanitiser.emit(node, html: &current.html, text: &current.text)
            return
        }
        let blockish = tag == "div" || tag == "section" || tag == "article" || tag == "center"
        if blockish { current.text.blockBreak() }
        let body = insideBody || tag == "span"
        var c = node.pointee.children
        while let child = c {
            walkTransparent(child, insideBody: body)
            c = child.pointee.next
        }
        if blockish { current.text.blockBreak() }
    }

    /// A real heading element.
    func heading(_ node: xmlNodePtr, insideBody: Bool) {
        let text = collapse(node.allText)
        guard !text.isEmpty else {
            // An empty structural heading (`<h3></h3>`) still ends the section before it: the text
            // after it is not part of the decision above.
            if !insideBody && (!current.text.isEmpty || !current.heading.isEmpty) {
                drafts.append(current)
                current = Draft(heading: "", match: .init(kind: .unknown, supplementary: false))
            }
            return
        }
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
    func styledHeadingText(_ node: xmlNodePtr, tag: String) -> String? {
        guard tag == "p" || tag == "strong" || tag == "b" || tag == "span" || tag == "div", isBold(node, tag: tag),
            let raw = node.boundedText(limit: 160)
        else { return nil }
        let text = collapse(raw)
        guard !text.isEmpty else { return nil }
        return SectionRules.classify(text).kind == .unknown ? nil : text
    }

    /// `<p>Beslutningspunkt:</p>` or `<p>Det indstilles, at</p>`: a paragraph that is only a known
    /// heading ending in a colon (or "…, at"), written as plain text.
    func pseudoHeadingText(_ node: xmlNodePtr, tag: String) -> String? {
        guard tag == "p" || tag == "div", let raw = node.boundedText(limit: 80) else { return nil }
        let text = collapse(raw)
        let lower = text.lowercased()
        let letters = text.filter(\.isLetter)
        let capitals = letters.count >= 4 && letters.allSatisfy(\.isUppercase)  // "SAGENS INDHOLD"
        guard capitals || text.hasSuffix(":") || lower.hasSuffix(", at") || lower.hasSuffix(" at:") else { return nil }
        let kind = SectionRules.classify(text).kind
        // "Det indstilles:" opening the Indstilling section it belongs to stays its first line.
        return kind == .unknown || kind == current.match.kind ? nil : text
    }

    /// Whether all visible text below the node is bold (allocation-free for the common "no").
    func isBold(_ node: xmlNodePtr, tag: String) -> Bool {
        if tag == "strong" || tag == "b" { return true }
        if node.pointee.properties != nil, let style = node.attribute("style") {
            let compact = style.lowercased().filter { $0 != " " }
            if compact.contains("font-weight:bold") || compact.contains("font-weight:700") { return true }
        }
        var sawBold = false
        var c = node.pointee.children
        while let child = c {
            c = child.pointee.next
            if child.isText {
                if child.hasVisibleContent { return false }
                continue
            }
            guard child.isElement else { continue }
            let childTag = child.tag
            if childTag == "br" { continue }
            guard isBold(child, tag: childTag) else { return false }
            sawBold = true
        }
        return sawBold
    }

    func finish() -> [Section] {
        drafts.append(current)
        var sections: [Section] = []
        for d in drafts {
            let text = d.text.result()
            // An untitled lead holding only punctuation (".") is no section.
            if d.heading.isEmpty && !text.contains(where: { $0.isLetter || $0.isNumber }) { continue }
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

/// Collapses runs of whitespace to one space and trims the ends.
func collapse(_ s: String) -> String {
    var out = String.UnicodeScalarView()
    var pendingSpace = false
    for ch in s.unicodeScalars {
        if isSpace(ch) {
            pendingSpace = !out.isEmpty
        } else {
            if pendingSpace { out.append(" ") }
            pendingSpace = false
            out.append(ch)
        }
    }
    return String(out)
}
