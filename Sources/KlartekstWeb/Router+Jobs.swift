import Foundation
import Hummingbird
import KlartekstCore
import Prometheus

/// The operators' view of the job queue: `GET /drift/koe` (per stage: waiting, running, done,
/// dead, throughput, failures, oldest waiting job; the workers and their language-model
/// endpoints; the dead jobs with their errors) and `POST /drift/koe/{id}/igen` (queue a dead job
/// again). Behind the operator login; the numbers alone are also in `/metrics`.
func addJobRoutes(_ router: Router<WebContext>, _ deps: WebDependencies) {
    guard let jobs = deps.jobs else { return }
    let security = deps.security
    router.get("/drift/koe") { request, _ in
        let name = try security.requireOperator(request)
        let message = request.uri.queryParameters.get("besked") == "igen" ? "Jobbet er sat i kø igen." : nil
        let body = deps.pages.jobs(
            stats: try await jobs.queueStats(), workers: try await jobs.workers(seenWithin: 300), dead: try await jobs.jobs(status: .dead, stage: nil, limit: 100),
            csrf: security.csrfToken(for: "operator:" + name), operatorName: name, message: message)
        return Responses.make(body, contentType: "text/html; charset=utf-8", request: request, status: .ok, cacheControl: "no-store")
    }
    router.post("/drift/koe/:id/igen") { request, context in
        let name = try security.requireOperator(request)
        let form = try await Form.read(request)
        guard security.csrfValid(form["csrf"], for: "operator:" + name) else {
            throw HTTPError(.forbidden, message: "Formularen er udløbet eller kom ikke fra Klartekst. Genindlæs siden og prøv igen.")
        }
        guard let id = Int64(try context.parameters.require("id")), try await jobs.retryDead(id) else {
            throw HTTPError(.notFound, message: "Jobbet findes ikke eller er ikke opgivet.")
        }
        context.logger.notice("dead job queued again", metadata: ["job": "\(id)", "operator": "\(name)"])
        return Response(status: .seeOther, headers: [.location: "/drift/koe?besked=igen"])
    }
}

/// Queue depth per stage as gauges, read from the store when `/metrics` is scraped (at most
/// every 5 s per node), so any web node reports the whole cluster's queue.
actor QueueGauges {
    var last: ContinuousClock.Instant?

    func refresh(_ jobs: any JobQueue, into registry: PrometheusCollectorRegistry) async {
        func gauge(_ name: String, _ labels: [(String, String)], _ value: Double) {
            registry.makeGauge(name: name, labels: labels).set(value)
        }
        let now = ContinuousClock.now
        if let last, now - last < .seconds(5) { return }
        last = now
        guard let stats = try? await jobs.queueStats() else { return }
        for q in stats {
            let stage = q.stage.rawValue
            for (status, n) in [("ready", q.ready), ("delayed", q.delayed), ("running", q.running), ("done", q.done), ("dead", q.dead)] {
                gauge("klartekst_queue_jobs", [("stage", stage), ("status", status)], Double(n))
            }
            gauge("klartekst_queue_oldest_waiting_seconds", [("stage", stage)], q.oldestWaitingSeconds)
            gauge("klartekst_queue_done_last_hour", [("stage", stage)], Double(q.doneLastHour))
            gauge("klartekst_queue_failed_last_hour", [("stage", stage)], Double(q.failedLastHour))
        }
        if let workers = try? await jobs.workers(seenWithin: 120) {
            gauge("klartekst_workers", [], Double(workers.count))
            for w in workers {
                for b in w.backends {
                    let dims = [("worker", w.id), ("backend", b.url)]
                    gauge("klartekst_llm_backend_up", dims, Double(b.healthy ? 1 : 0))
                    if let mean = b.meanSeconds { gauge("klartekst_llm_backend_mean_seconds", dims, mean) }
                    if let p95 = b.p95Seconds { gauge("klartekst_llm_backend_p95_seconds", dims, p95) }
                }
            }
        }
    }
}
