import Foundation

/// Turns Danish names into URL-safe, stable slugs: "Økonomiudvalget" → "oekonomiudvalget",
/// "26/1172" → "26-1172". Letters æ, ø, å are spelled out the Danish way (ae, oe, aa).
public enum Slug {
    public static func make(_ text: String) -> String {
        var out = ""
        var lastWasDash = true
        for scalar in text.lowercased().unicodeScalars {
            let mapped: String
            switch scalar {
            case "æ": mapped = "ae"
            case "ø": mapped = "oe"
            case "å": mapped = "aa"
            case "é", "è", "ê", "ë": mapped = "e"
            case "ü": mapped = "u"
            case "ö": mapped = "oe"
            case "ä": mapped = "ae"
            default:
                if (scalar >= "a" && scalar <= "z") || (scalar >= "0" && scalar <= "9") {
                    mapped = String(scalar)
                } else {
                    mapped = "-"
                }
            }
            if mapped == "-" {
                if !lastWasDash { out += "-" }
                lastWasDash = true
            } else {
                out += mapped
                lastWasDash = false
            }
        }
        while out.hasSuffix("-") { out.removeLast() }
        return out
    }
}
