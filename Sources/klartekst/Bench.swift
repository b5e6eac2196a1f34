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
        let rate = Double(items) / s
        print(String(format: "klartekst sections: %d items in %.2f s → %.0f items/s, %.0f sections/s, %.1f MB/s of item HTML (%d items, %d KB HTML per pass)",
            items, s, rate, Double(sections) / s, Double(items / meeting.items.count * htmlBytes) / s / 1e6,
            meeting.items.count, htmlBytes / 1024))

        // Baseline: libxml2 parsing the same HTML and nothing else.
        let baseStart = clock.now
        var baseItems = 0
        var sink = 0
        while clock.now - baseStart < .seconds(seconds) {
            for item in meeting.items { sink &+= HTMLEngine.parseOnly(item.html) }
            baseItems += meeting.items.count
        }
        let be = clock.now - baseStart
        let bs = Double(be.components.seconds) + Double(be.components.attoseconds) / 1e18
        let baseRate = Double(baseItems) / bs
        print(String(format: "baseline libxml2 htmlReadMemory only: %.0f items/s (checksum %d)", baseRate, sink % 10))
        print(String(format: "ratio: klartekst takes %.2f× the time of a bare libxml2 parse", baseRate / rate))
    }
}
