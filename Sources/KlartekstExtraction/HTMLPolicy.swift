/// The sanitiser's allowlist. Anything not named here is unwrapped (its text kept) or, for the
/// dropped set, removed with everything inside it.
enum HTMLPolicy {
    /// Removed with their content: active content, embedded documents, forms, metadata, media.
    static let dropped: Set<String> = [
        "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "title", "meta",
        "head", "noscript", "template", "svg", "math", "form", "input", "button", "textarea", "select",
        "option", "link", "base", "audio", "video", "canvas", "picture", "source", "track", "param",
        "xml", "noembed", "noframes", "portal", "dialog",
    ]

    /// Wrappers with no meaning of their own: walked through, never emitted.
    static let transparent: Set<String> = [
        "html", "body", "div", "span", "font", "section", "article", "main", "center", "header",
        "footer", "aside", "nav", "o:p", "label", "small", "big", "ins", "abbr", "cite", "time",
    ]

    /// Block elements emitted (sanitised) as a whole into the current section.
    static let blocks: Set<String> = [
        "p", "ul", "ol", "li", "table", "blockquote", "pre", "dl", "dt", "dd", "hr",
        "thead", "tbody", "tfoot", "tr", "td", "th", "caption",
    ]

    /// Elements that may appear in sanitised output.
    static let allowed: Set<String> = [
        "p", "br", "ul", "ol", "li", "strong", "b", "em", "i", "u", "sub", "sup", "a", "table",
        "thead", "tbody", "tfoot", "tr", "td", "th", "caption", "blockquote", "pre", "dl", "dt", "dd",
        "hr", "h3", "h4", "s", "code",
    ]

    static let voidElements: Set<String> = ["br", "hr", "img", "meta", "link", "input", "col", "area", "wbr", "base"]

    static let headings: Set<String> = ["h1", "h2", "h3", "h4", "h5", "h6"]
}

/// The policy sets folded into one lookup per node.
struct TagClass: OptionSet {
    let rawValue: UInt16
    static let dropped = TagClass(rawValue: 1 << 0)
    static let transparent = TagClass(rawValue: 1 << 1)
    static let block = TagClass(rawValue: 1 << 2)
    static let allowed = TagClass(rawValue: 1 << 3)
    static let void = TagClass(rawValue: 1 << 4)
    static let heading = TagClass(rawValue: 1 << 5)
}

extension HTMLPolicy {
    static let classes: [String: TagClass] = {
        var map: [String: TagClass] = [:]
        for t in dropped { map[t, default: []].insert(.dropped) }
        for t in transparent { map[t, default: []].insert(.transparent) }
        for t in blocks { map[t, default: []].insert(.block) }
        for t in allowed { map[t, default: []].insert(.allowed) }
        for t in voidElements { map[t, default: []].insert(.void) }
        for t in headings { map[t, default: []].insert(.heading) }
        return map
    }()

    @inline(__always) static func classOf(_ tag: String) -> TagClass { classes[tag] ?? [] }
}

extension HTMLPolicy {
    static let openTags: [String: String] = Dictionary(uniqueKeysWithValues: allowed.map { ($0, "<\($0)>") })
    static let closeTags: [String: String] = Dictionary(uniqueKeysWithValues: allowed.map { ($0, "</\($0)>") })
}
