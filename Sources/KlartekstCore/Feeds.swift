import Foundation

/// One entry of an Atom or RSS feed.
public struct FeedEntry: Sendable, Equatable {
    public var id: String
    public var title: String
    public var url: String
    /// `yyyy-MM-dd` (the meeting day), or "" when unknown.
    public var date: String
    public var summary: String
    public var category: String

    public init(id: String, title: String, url: String, date: String, summary: String, category: String) {
        self.id = id
        self.title = title
        self.url = url
        self.date = date
        self.summary = summary
        self.category = category
    }
}

/// Atom 1.0 and RSS 2.0 for feed readers and newsrooms; every text is XML-escaped.
public enum Feeds {
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            // Characters XML 1.0 forbids (control characters from PDFs) are dropped.
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                if scalar.value >= 0x20 && !(0xFFFE...0xFFFF).contains(scalar.value) { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }

    static func rfc3339(_ day: String) -> String { day.count == 10 ? "\(day)T00:00:00Z" : "1970-01-01T00:00:00Z" }

    static func rfc822(_ day: String) -> String {
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard let (y, m, d) = DanishFormat.parts(day) else { return "Thu, 01 Jan 1970 00:00:00 GMT" }
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let w = (SearchRanking.dayNumber(day).map { (($0 % 7) + 11) % 7 } ?? 4)
        return String(format: "%@, %02d %@ %04d 00:00:00 GMT", days[w], d, months[m - 1], y)
    }

    public static func atom(title: String, id: String, selfURL: String, siteURL: String, entries: [FeedEntry]) -> String {
        let updated = rfc3339(entries.map(\.date).max() ?? "")
        var x = """
            <?xml version="1.0" encoding="utf-8"?>
            <feed xmlns="http://www.w3.org/2005/Atom" xml:lang="da">
            <title>\(escape(title))</title>
            <id>\(escape(id))</id>
            <link rel="self" type="application/atom+xml" href="\(escape(selfURL))"/>
            <link rel="alternate" type="text/html" href="\(escape(siteURL))"/>
            <updated>\(updated)</updated>
            <author><name>Klartekst</name></author>
            <generator>Klartekst</generator>

            """
        for e in entries {
            x += """
                <entry>
                <title>\(escape(e.title))</title>
                <id>\(escape(e.id))</id>
                <link rel="alternate" type="text/html" href="\(escape(e.url))"/>
                <updated>\(rfc3339(e.date))</updated>
                <category term="\(escape(e.category))"/>
                <summary type="text">\(escape(e.summary))</summary>
                </entry>

                """
        }
        return x + "</feed>\n"
    }

    public static func rss(title: String, selfURL: String, siteURL: String, entries: [FeedEntry]) -> String {
        var x = """
            <?xml version="1.0" encoding="utf-8"?>
            <rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
            <channel>
            <title>\(escape(title))</title>
            <link>\(escape(siteURL))</link>
            <atom:link href="\(escape(selfURL))" rel="self" type="application/rss+xml"/>
            <description>\(escape(title)) – fra Klartekst</description>
            <language>da</language>

            """
        for e in entries {
            x += """
                <item>
                <title>\(escape(e.title))</title>
                <link>\(escape(e.url))</link>
                <guid isPermaLink="false">\(escape(e.id))</guid>
                <pubDate>\(rfc822(e.date))</pubDate>
                <category>\(escape(e.category))</category>
                <description>\(escape(e.summary))</description>
                </item>

                """
        }
        return x + "</channel>\n</rss>\n"
    }
}

/// One meeting in a calendar.
public struct CalendarEvent: Sendable, Equatable {
    public var uid: String
    /// `yyyy-MM-dd`.
    public var date: String
    /// The start as the portal gives it (`2026-05-18T17:00:00+02:00`), when known.
    public var startsAt: String?
    public var summary: String
    public var location: String?
    public var url: String
    public var description: String

    public init(uid: String, date: String, startsAt: String?, summary: String, location: String?, url: String, description: String) {
        self.uid = uid
        self.date = date
        self.startsAt = startsAt
        self.summary = summary
        self.location = location
        self.url = url
        self.description = description
    }
}

/// iCalendar (RFC 5545) for calendar apps: CRLF lines folded at 75 octets, text escaped,
/// times in UTC; a meeting without a time is an all-day event.
public enum ICalendar {
    public static func render(name: String, events: [CalendarEvent], stamp: Date) -> String {
        var lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Klartekst//Kommunale møder//DA", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
                     "X-WR-CALNAME:" + text(name), "X-WR-TIMEZONE:Europe/Copenhagen"]
        let dtstamp = utc(stamp)
        for e in events {
            lines += ["BEGIN:VEVENT", "UID:" + text(e.uid), "DTSTAMP:" + dtstamp]
            if let start = e.startsAt.flatMap(parse) {
                lines += ["DTSTART:" + utc(start), "DURATION:PT2H"]
            } else if e.date.count == 10 {
                lines += ["DTSTART;VALUE=DATE:" + e.date.replacingOccurrences(of: "-", with: "")]
            } else {
                continue
            }
            lines += ["SUMMARY:" + text(e.summary), "URL:" + e.url, "DESCRIPTION:" + text(e.description)]
            if let l = e.location, !l.isEmpty { lines.append("LOCATION:" + text(l)) }
            lines.append("END:VEVENT")
        }
        lines.append("END:VCALENDAR")
        return lines.map(fold).joined(separator: "\r\n") + "\r\n"
    }

    static func text(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: ";", with: "\\;").replacingOccurrences(of: ",", with: "\\,")
            .replacingOccurrences(of: "\r\n", with: "\\n").replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\r", with: "")
    }

    /// Lines longer than 75 octets continue on the next line after a space (never inside a character).
    static func fold(_ line: String) -> String {
        var out = ""
        var count = 0
        for ch in line {
            let n = String(ch).utf8.count
            if count + n > 75 {
                out += "\r\n "
                count = 1
            }
            out.append(ch)
            count += n
        }
        return out
    }

    static func parse(_ iso: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.date(from: iso)
    }

    static func utc(_ d: Date) -> String {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "UTC") ?? .gmt
        let p = c.dateComponents([.year, .month, .day, .hour, .minute, .second], from: d)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", p.year ?? 1970, p.month ?? 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0)
    }
}
