import Foundation
import KlartekstCore

/// Turns an ingested meeting into a parsed one: sections for every item, classification, and
/// duplicate items (same identity twice in one response) reported rather than stored twice.
public enum MeetingParser {
    public static func parse(_ meeting: IngestedMeeting) -> ParsedMeeting {
        var items: [ParsedItem] = []
        var warnings: [String] = []
        var seen: [String: Int] = [:]
        for item in meeting.items {
            let key = item.key(in: meeting)
            if let index = seen[key] {
                if items[index].item.contentHash == item.contentHash {
                    warnings.append("item \(item.number) (\(item.caseNumber ?? "no case number")) appears twice with the same content; stored once")
                } else {
                    warnings.append("item \(item.number) (\(item.caseNumber ?? "no case number")) appears twice with different content; the second copy \"\(item.title)\" was not stored")
                }
                continue
            }
            if item.caseNumber == nil {
                warnings.append("item \(item.number) \"\(item.title)\" has no case number; identified by its item number")
            }
            seen[key] = items.count
            items.append(ParsedItem(item: item, key: key, sections: SectionParser.parse(html: item.html), parserVersion: SectionParser.version))
        }
        var meeting = meeting
        // Minutes published under the agenda's name ("Dagsorden", `Afsluttet: true`) are minutes
        // when the meeting is over and its items carry their own decisions.
        if !meeting.documentKind.isMinutes, meeting.finished,
            items.contains(where: { $0.sections.contains { $0.kind == .decision && $0.committee == nil && !$0.text.isEmpty } })
        {
            meeting.documentKind = meeting.documentKind == .supplementaryAgenda ? .supplementaryMinutes : .minutes
        }
        return ParsedMeeting(meeting: meeting, items: items, warnings: warnings)
    }
}
