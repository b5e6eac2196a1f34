import Foundation
import KlartekstCore
import Testing

/// The job queue's pure rules: stage names, backoff, job keys.
@Suite("Job rules")
struct JobRulesTests {
    @Test("stages parse from a comma list, in pipeline order, with a clear error for unknown names")
    func stages() throws {
        #expect(try JobStage.parse("index, sync,extract") == [.sync, .extract, .index])
        #expect(try JobStage.parse("analyze analyze") == [.analyze])
        #expect(throws: JobError.self) { try JobStage.parse("sync,ocr") }
        do {
            _ = try JobStage.parse("ocr")
        } catch let e as JobError {
            #expect(e.description.contains("\"ocr\"") && e.description.contains("extract"))
        }
        #expect(throws: JobError.self) { try JobStage.parse(" , ") }
    }

    @Test("backoff doubles from the base, is capped, and spreads jobs apart by up to 25 %")
    func backoff() {
        let b = JobBackoff(base: 10, cap: 3600)
        for id in Int64(1)...50 {
            let first = b.delay(afterAttempt: 1, id: id)
            #expect(first >= 10 && first < 12.5)
            let third = b.delay(afterAttempt: 3, id: id)
            #expect(third >= 40 && third < 50)
            #expect(b.delay(afterAttempt: 30, id: id) == 3600)
        }
        #expect(b.delay(afterAttempt: 2, id: 7) == b.delay(afterAttempt: 2, id: 7), "deterministic per job")
        #expect(Set((1...50).map { b.delay(afterAttempt: 1, id: Int64($0)) }).count > 20, "jittered across jobs")
    }

    @Test("job keys name the content: a new revision, attachment text, prompt or model is new work")
    func keys() {
        let a = JobKeys.analyze(item: "kalundborg/x/4", revision: 1, texts: 0, prompts: ["summary@v1"], model: "m")
        #expect(a == JobKeys.analyze(item: "kalundborg/x/4", revision: 1, texts: 0, prompts: ["summary@v1"], model: "m"))
        #expect(a != JobKeys.analyze(item: "kalundborg/x/4", revision: 2, texts: 0, prompts: ["summary@v1"], model: "m"))
        #expect(a != JobKeys.analyze(item: "kalundborg/x/4", revision: 1, texts: 1, prompts: ["summary@v1"], model: "m"))
        #expect(a != JobKeys.analyze(item: "kalundborg/x/4", revision: 1, texts: 0, prompts: ["summary@v2"], model: "m"))
        #expect(a != JobKeys.analyze(item: "kalundborg/x/4", revision: 1, texts: 0, prompts: ["summary@v1"], model: "n"))
        #expect(JobKeys.extract(sha256: "ab", version: 3) == "extract:ab:v3")
        #expect(JobKeys.sync(municipality: "hvidovre", period: Date(timeIntervalSince1970: 1_800_000_000)) == "sync:hvidovre:1800000000")
    }
}
