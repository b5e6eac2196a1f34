import ArgumentParser
import Foundation
import KlartekstApp
import NIOCore
import NIOPosix

/// The program's start: Swift concurrency's tasks run on NIO's event-loop threads, where the
/// web server's and the database's I/O already is, instead of handing every request and every
/// database answer from one pool of threads to another (a search spends 0.3–0.5 ms less; see
/// docs/benchmarks.md). The server's work holds no thread while it waits: subprocesses, SQLite
/// (GRDB's own queues) and HTTP are awaited (only `doctor` waits for its tool checks, alone).
///
/// When the command is done the process ends with `_exit` after flushing its output: the
/// store and pools are closed by then, and exit handlers could wait on event-loop or subprocess
/// threads that never end (a stopped worker once stayed alive for 30 minutes that way).
@main
enum Entry {
    static func main() async {
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        var code: Int32 = 0
        do {
            var command = try Klartekst.parseAsRoot()
            if var command = command as? AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            code = Klartekst.exitCode(for: error).rawValue
            let message = Klartekst.fullMessage(for: error)
            if !message.isEmpty {
                FileHandle(fileDescriptor: code == 0 ? 1 : 2).write(Data((message + "\n").utf8))
            }
        }
        ShutdownGuard.exitNow(code)
    }
}
