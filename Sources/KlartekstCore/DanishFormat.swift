import Foundation

/// Dates and numbers the Danish way, for everything a citizen reads.
public enum DanishFormat {
    static let months = ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober", "november", "december"]
    static let weekdays = ["søndag", "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag"]

    /// `2026-05-18` → "18. maj 2026"; nil or malformed → nil.
    public static func date(_ iso: String?) -> String? {
        guard let (y, m, d) = parts(iso) else { return nil }
        return "\(d). \(months[m - 1]) \(y)"
    }

    /// `2026-05-18` → "mandag den 18. maj 2026".
    public static func longDate(_ iso: String?) -> String? {
        guard let (y, m, d) = parts(iso), let short = date(iso) else { return nil }
        return "\(weekday(year: y, month: m, day: d)) den \(short)"
    }

    /// `2026-05-18T17:00:00+02:00` → "17.00" (the local time as the portal states it).
    public static func time(_ isoDateTime: String?) -> String? {
        guard let s = isoDateTime, s.count >= 16 else { return nil }
        let chars = Array(s)
        guard chars[10] == "T" || chars[10] == " " else { return nil }
        let hh = String(chars[11...12]), mm = String(chars[14...15])
        guard Int(hh) != nil, Int(mm) != nil, !(hh == "00" && mm == "00") else { return nil }
        return "\(hh).\(mm)"
    }

    /// The calendar day in Denmark at `now`, as `yyyy-MM-dd`.
    public static func isoDay(_ now: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/Copenhagen") ?? .gmt
        let c = calendar.dateComponents([.year, .month, .day], from: now)
        return String(format: "%04d-%02d-%02d", c.year ?? 1970, c.month ?? 1, c.day ?? 1)
    }

    /// 1 → "1 møde", 3 → "3 møder".
    public static func count(_ n: Int, _ singular: String, _ plural: String) -> String {
        "\(integer(n)) \(n == 1 ? singular : plural)"
    }

    /// 32.45 → "32,5" (one decimal, Danish comma; whole numbers without decimals: 32.0 → "32").
    public static func decimal(_ x: Double, digits: Int = 1) -> String {
        let scale = pow(10.0, Double(digits))
        let rounded = (x * scale).rounded() / scale
        if rounded == rounded.rounded() { return integer(Int(rounded)) }
        let whole = Int(rounded.rounded(.towardZero))
        let fraction = Int((abs(rounded - Double(whole)) * scale).rounded())
        let text = String(fraction).count < digits ? String(repeating: "0", count: digits - String(fraction).count) + String(fraction) : String(fraction)
        return (rounded < 0 && whole == 0 ? "-" : "") + integer(whole) + "," + text
    }

    /// 1234567 → "1.234.567".
    public static func integer(_ n: Int) -> String {
        let digits = String(abs(n))
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "." }
            out.append(ch)
        }
        return n < 0 ? "-" + out : out
    }

    static func parts(_ iso: String?) -> (Int, Int, Int)? {
        guard let iso, iso.count >= 10 else { return nil }
        let p = iso.prefix(10).split(separator: "-")
        guard p.count == 3, let y = Int(p[0]), let m = Int(p[1]), let d = Int(p[2]), (1...12).contains(m), (1...31).contains(d) else {
            return nil
        }
        return (y, m, d)
    }

    /// Zeller-style day of week for the Gregorian calendar (0 = Sunday).
    static func weekday(year: Int, month: Int, day: Int) -> String {
        let t = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4]
        let y = month < 3 ? year - 1 : year
        let w = (y + y / 4 - y / 100 + y / 400 + t[month - 1] + day) % 7
        return weekdays[w]
    }
}
