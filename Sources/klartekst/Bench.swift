import ArgumentParser
import Foundation
import KlartekstCore
import KlartekstExtraction

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks (run on a release build).",
        subcommands: [BenchSections.self])
}

struct BenchSections: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sections", abstract: "Parse an agenda's items into sections repeatedly on one core; prints items/s.")
    @Option(help: "An agenda response.") var file: String = "sample/firstagenda/hvidovre/agenda-oekonomiudvalget-2026-05-18.json"
    @Option(help: "Seconds to run.") var seconds: Double = 5

    func run() async throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: file))
        guard case .agenda(let agenda) = try FirstAgendaMapper.decode(data) else { throw ValidationError("\(file) is not an agenda") }
        let meeting = FirstAgendaMapper.meeting(from: .agenda(agenda), context: .init(municipality: "bench"))
        let htmlBytes = meeting.items.reduce(0) { $0 + $1.html.utf8.count }
        // Warm up (also fills the heading cache as a long-running process would).
        _ = MeetingParser.parse(meeting)
        let clock = ContinuousClock()
        let start = clock.now
        var items = 0
        var sections = 0
        while clock.now - start < .seconds(seconds) {
            let parsed = MeetingParser.parse(meeting)
            items += parsed.items.count
            sections += parsed.items.reduce(0) { $0 + $1.sections.count }
        }
        let elapsed = clock.now - start
        let s = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print(String(format: "items: %d in %.2f s → %.0f items/s, %.0f sections/s, %.1f MB/s of item HTML (%d items, %d KB HTML per pass)",
            items, s, Double(items) / s, Double(sections) / s, Double(items / meeting.items.count * htmlBytes) / s / 1e6,
            meeting.items.count, htmlBytes / 1024))
    }
}
