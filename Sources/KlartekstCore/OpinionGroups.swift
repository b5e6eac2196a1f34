import Foundation

/// Opinion groups among a municipality's participants, the Polis way: participants with at least
/// `minAnswers` answers; answers as +1/−1/0 with missing answers imputed by the item's mean; PCA to
/// two dimensions; k-means (k = 2…5) with k chosen by silhouette. Each group's most distinctive
/// answers, and consensus items (a clear majority the same way in every group). Deterministic for
/// a seed. Pure.
public struct OpinionGroups: Sendable, Equatable, Codable {
    public struct Point: Sendable, Equatable, Codable {
        public var participant: String
        public var x: Double
        public var y: Double
        public var group: Int
    }

    public struct Statement: Sendable, Equatable, Codable {
        public var item: String
        /// The answer that sets the group apart.
        public var choice: VoteChoice
        /// Share of the group giving it, and of everybody else (percent).
        public var groupPercent: Double
        public var othersPercent: Double
    }

    public struct Group: Sendable, Equatable, Codable {
        public var id: Int
        public var size: Int
        public var distinctive: [Statement]
    }

    public struct Consensus: Sendable, Equatable, Codable {
        public var item: String
        public var choice: VoteChoice
        /// The lowest share in any group (percent).
        public var minPercent: Double
    }

    public var participants: Int
    public var items: Int
    public var points: [Point]
    public var groups: [Group]
    public var consensus: [Consensus]
    /// Mean silhouette of the chosen grouping (−1…1).
    public var silhouette: Double
    /// The groups are well separated (silhouette ≥ threshold); otherwise they are shown as weak.
    public var clear: Bool

    public struct Answer: Sendable {
        public var participant: String
        public var item: String
        public var choice: VoteChoice
        public init(participant: String, item: String, choice: VoteChoice) {
            self.participant = participant
            self.item = item
            self.choice = choice
        }
    }

    /// nil when fewer than 4 participants qualify.
    public static func compute(
        _ answers: [Answer], minAnswers: Int = 7, maxGroups: Int = 5, threshold: Double = 0.5, seed: UInt64 = 42
    ) -> OpinionGroups? {
        var byParticipant: [String: [String: VoteChoice]] = [:]
        for a in answers { byParticipant[a.participant, default: [:]][a.item] = a.choice }
        let people = byParticipant.filter { $0.value.count >= minAnswers }.keys.sorted()
        guard people.count >= 4 else { return nil }
        let items = Array(Set(people.flatMap { byParticipant[$0]!.keys })).sorted()
        let m = items.count
        // Matrix with column-mean imputation, then centred.
        var x = [[Double]](repeating: [Double](repeating: 0, count: m), count: people.count)
        for (j, item) in items.enumerated() {
            let known = people.compactMap { byParticipant[$0]![item]?.score }
            let mean = known.isEmpty ? 0 : known.reduce(0, +) / Double(known.count)
            for (i, p) in people.enumerated() { x[i][j] = (byParticipant[p]![item]?.score ?? mean) - mean }
        }
        var rng = SplitMix64(seed: seed)
        let components = principalComponents(x, count: 2, rng: &rng)
        let pts = x.map { row in components.map { c in zip(row, c).map(*).reduce(0, +) } }
        var best: (labels: [Int], score: Double)?
        for k in 2...max(2, min(maxGroups, people.count - 1)) {
            let labels = kMeans(pts, k: k, restarts: 12, rng: &rng)
            let s = silhouette(pts, labels)
            if best == nil || s > best!.score + 1e-9 { best = (labels, s) }
        }
        guard let (labels, score) = best else { return nil }
        // Number groups by size, largest first.
        let order = Dictionary(grouping: labels.indices, by: { labels[$0] }).sorted { $0.value.count > $1.value.count || ($0.value.count == $1.value.count && $0.key < $1.key) }
        var relabel: [Int: Int] = [:]
        for (n, g) in order.enumerated() { relabel[g.key] = n + 1 }
        let group = labels.map { relabel[$0]! }
        let groupIDs = Array(Set(group)).sorted()

        func share(_ members: [Int], _ item: String, _ choice: VoteChoice) -> (Double, Int) {
            let answered = members.compactMap { byParticipant[people[$0]]![item] }
            guard !answered.isEmpty else { return (0, 0) }
            return (100 * Double(answered.filter { $0 == choice }.count) / Double(answered.count), answered.count)
        }
        var groups: [Group] = []
        for g in groupIDs {
            let inside = group.indices.filter { group[$0] == g }
            let outside = group.indices.filter { group[$0] != g }
            var candidates: [Statement] = []
            for item in items {
                for choice in [VoteChoice.agree, .disagree] {
                    let (gp, gn) = share(inside, item, choice)
                    let (op, on) = share(outside, item, choice)
                    guard gn >= 2, on >= 1, gp >= 50, gp - op >= 20 else { continue }
                    candidates.append(Statement(item: item, choice: choice, groupPercent: (gp * 10).rounded() / 10, othersPercent: (op * 10).rounded() / 10))
                }
            }
            candidates.sort { ($0.groupPercent - $0.othersPercent, $0.item) > ($1.groupPercent - $1.othersPercent, $1.item) }
            groups.append(Group(id: g, size: inside.count, distinctive: Array(candidates.prefix(3))))
        }
        var consensus: [Consensus] = []
        for item in items {
            for choice in [VoteChoice.agree, .disagree] {
                let per = groupIDs.map { g in share(group.indices.filter { group[$0] == g }, item, choice) }
                guard per.allSatisfy({ $0.1 >= 2 && $0.0 >= 60 }) else { continue }
                consensus.append(Consensus(item: item, choice: choice, minPercent: ((per.map(\.0).min() ?? 0) * 10).rounded() / 10))
            }
        }
        let points = people.indices.map { Point(participant: people[$0], x: pts[$0][0], y: pts[$0].count > 1 ? pts[$0][1] : 0, group: group[$0]) }
        return OpinionGroups(
            participants: people.count, items: m, points: points, groups: groups, consensus: consensus, silhouette: (score * 1000).rounded() / 1000,
            clear: score >= threshold)
    }

