import Foundation

/// A labelled evaluation set (`evals/*.json`): items identified by municipality + item number,
/// with what a careful reader says about them. Written by hand from the items' text.
public struct EvalSet: Sendable, Codable, Equatable {
    public struct Label: Sendable, Codable, Equatable {
        public var municipality: String
        public var number: String
        /// For people reading the file.
        public var title: String
        /// What the item is: "public", "procedural" or "closed".
        public var status: ItemStatus
        /// Topic slug → is the item about it.
        public var relevant: [String: Bool]
        /// Taxonomy labels that fit (empty for procedural and closed items).
        public var keywords: [String]

        public init(municipality: String, number: String, title: String, status: ItemStatus, relevant: [String: Bool], keywords: [String]) {
            self.municipality = municipality
            self.number = number
            self.title = title
            self.status = status
            self.relevant = relevant
            self.keywords = keywords
        }
    }
    public var name: String
    public var about: String
    public var items: [Label]

    public static func load(_ data: Data) throws -> EvalSet { try JSONDecoder().decode(EvalSet.self, from: data) }
}

/// One labelled item and what a prompt version produced for it.
public struct EvalOutcome: Sendable {
    public var label: EvalSet.Label
    /// How Klartekst classified the item.
    public var status: ItemStatus
    public var summary: StoredAnalysis?
    /// Topic slug → relevance result.
    public var relevance: [String: StoredAnalysis]

    public init(label: EvalSet.Label, status: ItemStatus, summary: StoredAnalysis?, relevance: [String: StoredAnalysis]) {
        self.label = label
        self.status = status
        self.summary = summary
        self.relevance = relevance
    }
}

/// The quality figures `klartekst eval` prints for one prompt version and backend. Pure.
public struct EvalFigures: Sendable, Codable, Equatable {
    public var items = 0
    /// Public items that were analysed (summary).
    public var analysed = 0
    /// Answers that parsed as the schema, of those analysed (%).
    public var validPercent = 0.0
    /// Valid answers whose every quote was found in the source and every number too (%).
    public var groundedPercent = 0.0
    /// Answers that passed every check (%).
    public var passedPercent = 0.0
    public var lixMedian: Double?
    /// Predicted keywords that are in the labels (%), over all predictions.
    public var keywordPrecision: Double?
    /// Labelled keywords that were predicted (%).
    public var keywordRecall: Double?
    public var relevancePrecision: Double?
    public var relevanceRecall: Double?
    /// Relevance answers that agree with the label (%).
    public var relevanceAccuracy: Double?
    /// Items whose public/procedural/closed status matches the label (%).
    public var statusAccuracy = 0.0
    /// Procedural or closed items that got a citizen question (should be 0).
    public var questionsOnNonPublic = 0
    public var secondsPerItem = 0.0
    public var tokensPerItem = 0.0

    public init() {}

    public static func compute(_ outcomes: [EvalOutcome]) -> EvalFigures {
        var f = EvalFigures()
        f.items = outcomes.count
        guard !outcomes.isEmpty else { return f }
        let summaries = outcomes.compactMap { o in o.summary.map { (o, $0) } }
        f.analysed = summaries.count
        var valid = 0, grounded = 0, passed = 0
        var lix: [Double] = []
        var predicted = 0, predictedRight = 0, labelled = 0, labelledFound = 0
        var seconds = 0.0, tokens = 0
        for (o, a) in summaries {
            seconds += a.seconds
            tokens += a.promptTokens + a.completionTokens
            guard let s = a.summary, !a.problems.contains(where: { $0.contains("not valid JSON") }) else { continue }
            valid += 1
            if !a.problems.contains(where: { $0.hasPrefix("quote not found") || $0.hasPrefix("number ") }) { grounded += 1 }
            if a.problems.isEmpty { passed += 1 }
            lix.append(LIX.compute(s.summaryText))
            let expected = Set(o.label.keywords)
            predicted += s.keywords.count
            predictedRight += s.keywords.filter(expected.contains).count
            labelled += expected.count
            labelledFound += expected.filter(s.keywords.contains).count
            if o.label.status != .public && s.question != nil { f.questionsOnNonPublic += 1 }
        }
        func pct(_ a: Int, _ b: Int) -> Double { b == 0 ? 0 : 100 * Double(a) / Double(b) }
        f.validPercent = pct(valid, summaries.count)
        f.groundedPercent = pct(grounded, summaries.count)
        f.passedPercent = pct(passed, summaries.count)
        f.lixMedian = median(lix)
        f.keywordPrecision = predicted == 0 ? nil : pct(predictedRight, predicted)
        f.keywordRecall = labelled == 0 ? nil : pct(labelledFound, labelled)
        var tp = 0, fp = 0, fn = 0, agree = 0, judged = 0
        for o in outcomes {
            for (topic, a) in o.relevance {
                seconds += a.seconds
                tokens += a.promptTokens + a.completionTokens
                guard let expected = o.label.relevant[topic], let r = a.relevance, !a.problems.contains(where: { $0.contains("not valid JSON") }) else {
                    continue
                }
                judged += 1
                if r.relevant == expected { agree += 1 }
                if r.relevant && expected { tp += 1 } else if r.relevant { fp += 1 } else if expected { fn += 1 }
            }
        }
        f.relevancePrecision = tp + fp == 0 ? nil : pct(tp, tp + fp)
        f.relevanceRecall = tp + fn == 0 ? nil : pct(tp, tp + fn)
        f.relevanceAccuracy = judged == 0 ? nil : pct(agree, judged)
        f.statusAccuracy = pct(outcomes.filter { $0.status == $0.label.status }.count, outcomes.count)
        let analysedItems = max(1, outcomes.filter { $0.summary != nil || !$0.relevance.isEmpty }.count)
        f.secondsPerItem = seconds / Double(analysedItems)
        f.tokensPerItem = Double(tokens) / Double(analysedItems)
        return f
    }

    static func median(_ xs: [Double]) -> Double? {
        guard !xs.isEmpty else { return nil }
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}
