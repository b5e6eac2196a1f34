import Foundation
import Hummingbird
import Logging

/// Runs a Hummingbird router on a free 127.0.0.1 port for tests and benchmarks (fake portal,
/// scripted model server).
public enum LoopbackServer {
    /// Starts serving and returns once the port is bound: the running task and the port.
    public static func start(_ router: Router<BasicRequestContext>, name: String) async -> (Task<Void, any Error>, Int) {
        let ready = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: name),
            onServerRunning: { channel in
                if let port = channel.localAddress?.port { ready.continuation.yield(port) }
            },
            logger: Logger(label: name, factory: { _ in SwiftLogNoOpLogHandler() }))
        let task = Task { try await app.runService() }
        for await port in ready.stream { return (task, port) }
        return (task, 0)
    }

    /// Cancels a server started by ``start(_:name:)`` and waits for it to end.
    public static func stop(_ task: Task<Void, any Error>?) async {
        task?.cancel()
        _ = try? await task?.value
    }
}
