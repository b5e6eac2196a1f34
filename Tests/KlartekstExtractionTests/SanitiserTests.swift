import Foundation
import KlartekstCore
import KlartekstExtraction
import Testing

/// Vectors from the OWASP XSS filter evasion cheat sheet, wrapped in a section.
@Suite("Sanitiser against OWASP XSS vectors")
struct SanitiserTests {
    static let vectors: [String] = [
        "<script>alert('XSS')</script>",
        "<SCRIPT SRC=http://xss.rocks/xss.js></SCRIPT>",
        "<IMG SRC=\"javascript:alert('XSS');\">",
        "<IMG SRC=javascript:alert('XSS')>",
        "<IMG SRC=JaVaScRiPt:alert('XSS')>",
        "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
        "<a onmouseover=\"alert(document.cookie)\">xxs link</a>",
        "<IMG \"\"\"><SCRIPT>alert(\"XSS\")</SCRIPT>\"\\>",
        "<IMG SRC=# onmouseover=\"alert('xxs')\">",
        "<IMG SRC=/ onerror=\"alert(String.fromCharCode(88,83,83))\"></img>",
        "<img src=x onerror=\"&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041\">",
        "<a href=\"jav&#x09;ascript:alert('XSS');\">x</a>",
        "<a href=\"jav&#x0A;ascript:alert('XSS');\">x</a>",
        "<a href=\" &#14;  javascript:alert('XSS');\">x</a>",
        "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgnWFNTJyk8L3NjcmlwdD4=\">x</a>",
        "<SCRIPT/XSS SRC=\"http://xss.rocks/xss.js\"></SCRIPT>",
        "<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert(\"XSS\")>",
        "<<SCRIPT>alert(\"XSS\");//\\<</SCRIPT>",
        "<iframe src=http://xss.rocks/scriptlet.html <",
        "<svg/onload=alert('XSS')>",
        "<STYLE>li {list-style-image: url(\"javascript:alert('XSS')\");}</STYLE><UL><LI>XSS</br>",
        "<TABLE BACKGROUND=\"javascript:alert('XSS')\"><TD BACKGROUND=\"javascript:alert('XSS')\">x</TD></TABLE>",
        "<DIV STYLE=\"background-image: url(javascript:alert('XSS'))\">x</DIV>",
        "<DIV STYLE=\"width: expression(alert('XSS'));\">x</DIV>",
        "<META HTTP-EQUIV=\"refresh\" CONTENT=\"0;url=javascript:alert('XSS');\">",
        "<OBJECT TYPE=\"text/x-scriptlet\" DATA=\"http://xss.rocks/scriptlet.html\"></OBJECT>",
        "<EMBED SRC=\"data:image/svg+xml;base64,PHN2ZyB4bWxuczpzdmc9Imh0dH A6Ly93d3cudzMub3JnLzIwMDAvc3ZnIiB4bWxucz0iaHR0cDovL3d3dy53My5vcmcv\" AllowScriptAccess=\"always\"></EMBED>",
        "<BASE HREF=\"javascript:alert('XSS');//\">",
        "<LINK REL=\"stylesheet\" HREF=\"javascript:alert('XSS');\">",
        "<form action=\"javascript:alert(1)\"><button>x</button></form>",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>",
        "<p title=\"</p><script>alert(1)</script>\">x</p>",
        "<!--<script>alert(1)</script>-->",
        "<![CDATA[<script>alert(1)</script>]]>",
        "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>",
    ]

    @Test("no active content survives", arguments: vectors)
    func vector(_ payload: String) {
        let html = "<h3>Sagsfremstilling</h3><span><p>Før</p>\(payload)<p>Efter</p></span>"
        let sections = SectionParser.parse(html: html)
        let out = sections.map(\.html).joined().lowercased()
        for bad in ["<script", "javascript:", "onerror", "onload", "onmouseover", "<iframe", "<img", "<svg", "<style", "style=",
            "<meta", "<object", "<embed", "<base", "<link", "<form", "<math", "data:", "background=", "<body"]
        {
            #expect(!out.contains(bad), "\(bad) survived in \(out)")
        }
        // Attributes only where allowed, tags only from the allowlist.
        let tags = out.matches(of: /<\/?([a-z0-9]+)/).map { String($0.output.1) }
        let allowed: Set<String> = ["p", "br", "ul", "ol", "li", "strong", "b", "em", "i", "u", "sub", "sup", "a", "table", "thead",
            "tbody", "tfoot", "tr", "td", "th", "caption", "blockquote", "pre", "dl", "dt", "dd", "hr", "h3", "h4", "s", "code"]
        #expect(tags.allSatisfy { allowed.contains($0) }, "\(tags)")
        #expect(out.contains("før"))
        // An element left open by the payload (<iframe …, <svg …) may swallow what follows: safe.
        if !payload.contains("<iframe") && !payload.contains("<svg") {
            #expect(out.contains("efter"))
        }
    }

    @Test("safe links keep their target with rel=nofollow; other schemes lose href")
    func links() {
        let html = """
            <h3>Sagsfremstilling</h3><span><p><a href="https://www.retsinformation.dk/eli/lta/2023/1234?x=1&y=2">lov</a>
            <a href="mailto:post@hvidovre.dk">mail</a> <a href="/relativ">rel</a> <a href="vbscript:msgbox">vb</a></p></span>
            """
        let out = SectionParser.parse(html: html)[0].html
        #expect(out.contains("<a href=\"https://www.retsinformation.dk/eli/lta/2023/1234?x=1&amp;y=2\" rel=\"nofollow noopener noreferrer\">lov</a>"))
        #expect(out.contains("href=\"mailto:post@hvidovre.dk\""))
        #expect(out.contains("<a>rel</a>"))
        #expect(out.contains("<a>vb</a>"))
    }

    @Test("text is escaped, tables keep only colspan/rowspan")
    func escaping() {
        let html = "<h3>Økonomi</h3><span><p>5 &lt; 7 &amp; \"citat\" 'x'</p><table><tr><td colspan=\"2\" onclick=\"x()\" style=\"c\">a</td><td rowspan=\"x\">b</td></tr></table></span>"
        let out = SectionParser.parse(html: html)[0].html
        #expect(out.contains("5 &lt; 7 &amp; &quot;citat&quot; &#39;x&#39;"))
        #expect(out.contains("<td colspan=\"2\">a</td><td>b</td>"))
    }
}
