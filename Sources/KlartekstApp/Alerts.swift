import AsyncHTTPClient
import Foundation
import KlartekstCore
import KlartekstNotify
import KlartekstPipeline
import KlartekstStore
import KlartekstWeb
import Logging
import ServiceLifecycle

/// Alerts wired from the configuration: the SMTP mailer, link tokens, the notify stage.
public enum Alerts {
    /// Link tokens signed with the first security secret (stable across nodes and restarts when set).
    public static func tokens(_ config: AppConfig) -> AlertTokens {
        AlertTokens(secret: config.securitySecrets.first ?? "klartekst-unsigned-\(ProcessInfo.processInfo.processIdentifier)-\(Date().timeIntervalSince1970)")
    }

    public static func mailer(_ config: AppConfig) throws -> SMTPMailer? {
        guard let url = config.smtpURL else { return nil }
        return try SMTPMailer(url: url, from: config.smtpFrom)
    }

    public static func web(_ config: AppConfig) throws -> AlertsWeb? {
        guard let mailer = try mailer(config) else { return nil }
        return AlertsWeb(tokens: tokens(config)) { message in try await mailer.send(message) }
    }

    /// The notify stage; links in messages use http.public_url (or http://host:port).
    public static func stage(_ config: AppConfig, store: any KlartekstStore, http: HTTPClient, logger: Logger) async throws -> NotifyStage? {
        guard let mailer = try mailer(config) else { return nil }
        let sender = WebhookSender(client: http)
        let library = try? PromptLibrary.load(directory: URL(fileURLWithPath: config.promptsPath))
        let topics = Dictionary((library?.topics ?? []).map { ($0.slug, $0.name) }, uniquingKeysWith: { a, _ in a })
        let municipalities = Dictionary(try await store.municipalities().map { ($0.slug, $0.name) }, uniquingKeysWith: { a, _ in a })
        return NotifyStage(
            store: store, mail: { try await mailer.send($0) }, post: { payload, url, secret in try await sender.send(payload, to: url, secret: secret) },
            tokens: tokens(config), baseURL: config.publicURL ?? "http://\(config.host):\(config.port)", topics: topics,
            municipalities: municipalities, logger: logger)
    }
}
