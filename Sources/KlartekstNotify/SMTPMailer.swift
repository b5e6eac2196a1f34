import Foundation
import KlartekstCore
import NIOCore
import NIOPosix

/// Sends e-mail over SMTP (RFC 5321) to a relay: `smtp://[user:password@]host[:port]`. Plain SMTP
/// to a relay on the same host or network (Postfix, a provider's relay on a private network);
/// AUTH PLAIN when a user is given. Every reply is checked; a refusal or a timeout throws, so
/// the digest stays pending and is tried again.
public struct SMTPMailer: Sendable {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    public var host: String
    public var port: Int
    public var user: String?
    public var password: String?
    /// The envelope and From address.
    public var from: String
    public var heloName: String
    public var timeout: Duration

    public init(url: String, from: String, heloName: String = "klartekst", timeout: Duration = .seconds(30)) throws {
        guard let u = URL(string: url), u.scheme == "smtp", let host = u.host, !host.isEmpty else {
            throw Failure(description: "smtp.url must look like smtp://[user:password@]host[:port] (got \(url))")
        }
        self.host = host
        self.port = u.port ?? 25
        self.user = u.user?.removingPercentEncoding
        self.password = u.password?.removingPercentEncoding
        self.from = from
        self.heloName = heloName
        self.timeout = timeout
    }

    /// The message as sent: headers (UTF-8 subject encoded), a plain-text body, dot-stuffed, CRLF.
    public func render(_ m: AlertMail.Message, date: Date = Date(), messageID: String = UUID().uuidString) -> String {
        var headers = [
            "From: Klartekst <\(from)>", "To: <\(m.to)>", "Subject: \(Self.encodedWord(m.subject))", "Date: \(Self.rfc5322(date))",
            "Message-ID: <\(messageID)@\(heloName)>", "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit",
            "Auto-Submitted: auto-generated",
        ]
        if let u = m.unsubscribeURL {
            headers += ["List-Unsubscribe: <\(u)>", "List-Unsubscribe-Post: List-Unsubscribe=One-Click"]
        }
        let body = m.body.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(".") ? "." + $0 : String($0) }.joined(separator: "\r\n")
        return headers.joined(separator: "\r\n") + "\r\n\r\n" + body + "\r\n"
    }

    static func encodedWord(_ s: String) -> String {
        s.allSatisfy(\.isASCII) ? s : "=?utf-8?B?" + Data(s.utf8).base64EncodedString() + "?="
    }

    static func rfc5322(_ d: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return f.string(from: d)
    }

    public func send(_ m: AlertMail.Message) async throws {
        guard Subscription.validEmail(m.to) else { throw Failure(description: "not an e-mail address: \(m.to)") }
        let data = render(m)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.conversation(to: m.to, data: data) }
            group.addTask {
                try await Task.sleep(for: self.timeout)
                throw Failure(description: "the SMTP server \(self.host):\(self.port) did not finish within \(self.timeout)")
            }
            try await group.next()
            group.cancelAll()
        }
    }

    func conversation(to: String, data: String) async throws {
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(10))
                .connect(host: host, port: port) { ch in
                    ch.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: ch) }
                }
        } catch {
            throw Failure(description: "cannot reach the SMTP server \(host):\(port): \(error)")
        }
        try await channel.executeThenClose { inbound, outbound in
            var reader = LineReader(inbound.makeAsyncIterator())
            func expect(_ code: Int, after command: String) async throws {
                let (got, text) = try await reader.reply()
                guard got == code else { throw Failure(description: "SMTP \(command) → \(got) \(text)") }
            }
            func send(_ line: String) async throws { try await outbound.write(ByteBuffer(string: line + "\r\n")) }
            try await expect(220, after: "greeting")
            try await send("EHLO \(heloName)")
            try await expect(250, after: "EHLO")
            if let user, let password {
                try await send("AUTH PLAIN " + Data("\0\(user)\0\(password)".utf8).base64EncodedString())
                try await expect(235, after: "AUTH")
            }
            try await send("MAIL FROM:<\(from)>")
            try await expect(250, after: "MAIL FROM")
            try await send("RCPT TO:<\(to)>")
            try await expect(250, after: "RCPT TO")
            try await send("DATA")
            try await expect(354, after: "DATA")
            try await outbound.write(ByteBuffer(string: data + ".\r\n"))
            try await expect(250, after: "message")
            try await send("QUIT")
            _ = try? await reader.reply()
        }
    }
}

/// SMTP replies from a byte stream: lines up to CRLF; multi-line replies (`250-…`) joined.
struct LineReader {
    var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    var pending: [UInt8] = []

    init(_ iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator) { self.iterator = iterator }

    mutating func line() async throws -> String {
        while true {
            if let nl = pending.firstIndex(of: 10) {
                let bytes = pending[..<nl]
                pending.removeSubrange(...nl)
                return String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
            }
            guard var chunk = try await iterator.next() else { throw SMTPMailer.Failure(description: "the SMTP server closed the connection") }
            pending += chunk.readBytes(length: chunk.readableBytes) ?? []
            if pending.count > 64 * 1024 { throw SMTPMailer.Failure(description: "the SMTP server sent an over-long line") }
        }
    }

    mutating func reply() async throws -> (Int, String) {
        var text = ""
        while true {
            let l = try await line()
            guard l.count >= 3, let code = Int(l.prefix(3)) else { throw SMTPMailer.Failure(description: "not an SMTP reply: \(l.prefix(80))") }
            text += l.dropFirst(4)
            if l.count == 3 || l[l.index(l.startIndex, offsetBy: 3)] != "-" { return (code, text) }
            text += " "
        }
    }
}
