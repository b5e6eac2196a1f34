import ArgumentParser
import NIOCore
import NIOPosix

/// The program's start: Swift concurrency's tasks run on NIO's event-loop threads, where the
/// web server's and the database's I/O already is, instead of handing every request and every
/// database answer from one pool of threads to another (a search spends 0.3–0.5 ms less; see
/// docs/benchmarks.md). The server's work holds no thread while it waits: subprocesses, SQLite
/// (GRDB's own queues) and HTTP are awaited (only `doctor` waits for its tool checks, alone).
@main
enum Entry {
    static func main() async {
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        await Klartekst.main()
    }
}
