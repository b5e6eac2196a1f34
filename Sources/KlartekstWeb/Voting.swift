import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import KlartekstCore

/// Settings for citizens' answers.
public struct VotingSettings: Sendable {
    /// Answers a participant may send per minute, and a client address.
    public var perParticipantPerMinute: Int
    public var perAddressPerMinute: Int
    /// Participants created within this many minutes count as new…
    public var newMinutes: Int
    /// …and their answers make up at most this share of an item's shown result…
    public var newShareCap: Double
    /// …once there are at least this many of them.
    public var burstMinimum: Int
    /// Read the client address from X-Forwarded-For (behind a trusted reverse proxy only).
    public var trustProxy: Bool
    /// Seconds between two burst checks of one item (a check counts the item's answers).
    public var burstCheckSeconds: Int = 5

    public init(
        perParticipantPerMinute: Int = 30, perAddressPerMinute: Int = 600, newMinutes: Int = 10, newShareCap: Double = 0.5, burstMinimum: Int = 20,
        trustProxy: Bool = false, burstCheckSeconds: Int = 5
    ) {
        self.burstCheckSeconds = burstCheckSeconds
        self.perParticipantPerMinute = perParticipantPerMinute
        self.perAddressPerMinute = perAddressPerMinute
        self.newMinutes = newMinutes
        self.newShareCap = newShareCap
        self.burstMinimum = burstMinimum
        self.trustProxy = trustProxy
    }
}

/// Counts requests per key in a sliding one-minute window, in memory. Keys (participant ids,
/// client addresses) are forgotten once their window has passed: addresses are never stored.
public actor RateLimiter {
    var windows: [String: [ContinuousClock.Instant]] = [:]
    let clock = ContinuousClock()
    var sweeps = 0

    public init() {}

    /// Records a request and says whether it is within `limit` per `window`.
    public func allow(_ key: String, limit: Int, window: Duration = .seconds(60)) -> Bool {
        let now = clock.now
        var times = windows[key, default: []]
        times.removeAll { now - $0 > window }
        sweeps += 1
        if sweeps % 4096 == 0 { windows = windows.filter { !$0.value.isEmpty && now - ($0.value.last ?? now) <= window } }
        guard times.count < limit else {
            windows[key] = times
            return false
        }
        times.append(now)
        windows[key] = times
        return true
    }
}

/// The anonymous participant: a random id in a signed, HttpOnly, SameSite=Lax cookie.
struct Participant {
    static let cookie = "kt_deltager"
    let id: String
    /// The cookie was made for this response and must be sent.
    let isNew: Bool

    /// The participant named by a validly signed cookie, or nil.
    static func current(_ request: Request, security: WebSecurity) -> Participant? {
        guard let header = request.headers[.cookie] else { return nil }
        for part in header.split(separator: ";") {
            let pair = part.trimmingCharacters(in: .whitespaces)
            guard pair.hasPrefix(cookie + "=") else { continue }
            let value = String(pair.dropFirst(cookie.count + 1))
            if let id = security.verify(value, purpose: "participant"), id.count == 22 { return Participant(id: id, isNew: false) }
        }
        return nil
    }

    static func make() -> Participant {
        var bytes = [UInt8](repeating: 0, count: 16)
        var rng = SystemRandomNumberGenerator()
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255, using: &rng) }
        return Participant(id: WebSecurity.base64url(Data(bytes)), isNew: true)
    }

    static func currentOrNew(_ request: Request, security: WebSecurity) -> Participant {
        current(request, security: security) ?? make()
    }

    func setCookie(_ security: WebSecurity) -> String {
        "\(Self.cookie)=\(security.sign(id, purpose: "participant")); Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax\(security.secureCookies ? "; Secure" : "")"
    }

    static func clearCookie(_ security: WebSecurity) -> String {
        "\(cookie)=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax\(security.secureCookies ? "; Secure" : "")"
    }
}

/// Answering: validation, CSRF, rate limits, the store write, the guarded tally and operator flags.
struct Voting: Sendable {
    let store: any KlartekstStore
    let security: WebSecurity
    let settings: VotingSettings
    let limiter: RateLimiter
    let flagged: FlagThrottle

    struct Rejected: Error {
        var status: HTTPResponse.Status
        var message: String
    }

