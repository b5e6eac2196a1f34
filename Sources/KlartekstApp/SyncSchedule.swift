import Foundation

/// When the background sync runs: `daily HH:MM` (local time), `every N h`, `every N m`, or `off`.
public enum SyncSchedule: Equatable, Sendable {
    case off
    case daily(hour: Int, minute: Int)
    case every(seconds: Int)

    public init?(_ text: String) {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        if t == "off" || t == "never" {
            self = .off
            return
        }
        let parts = t.split(separator: " ")
        if parts.count == 2, parts[0] == "daily" {
            let hm = parts[1].split(separator: ":")
            guard hm.count == 2, let h = Int(hm[0]), let m = Int(hm[1]), (0..<24).contains(h), (0..<60).contains(m) else { return nil }
            self = .daily(hour: h, minute: m)
            return
        }
        if parts.count == 3, parts[0] == "every", let n = Int(parts[1]), n > 0 {
            switch parts[2] {
            case "h", "hour", "hours": self = .every(seconds: n * 3600)
            case "m", "min", "minutes": self = .every(seconds: n * 60)
            default: return nil
            }
            return
        }
        return nil
    }

    /// The start of the period `now` is in: the last scheduled run at or before `now` (workers
    /// queue one sync per municipality and period).
    public func period(containing now: Date, calendar: Calendar = .current) -> Date? {
        switch self {
        case .off: return nil
        case .every(let s): return Date(timeIntervalSince1970: (now.timeIntervalSince1970 / Double(s)).rounded(.down) * Double(s))
        case .daily: return next(after: now.addingTimeInterval(-86_400), calendar: calendar)
        }
    }

    /// The next run after `now`.
    public func next(after now: Date, calendar: Calendar = .current) -> Date? {
        switch self {
        case .off: return nil
        case .every(let s): return now.addingTimeInterval(TimeInterval(s))
        case .daily(let h, let m):
            var components = calendar.dateComponents([.year, .month, .day], from: now)
            components.hour = h
            components.minute = m
            guard let today = calendar.date(from: components) else { return nil }
            return today > now ? today : calendar.date(byAdding: .day, value: 1, to: today)
        }
    }
}
