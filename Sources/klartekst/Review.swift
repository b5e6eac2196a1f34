import ArgumentParser
import Foundation
import KlartekstApp
import KlartekstCore

struct Review: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The operators' review queue: list analyses waiting for approval or failed, approve or reject one.")
    @OptionGroup var common: CommonOptions
    @Argument(help: "list, approve or reject") var action: String = "list"
    @Argument(help: "The analysis id (for approve and reject).") var id: Int64?
    @Option(help: "Your name, recorded with the decision.") var by: String = ProcessInfo.processInfo.environment["USER"] ?? "operator"

    func run() async throws {
        let (config, logger) = try await common.load()
        let store = try await App.openStore(config, logger: logger)
        defer { Task { await store.close() } }
        switch action {
        case "list":
            let queue = try await store.reviewQueue(limit: 500)
            for e in queue {
                let a = e.analysis
                print("\(a.id ?? 0)\t\(a.status.rawValue)\t\(a.promptID)\(a.topic.isEmpty ? "" : "[\(a.topic)]")\t\(e.municipality) #\(e.number) \(e.title.prefix(60))")
                for p in a.problems.prefix(3) { print("\t\t\(p)") }
            }
            print("\(queue.count) waiting")
        case "approve", "reject":
            guard let id else { throw ValidationError("give the analysis id") }
            guard let a = try await store.analysis(id: id) else { throw ValidationError("no analysis \(id)") }
            if action == "approve" && a.status != .pendingReview {
                throw ValidationError("only results that passed every check can be approved as they are (this one is \(a.status.rawValue)); edit it on /drift/analyser")
            }
            _ = try await store.review(id: id, status: action == "approve" ? .published : .rejected, editedResult: nil, reviewer: by)
            print("\(id): \(action == "approve" ? "published" : "rejected")")
        default:
            throw ValidationError("action must be list, approve or reject")
        }
    }
}
