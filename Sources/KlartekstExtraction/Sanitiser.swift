import CLibXML2
import Foundation
import KlartekstCore

/// Writes an untrusted subtree as allowlisted HTML (and its plain text alongside). Output is
/// built by us from the parsed tree, never copied from the input: every text is escaped, every
/// attribute is re-validated, and anything unknown is unwrapped or dropped.
enum Sanitiser {
    static func emit(_ node: xmlNodePtr, html: inout HTMLWriter, text: inout TextWriter) {
        if node.isText {
            let t = node.textContent
            html.text(t)
            text.inline(t)
            return
        }
        guard node.isElement else { return }
        var tag = node.tag
        if HTMLPolicy.dropped.contains(tag) { return }
        if tag == "img" {
            html.droppedImage()
            return
        }
        if tag == "br" {
            html.raw("<br>")
            text.lineBreak()
            return
        }
        if HTMLPolicy.headings.contains(tag) { tag = "h4" }
        let isBlock = (HTMLPolicy.blocks.contains(tag) || tag == "h4") && tag != "li"
        if isBlock { text.blockBreak() }
        if tag == "li" {
            text.lineBreak()
            text.inline("• ")
        }
        if tag == "td" || tag == "th" { text.inline(" ") }
        let emitted = HTMLPolicy.allowed.contains(tag)
        if emitted { html.raw(openTag(tag, node)) }
        if !HTMLPolicy.voidElements.contains(tag) {
            for child in node.children { emit(child, html: &html, text: &text) }
            if emitted { html.raw("</\(tag)>") }
        }
        if isBlock { text.blockBreak() }
    }

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
        default: break
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

/// Accumulates sanitised HTML.
struct HTMLWriter {
    private var out = ""
    private var hasContent = false

    mutating func raw(_ s: String) { out += s }

    mutating func text(_ s: String) {
        out += Self.escape(s)
        if !hasContent, s.contains(where: { !$0.isWhitespace }) { hasContent = true }
    }

    mutating func droppedImage() {
        out += "<em>[billede udeladt]</em>"
    }

    func result() -> String {
        guard hasContent else { return "" }
        return Self.tidy(out)
    }

    static func escape(_ s: String) -> String {
        var r = ""
        r.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": r += "&amp;"
            case "<": r += "&lt;"
            case ">": r += "&gt;"
            case "\"": r += "&quot;"
            case "'": r += "&#39;"
            case "\u{00A0}": r += " "
            default: r.unicodeScalars.append(ch)
            }
        }
        return r
    }

    /// Collapses runs of whitespace and removes empty paragraphs left by the word processor.
    static func tidy(_ s: String) -> String {
        var t = s.split(whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\t" }).joined(separator: " ")
        while t.contains("  ") { t = t.replacingOccurrences(of: "  ", with: " ") }
        for empty in ["<p> </p>", "<p></p>", "<li></li>", "<li> </li>"] {
            t = t.replacingOccurrences(of: empty, with: "")
        }
        while t.contains("<br> <br> <br>") { t = t.replacingOccurrences(of: "<br> <br> <br>", with: "<br> <br>") }
        return t.trimmingCharacters(in: .whitespaces)
    }
}

/// Accumulates plain text: blocks separated by a blank line, `<br>` as a line break.
struct TextWriter {
    private var lines: [String] = [""]
    private var pendingBlock = false

    var isEmpty: Bool { lines.allSatisfy { $0.trimmingCharacters(in: .whitespaces).isEmpty } }

    mutating func inline(_ s: String) {
        let t = s.replacingOccurrences(of: "\u{00A0}", with: " ")
        if pendingBlock {
            guard t.contains(where: { !$0.isWhitespace }) else { return }
            lines.append("")
            lines.append("")
            pendingBlock = false
        }
        lines[lines.count - 1] += t
    }

    mutating func lineBreak() { lines.append("") }

    mutating func blockBreak() { pendingBlock = true }

    func result() -> String {
        var out: [String] = []
        var blank = true
        for line in lines {
            let t = collapse(line)
            if t.isEmpty {
                if !blank { out.append("") }
                blank = true
            } else {
                out.append(t)
                blank = false
            }
        }
        while out.last == "" { out.removeLast() }
        return out.joined(separator: "\n")
    }
}
