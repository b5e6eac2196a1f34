import CLibXML2
import Foundation
import KlartekstCore

/// Writes an untrusted subtree as allowlisted HTML (and its plain text alongside). Output is
/// built by us from the parsed tree, never copied from the input: every text is escaped, every
/// attribute is re-validated, and anything unknown is unwrapped or dropped.
enum Sanitiser {
    static func emit(_ node: xmlNodePtr, html: inout HTMLWriter, text: inout TextWriter) {
        if node.isText {
            if let c = node.pointee.content {
                html.text(c)
                text.inline(c)
            }
            return
        }
        guard node.isElement else { return }
        var tag = node.tag
        var cls = HTMLPolicy.classOf(tag)
        if cls.contains(.dropped) { return }
        if tag == "img" {
            html.droppedImage()
            return
        }
        if tag == "br" {
            html.raw("<br>")
            text.lineBreak()
            return
        }
        if cls.contains(.heading) {
            tag = "h4"
            cls = HTMLPolicy.classOf(tag)
        }
        // Word processors leave empty paragraphs (<p><span> </span></p>) everywhere.
        if (tag == "p" || tag == "li" || tag == "h4") && !node.hasVisibleContent { return }
        let isBlock = (cls.contains(.block) || tag == "h4") && tag != "li"
        if isBlock { text.blockBreak() }
        if tag == "li" {
            text.lineBreak()
            text.inline("• ")
        }
        if tag == "td" || tag == "th" { text.inline(" ") }
        // A <div> (or another block wrapper) inside a paragraph or a <span> is still a paragraph of
        // its own: "Det indstilles:" / "At 1) Byrådet …" must not run together.
        if Self.blockWrappers.contains(tag) && node.hasVisibleContent {
            text.blockBreak()
            var c = node.pointee.children
            while let child = c {
                emit(child, html: &html, text: &text)
                c = child.pointee.next
            }
            if node.pointee.next != nil { html.raw("<br>") }
            text.blockBreak()
            return
        }
        let emitted = cls.contains(.allowed)
        if emitted { html.raw(openTag(tag, node)) }
        if !cls.contains(.void) {
            var c = node.pointee.children
            while let child = c {
                emit(child, html: &html, text: &text)
                c = child.pointee.next
            }
            if emitted { html.raw(HTMLPolicy.closeTags[tag] ?? "</\(tag)>") }
        }
        if isBlock { text.blockBreak() }
    }

    static let blockWrappers: Set<String> = ["div", "section", "article", "center", "header", "footer", "aside", "main", "nav"]

    static func openTag(_ tag: String, _ node: xmlNodePtr) -> String {
        var attrs = ""
        switch tag {
        case "a":
            if let href = node.attribute("href").flatMap(safeURL) {
                attrs = " href=\"\(HTMLWriter.escape(href))\" rel=\"nofollow noopener noreferrer\""
            }
        case "td", "th":
            for name in ["colspan", "rowspan"] {
                if let v = node.attribute(name), let n = Int(v.trimmingCharacters(in: .whitespaces)), (1...100).contains(n) {
                    attrs += " \(name)=\"\(n)\""
                }
            }
        case "ol":
            if let t = node.attribute("type"), ["1", "a", "A", "i", "I"].contains(t) { attrs += " type=\"\(t)\"" }
            if let v = node.attribute("start"), let n = Int(v.trimmingCharacters(in: .whitespaces)), (0...100_000).contains(n) {
                attrs += " start=\"\(n)\""
            }
        default: return HTMLPolicy.openTags[tag] ?? "<\(tag)>"
        }
        return "<\(tag)\(attrs)>"
    }

    /// Only absolute http(s) and mailto links survive; control characters and whitespace inside
    /// the scheme (`java\tscript:`) are removed before the scheme is judged.
    static func safeURL(_ raw: String) -> String? {
        let cleaned = String(String.UnicodeScalarView(raw.unicodeScalars.filter { $0.value > 0x20 && $0.value != 0x7F }))
        let lower = cleaned.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://") || lower.hasPrefix("mailto:") else { return nil }
        guard let url = URL(string: cleaned), let scheme = url.scheme?.lowercased(),
            ["http", "https", "mailto"].contains(scheme)
        else { return nil }
        return cleaned
    }
}

