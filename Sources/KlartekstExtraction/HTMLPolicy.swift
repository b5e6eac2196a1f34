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
