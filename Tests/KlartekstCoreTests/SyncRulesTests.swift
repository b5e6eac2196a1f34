import Foundation
import KlartekstCore
import KlartekstTestSupport
import Testing

@Suite("Retry policy, circuit breaker, discovery decoding")
struct SyncRulesTests {
    let policy = RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(100), maxDelay: .seconds(10))

    @Test("429, 5xx, timeouts are retried with growing, jittered delays; 4xx is not")
    func retries() {
        #expect(policy.decide(attempt: 1, outcome: .status(404, retryAfter: nil), jitter: 0.5) == .giveUp("HTTP 404"))
        #expect(policy.decide(attempt: 1, outcome: .status(501, retryAfter: nil), jitter: 0.5) == .giveUp("HTTP 501"))
        guard case .retry(let d1) = policy.decide(attempt: 1, outcome: .status(503, retryAfter: nil), jitter: 0),
            case .retry(let d2) = policy.decide(attempt: 2, outcome: .timeout, jitter: 0),
            case .retry(let d3) = policy.decide(attempt: 3, outcome: .connectionFailed, jitter: 1)
        else {
            Issue.record("expected retries")
            return
        }
        #expect(d1 == .milliseconds(50))
        #expect(d2 == .milliseconds(100))
        #expect(d3 == .milliseconds(400))
        if case .giveUp(let why) = policy.decide(attempt: 4, outcome: .status(500, retryAfter: nil), jitter: 0) {
            #expect(why.contains("gave up after 4 attempts"))
        } else {
            Issue.record("should give up at the last attempt")
        }
    }

    @Test("Retry-After in seconds or as an HTTP date sets a floor on the delay")
    func retryAfter() {
        #expect(policy.decide(attempt: 1, outcome: .status(429, retryAfter: "3"), jitter: 0) == .retry(after: .seconds(3)))
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let header = "Fri, 15 Jan 2027 08:00:05 GMT"
        let parsed = RetryPolicy.parseRetryAfter(header, now: Date(timeIntervalSince1970: 1_800_000_000))
        #expect(parsed == .seconds(5))
        #expect(RetryPolicy.parseRetryAfter("soon", now: now) == nil)
        // A portal asking for hours is capped (5 × maxDelay).
        #expect(policy.decide(attempt: 1, outcome: .status(429, retryAfter: "86400"), jitter: 0) == .retry(after: .seconds(50)))
    }

    @Test("the breaker opens after the threshold, lets one trial through after the cooldown, closes on success")
    func breaker() {
        var b = CircuitBreaker(threshold: 3, cooldown: 60)
        let t0 = Date(timeIntervalSince1970: 0)
        for _ in 0..<3 { b.recordFailure(at: t0) }
        var allowed = b.allows(at: t0.addingTimeInterval(59))
        #expect(!allowed)
        allowed = b.allows(at: t0.addingTimeInterval(61))
        #expect(allowed)
        #expect(b.state == .halfOpen)
        b.recordFailure(at: t0.addingTimeInterval(61))
        allowed = b.allows(at: t0.addingTimeInterval(62))
        #expect(!allowed)
        allowed = b.allows(at: t0.addingTimeInterval(122))
        #expect(allowed)
        b.recordSuccess()
        #expect(b.state == .closed && b.consecutiveFailures == 0)
    }

    @Test("a recorded committee listing decodes into 58 meetings with dates and fingerprints")
    func committeeListing() throws {
        let data = try Data(contentsOf: Fixtures.testFixture("firstagenda/udvalg_boerne.json"))
        let refs = try FirstAgenda.decodeCommitteeList(data)
        #expect(refs.count == 58)
        #expect(refs.allSatisfy { $0.committeeName == "Børne- og Uddannelsesudvalget" && $0.localDate != nil })
        #expect(refs.first?.localDate == "2025-12-01")
        #expect(Set(refs.map(\.name)) == ["Dagsorden", "Referat", "Tillægsdagsorden"])
        // Grouped form, as /api/agenda/udvalgsliste answers.
        let obj = try JSONSerialization.jsonObject(with: data)
        let grouped = try JSONSerialization.data(withJSONObject: ["Udvalg": ["2022-2025": [obj]]])
        #expect(try FirstAgenda.decodeCommitteeList(grouped).count == 58)
        let empty = try Data(contentsOf: Fixtures.testFixture("firstagenda/soeg_by_year.json"))
        let search = try FirstAgenda.decodeSearch(empty)
        #expect(search.meetings.isEmpty && !search.more)
        #expect(throws: FirstAgendaMapper.DecodeError.self) { try FirstAgenda.decodeCommitteeList(Data("{\"x\":1}".utf8)) }
    }
}
