import Foundation
import KlartekstCore

/// Paths and loaders for the real portal responses bundled in `sample/`.
public enum Fixtures {
    /// The package root, found from this file's location.
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static var sampleDirectory: URL { root.appendingPathComponent("sample") }

    public static var hvidovreAgendaURL: URL {
        sampleDirectory.appendingPathComponent("firstagenda/hvidovre/agenda-oekonomiudvalget-2026-05-18.json")
    }

    public static var kalundborgItemURL: URL {
        sampleDirectory.appendingPathComponent("firstagenda/kalundborg/item-25-008999.json")
    }

    public static func data(_ url: URL) throws -> Data { try Data(contentsOf: url) }

    /// A file under `Tests/Fixtures`.
    public static func testFixture(_ path: String) -> URL {
        root.appendingPathComponent("Tests/Fixtures").appendingPathComponent(path)
    }

    public static func hvidovreAgenda() throws -> FirstAgenda.AgendaResponse {
        guard case .agenda(let a) = try FirstAgendaMapper.decode(data(hvidovreAgendaURL)) else {
            throw FirstAgendaMapper.DecodeError(description: "fixture is not an agenda")
        }
        return a
    }

    public static func kalundborgItem() throws -> FirstAgenda.Item {
        guard case .item(let i) = try FirstAgendaMapper.decode(data(kalundborgItemURL)) else {
            throw FirstAgendaMapper.DecodeError(description: "fixture is not an item")
        }
        return i
    }

    /// The Hvidovre agenda as the ingestion format.
    public static func hvidovreMeeting() throws -> IngestedMeeting {
        FirstAgendaMapper.meeting(from: .agenda(try hvidovreAgenda()), context: .init(municipality: "hvidovre"))
    }

    /// The Kalundborg item as a one-item meeting.
    public static func kalundborgMeeting() throws -> IngestedMeeting {
        FirstAgendaMapper.meeting(from: .item(try kalundborgItem()), context: .init(municipality: "kalundborg"))
    }

    /// A temporary directory removed by the caller.
    public static func temporaryDirectory(_ label: String = "klartekst") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

import KlartekstExtraction

extension Fixtures {
    /// The Kalundborg item's sections.
    public static func kalundborgSections() throws -> [Section] {
        SectionParser.parse(html: try kalundborgMeeting().items[0].html)
    }
}

extension Fixtures {
    /// Every Hvidovre item with its parsed sections.
    public static func hvidovreItemSections() throws -> [(number: String, title: String, sections: [Section])] {
        try hvidovreMeeting().items.map { ($0.number, $0.title, SectionParser.parse(html: $0.html)) }
    }
}
