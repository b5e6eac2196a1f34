import Foundation
import NIOCore
import NIOPosix

/// A local SMTP server for tests: accepts every message on 127.0.0.1 (or refuses recipients
/// with 550 while `refusing`), keeps what it received in order.
public final class SMTPSink: @unchecked Sendable {
    public struct Message: Sendable {
        public var from: String
        public var to: [String]
        /// Headers and body as received (CRLF, dot-stuffing removed).
        public var data: String
        public var subject: String {
            data.split(separator: "\r\n").first { $0.hasPrefix("Subject: ") }.map { String($0.dropFirst(9)) } ?? ""
        }
        /// The subject with an RFC 2047 UTF-8 encoded word decoded.
        public var decodedSubject: String {
            let s = subject
            guard s.hasPrefix("=?utf-8?B?"), s.hasSuffix("?="), let d = Data(base64Encoded: String(s.dropFirst(10).dropLast(2))) else { return s }
            return String(decoding: d, as: UTF8.self)
        }
        public var body: String { data.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n") }
    }

    private let lock = NSLock()
    private var received: [Message] = []
    private var refuse = false
    public private(set) var port = 0
    private var task: Task<Void, Error>?

    public init() {}

    public var messages: [Message] { lock.withLock { received } }
    public var refusing: Bool {
        get { lock.withLock { refuse } }
        set { lock.withLock { refuse = newValue } }
    }

    public func start() async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0) { ch in
                ch.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: ch) }
            }
        port = server.channel.localAddress?.port ?? 0
        task = Task {
            try await server.executeThenClose { inbound in
                try await withThrowingDiscardingTaskGroup { group in
                    for try await connection in inbound {
                        group.addTask { try? await self.serve(connection) }
                    }
                }
            }
        }
    }

    public func stop() async {
        task?.cancel()
        _ = try? await task?.value
    }

    private func serve(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async throws {
        try await connection.executeThenClose { inbound, outbound in
            func say(_ s: String) async throws { try await outbound.write(ByteBuffer(string: s + "\r\n")) }
            try await say("220 sink.test ESMTP")
            var pending: [UInt8] = []
            var from = ""
            var to: [String] = []
            var data: [String]? = nil
            for try await var chunk in inbound {
                pending += chunk.readBytes(length: chunk.readableBytes) ?? []
                while let nl = pending.firstIndex(of: 10) {
                    let line = String(decoding: pending[..<nl], as: UTF8.self).trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
                    pending.removeSubrange(...nl)
                    if var lines = data {
                        if line == "." {
                            let message = Message(from: from, to: to, data: lines.joined(separator: "\r\n"))
                            lock.withLock { received.append(message) }
                            data = nil
                            try await say("250 2.0.0 queued")
                        } else {
                            lines.append(line.hasPrefix("..") ? String(line.dropFirst()) : line)
                            data = lines
                        }
                        continue
                    }
                    let verb = line.prefix(4).uppercased()
                    switch verb {
                    case "EHLO", "HELO": try await say("250-sink.test\r\n250-8BITMIME\r\n250 AUTH PLAIN")
                    case "AUTH": try await say("235 2.7.0 ok")
                    case "MAIL":
                        from = line
                        to = []
                        try await say("250 2.1.0 ok")
                    case "RCPT":
                        if refusing { try await say("550 5.1.1 no such user") } else {
                            to.append(String(line.drop { $0 != "<" }.dropFirst().prefix { $0 != ">" }))
                            try await say("250 2.1.5 ok")
                        }
                    case "DATA":
                        data = []
                        try await say("354 go ahead")
                    case "QUIT":
                        try await say("221 bye")
                        return
                    default: try await say("502 5.5.2 unknown")
                    }
                }
            }
        }
    }
}