    func clientAddress(_ request: Request, _ context: WebContext) -> String {
        if settings.trustProxy, let forwarded = request.headers[.xForwardedFor]?.split(separator: ",").first {
            return forwarded.trimmingCharacters(in: .whitespaces)
        }
        return context.remoteAddress?.ipAddress ?? "unknown"
    }

    /// A POST from another site is refused (the Origin header, when sent, must be this host).
    func sameOrigin(_ request: Request) -> Bool {
        guard let origin = request.headers[.origin] else { return true }
        guard let host = request.head.authority else { return false }
        return URLComponents(string: origin).map { c in "\(c.host ?? "")\(c.port.map { ":\($0)" } ?? "")" == host } ?? false
    }

    /// Checks and stores an answer. Every few seconds per item it also looks for a burst of new
    /// participants and flags it to operators.
    func answer(
        _ target: AnswerTarget, choice raw: String?, csrf: String?, participant: Participant?, request: Request, context: WebContext
    ) async throws -> VoteChoice {
        guard target.status == .public else { throw Rejected(status: .badRequest, message: "Der kan ikke svares på formelle og lukkede punkter.") }
        guard let raw, let choice = VoteChoice(rawValue: raw) else { throw Rejected(status: .badRequest, message: "Vælg Enig, Uenig eller Ved ikke.") }
        guard sameOrigin(request) else { throw Rejected(status: .forbidden, message: "Svaret kom ikke fra Klartekst.") }
        guard let participant, security.csrfValid(csrf, for: "participant:" + participant.id) else {
            throw Rejected(status: .forbidden, message: "Siden er udløbet, eller svaret kom ikke fra Klartekst. Genindlæs siden og svar igen.")
        }
        guard await limiter.allow("a:" + clientAddress(request, context), limit: settings.perAddressPerMinute),
            await limiter.allow("p:" + participant.id, limit: settings.perParticipantPerMinute)
        else { throw Rejected(status: .tooManyRequests, message: "Du har svaret meget hurtigt mange gange. Vent et minut, og prøv igen.") }
        try await store.recordVote(participant: participant.id, itemKey: target.itemKey, municipality: target.municipality, choice: choice)
        if await flagged.shouldCheck(target.itemKey) {
            let tally = try await self.tally(target.itemKey)
            if tally.suspicious, await flagged.shouldFlag(target.itemKey) {
                try await store.flagVotes(VoteFlag(
                    itemKey: target.itemKey, kind: "burst",
                    detail: "\(tally.newParticipantAnswers) af \(tally.participants) svar kommer fra deltagere oprettet inden for \(settings.newMinutes) minutter\(tally.capped ? "; de vægtes ned i resultatet" : "").",
                    createdAt: ""))
                context.logger.warning("answer burst flagged", metadata: ["item": "\(target.itemKey)", "new": "\(tally.newParticipantAnswers)", "total": "\(tally.participants)"])
            }
        }
        return choice
    }

    func tally(_ itemKey: String) async throws -> VoteTally {
        let counts = try await store.voteCounts(itemKey: itemKey, newSince: Date().addingTimeInterval(-60 * Double(settings.newMinutes)))
        return VoteTally.compute(counts, newShareCap: settings.newShareCap, minimumForCap: settings.burstMinimum)
    }
}

/// Looks for bursts on an item at most every `checkEvery`, and flags it at most once per ten minutes.
actor FlagThrottle {
    let checkEvery: Duration
    var checked: [String: ContinuousClock.Instant] = [:]
    var last: [String: ContinuousClock.Instant] = [:]

    init(checkEvery: Duration = .seconds(5)) { self.checkEvery = checkEvery }

    func shouldCheck(_ key: String) -> Bool {
        let now = ContinuousClock().now
        if let t = checked[key], now - t < checkEvery { return false }
        if checked.count > 100_000 { checked.removeAll() }
        checked[key] = now
        return true
    }

    func shouldFlag(_ key: String) -> Bool {
        let now = ContinuousClock().now
        if let t = last[key], now - t < .seconds(600) { return false }
        last[key] = now
        return true
    }
}

extension HTTPField.Name {
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
    static let xCSRFToken = HTTPField.Name("X-CSRF-Token")!
}
