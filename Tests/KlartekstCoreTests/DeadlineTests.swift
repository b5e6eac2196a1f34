import Foundation
import KlartekstCore
import Testing

@Suite("Waiting with a bound")
struct DeadlineTests {
    @Test("work that finishes is waited for; work that never does is left behind after the bound")
    func bounded() async {
        let clock = ContinuousClock()
        let quick = await Deadline.wait(seconds: 30) { try? await Task.sleep(for: .milliseconds(10)) }
        #expect(quick)
        let start = clock.now
        // Never finishes by itself: it ignores cancellation and waits for a continuation nobody resumes.
        let stuck = await Deadline.wait(seconds: 0.3) {
            await withCheckedContinuation { (_: CheckedContinuation<Void, Never>) in }
        }
        #expect(!stuck)
        #expect(clock.now - start < .seconds(10))
    }
}