    /// Top principal components by power iteration with deflation on the covariance matrix.
    static func principalComponents(_ x: [[Double]], count: Int, rng: inout SplitMix64) -> [[Double]] {
        let m = x.first?.count ?? 0
        guard m > 0 else { return [] }
        var cov = [[Double]](repeating: [Double](repeating: 0, count: m), count: m)
        for row in x {
            for a in 0..<m where row[a] != 0 {
                for b in 0..<m { cov[a][b] += row[a] * row[b] }
            }
        }
        var out: [[Double]] = []
        for _ in 0..<min(count, m) {
            var v = (0..<m).map { _ in rng.nextDouble() - 0.5 }
            var lambda = 0.0
            for _ in 0..<200 {
                var w = (0..<m).map { a in zip(cov[a], v).map(*).reduce(0, +) }
                let norm = sqrt(w.map { $0 * $0 }.reduce(0, +))
                guard norm > 1e-12 else { break }
                w = w.map { $0 / norm }
                let delta = zip(w, v).map { abs($0 - $1) }.max() ?? 0
                v = w
                lambda = norm
                if delta < 1e-10 { break }
            }
            out.append(v)
            for a in 0..<m { for b in 0..<m { cov[a][b] -= lambda * v[a] * v[b] } }
        }
        return out
    }

    static func distance(_ a: [Double], _ b: [Double]) -> Double { sqrt(zip(a, b).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)) }

    /// k-means++ seeding, Lloyd iterations; the best of `restarts` runs by inertia.
    static func kMeans(_ pts: [[Double]], k: Int, restarts: Int, rng: inout SplitMix64) -> [Int] {
        var best: (labels: [Int], inertia: Double)?
        for _ in 0..<restarts {
            var centres = [pts[Int(rng.next() % UInt64(pts.count))]]
            while centres.count < k {
                let d = pts.map { p in centres.map { distance(p, $0) }.min()! }.map { $0 * $0 }
                let total = d.reduce(0, +)
                guard total > 0 else { break }
                var r = rng.nextDouble() * total
                var pick = pts.count - 1
                for (i, di) in d.enumerated() {
                    r -= di
                    if r <= 0 {
                        pick = i
                        break
                    }
                }
                centres.append(pts[pick])
            }
            var labels = [Int](repeating: 0, count: pts.count)
            for _ in 0..<100 {
                let next = pts.map { p in centres.indices.min { distance(p, centres[$0]) < distance(p, centres[$1]) }! }
                let changed = next != labels
                labels = next
                for c in centres.indices {
                    let members = pts.indices.filter { labels[$0] == c }
                    guard !members.isEmpty else { continue }
                    centres[c] = (0..<pts[0].count).map { dim in members.map { pts[$0][dim] }.reduce(0, +) / Double(members.count) }
                }
                if !changed { break }
            }
            let inertia = pts.indices.map { distance(pts[$0], centres[labels[$0]]) }.map { $0 * $0 }.reduce(0, +)
            if Set(labels).count == k, best == nil || inertia < best!.inertia { best = (labels, inertia) }
        }
        return best?.labels ?? pts.indices.map { $0 % k }
    }

    /// Mean silhouette: for each point (b − a) / max(a, b), a = mean distance within its group, b = to the nearest other group.
    static func silhouette(_ pts: [[Double]], _ labels: [Int]) -> Double {
        let groups = Set(labels)
        guard groups.count > 1 else { return 0 }
        var total = 0.0
        for i in pts.indices {
            var sums: [Int: (Double, Int)] = [:]
            for j in pts.indices where j != i {
                let d = distance(pts[i], pts[j])
                let s = sums[labels[j]] ?? (0, 0)
                sums[labels[j]] = (s.0 + d, s.1 + 1)
            }
            guard let own = sums[labels[i]], own.1 > 0 else { continue }
            let a = own.0 / Double(own.1)
            let b = sums.filter { $0.key != labels[i] && $0.value.1 > 0 }.map { $0.value.0 / Double($0.value.1) }.min() ?? 0
            let m = max(a, b)
            total += m > 0 ? (b - a) / m : 0
        }
        return total / Double(pts.count)
    }
}

/// A small, fast, seedable random generator (SplitMix64).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    public mutating func nextDouble() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
