import AsyncHTTPClient
import Foundation
import KlartekstCore
import NIOCore
import NIOHTTP1

/// POSTs a digest as JSON to a subscriber's webhook, signed: `X-Klartekst-Signature: sha256=<hex
/// HMAC of the body with the subscription's secret>`, `X-Klartekst-Delivery: <digest id>` (to
/// drop a repeat after a lost reply). Only a 2xx answer counts as delivered; no redirects.
public struct WebhookSender: Sendable {
    public struct Failure: Error, CustomStringConvertible, Sendable { public var description: String }

    let client: HTTPClient
    let timeout: TimeAmount

    public init(client: HTTPClient, timeout: TimeAmount = .seconds(15)) {
        self.client = client
        self.timeout = timeout
    }

    public struct Payload: Encodable, Sendable {
        public var subscription: Int64
        public var delivery: Int64
        public var following: String
        public var items: [AlertItem]
        public var unsubscribeURL: String
    }

    public static func body(_ p: Payload) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array((try? encoder.encode(p)) ?? Data("{}".utf8))
    }

    public func send(_ p: Payload, to url: String, secret: String) async throws {
        let bytes = Self.body(p)
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        request.headers.add(name: "User-Agent", value: "Klartekst-webhook/1")
        request.headers.add(name: "X-Klartekst-Signature", value: AlertTokens.webhookSignature(body: bytes, secret: secret))
        request.headers.add(name: "X-Klartekst-Delivery", value: String(p.delivery))
        request.body = .bytes(ByteBuffer(bytes: bytes))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: timeout)
        } catch {
            throw Failure(description: "\(url): \(error)")
        }
        _ = try? await response.body.collect(upTo: 64 * 1024)
        guard (200..<300).contains(Int(response.status.code)) else { throw Failure(description: "\(url) answered \(response.status.code)") }
    }
}
