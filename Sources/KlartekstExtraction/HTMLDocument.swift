import CLibXML2
import Foundation

/// A parsed HTML document (libxml2's HTML parser: never an XML parser, no network, no entity
/// expansion from outside, recovering from broken nesting).
final class HTMLDocument {
    let doc: htmlDocPtr?

    init(html: String) {
        let options = Int32(
            HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue | HTML_PARSE_NONET.rawValue
                | HTML_PARSE_RECOVER.rawValue | HTML_PARSE_COMPACT.rawValue | HTML_PARSE_NODEFDTD.rawValue | HTML_PARSE_IGNORE_ENC.rawValue
        )
        var bytes = Array(html.utf8)
        if bytes.isEmpty { bytes = Array("<div></div>".utf8) }
        doc = bytes.withUnsafeBufferPointer { buf in
            buf.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buf.count) { ptr in
                htmlReadMemory(ptr, Int32(buf.count), nil, "UTF-8", options)
            }
        }
        liftFromVoidElements()
    }

    deinit { if let doc { xmlFreeDoc(doc) } }

    /// Elements that never have content in HTML5. libxml2's parser (HTML 4) makes some of them
    /// containers (`<embed>`, `<source>`, `<track>`, `<wbr>`, `<keygen>`), so the text after one
    /// would become its child and be dropped with it; ``liftFromVoidElements()`` moves such
    /// children back out.
    static let html5Void: Set<String> = [
        "area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta", "param", "source", "track", "wbr",
    ]

    /// Moves every child of a void element to just after it, in order (iteratively: no recursion
    /// limit for deep documents).
    func liftFromVoidElements() {
        guard let doc else { return }
        var stack: [xmlNodePtr] = []
        var n = doc.pointee.children
        while let node = n { stack.append(node); n = node.pointee.next }
        while let node = stack.popLast() {
            guard node.isElement else { continue }
            if Self.html5Void.contains(node.tag) {
                var anchor = node
                while let child = node.pointee.children {
                    xmlUnlinkNode(child)
                    xmlAddNextSibling(anchor, child)
                    anchor = child
                    stack.append(child)
                }
                continue
            }
            var c = node.pointee.children
            while let child = c { stack.append(child); c = child.pointee.next }
        }
    }

    /// The top-level nodes (the implied `<html>` root and anything beside it).
    var topNodes: [xmlNodePtr] {
        guard let doc else { return [] }
        var out: [xmlNodePtr] = []
        var n = doc.pointee.children
        while let node = n {
            out.append(node)
            n = node.pointee.next
        }
        return out
    }
}

extension UnsafeMutablePointer where Pointee == xmlNode {
    var isElement: Bool { pointee.type == XML_ELEMENT_NODE }
    var isText: Bool { pointee.type == XML_TEXT_NODE || pointee.type == XML_CDATA_SECTION_NODE }

    /// Lower-case element name ("" for non-elements).
    var tag: String {
        // libxml2's HTML parser already lower-cases element names.
        guard isElement, let name = pointee.name else { return "" }
        return String(cString: name)
    }

    var textContent: String {
        guard let c = pointee.content else { return "" }
        return String(cString: c)
    }

    var children: [xmlNodePtr] {
        var out: [xmlNodePtr] = []
        var n = pointee.children
        while let node = n {
            out.append(node)
            n = node.pointee.next
        }
        return out
    }

    /// The value of an attribute (case-insensitive name), read without allocation by libxml2.
    func attribute(_ wanted: String) -> String? {
        var a = pointee.properties
        while let attr = a {
            if let name = attr.pointee.name, String(cString: name).lowercased() == wanted {
                var value = ""
                var c = attr.pointee.children
                while let child = c {
                    if let content = child.pointee.content { value += String(cString: content) }
                    c = child.pointee.next
                }
                return value
            }
            a = attr.pointee.next
        }
        return nil
    }

    /// Whether anything a reader would see is below this node (text other than whitespace, or an image).
    var hasVisibleContent: Bool {
        if isText {
            guard let c = pointee.content else { return false }
            return hasVisibleBytes(c)
        }
        guard isElement else { return false }
        let t = tag
        if t == "img" { return true }
        if HTMLPolicy.classOf(t).contains(.dropped) { return false }
        var c = pointee.children
        while let child = c {
            if child.hasVisibleContent { return true }
            c = child.pointee.next
        }
        return false
    }

    /// All text below this node, or nil as soon as it is longer than `limit` bytes.
    func boundedText(limit: Int) -> String? {
        var out = ""
        func visit(_ n: xmlNodePtr) -> Bool {
            if n.isText {
                out += n.textContent
                return out.utf8.count <= limit
            }
            guard n.isElement, !HTMLPolicy.dropped.contains(n.tag) else { return true }
            if n.tag == "br" { out += " " }
            var c = n.pointee.children
            while let child = c {
                if !visit(child) { return false }
                c = child.pointee.next
            }
            return true
        }
        return visit(self) ? out : nil
    }

    /// All text below this node, with no structure.
    var allText: String {
        if isText { return textContent }
        guard isElement else { return "" }
        let t = tag
        if HTMLPolicy.dropped.contains(t) { return "" }
        if t == "br" { return " " }
        return children.map(\.allText).joined()
    }
}
