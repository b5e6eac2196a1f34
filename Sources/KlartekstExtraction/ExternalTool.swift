import Foundation
import Subprocess

/// Runs an external program (pdftotext, pdftoppm, tesseract) as a subprocess with a wall-clock
/// timeout (`timeout -k`), a memory and CPU cap (`prlimit`) and its exit status checked: a hang
/// is cut off, a memory bomb is capped, a crash of the tool fails that one document — never
/// Klartekst.
public struct ExternalTool: Sendable {
    public struct Limits: Sendable {
        public var seconds: Int
        public var memoryBytes: Int
        public var outputBytes: Int
        public init(seconds: Int = 120, memoryBytes: Int = 2 << 30, outputBytes: Int = 256 << 20) {
            self.seconds = seconds
            self.memoryBytes = memoryBytes
            self.outputBytes = outputBytes
        }
    }

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public enum Reason: Sendable, Equatable { case timedOut, crashed(Int32), failed(Int32), outputTooLarge, notFound }
        public var tool: String
        public var reason: Reason
        public var stderr: String
        public var description: String {
            let detail = stderr.split(separator: "\n").prefix(2).joined(separator: " / ")
            switch reason {
            case .timedOut: return "\(tool) timed out"
            case .crashed(let sig): return "\(tool) crashed (signal \(sig))\(detail.isEmpty ? "" : ": \(detail)")"
            case .failed(let code): return "\(tool) failed (exit \(code))\(detail.isEmpty ? "" : ": \(detail)")"
            case .outputTooLarge: return "\(tool) wrote more output than allowed"
            case .notFound: return "\(tool) is not installed"
            }
        }
    }

    /// The program, by name (PATH) or path; overridable for tests and unusual installs.
    public var executable: String
    public var limits: Limits
    public var environment: [String: String]

    public init(_ executable: String, limits: Limits = Limits(), environment: [String: String] = [:]) {
        self.executable = executable
        self.limits = limits
        self.environment = environment
    }

    public var name: String { URL(fileURLWithPath: executable).lastPathComponent }

    /// Runs the tool; returns its standard output.
    public func run(_ arguments: [String]) async throws -> [UInt8] {
        let (status, output, stderr) = try await execute(arguments)
        switch status {
        case .exited(0):
            return output
        case .exited(124), .exited(137):
            throw Failure(tool: name, reason: .timedOut, stderr: stderr)
        case .exited(127), .exited(126):
            throw Failure(tool: name, reason: .notFound, stderr: stderr)
        case .exited(let code) where code > 128:
            throw Failure(tool: name, reason: .crashed(code - 128), stderr: stderr)
        case .exited(let code):
            throw Failure(tool: name, reason: .failed(code), stderr: stderr)
        case .signaled(let sig):
            throw Failure(tool: name, reason: .crashed(sig), stderr: stderr)
        }
    }

    func execute(_ arguments: [String]) async throws -> (TerminationStatus, [UInt8], String) {
        let wrapped = [
            "-k", "5", String(limits.seconds), "prlimit", "--as=\(limits.memoryBytes)", "--cpu=\(limits.seconds + 5)", "--",
            executable,
        ] + arguments
        var env = Environment.inherit
        if !environment.isEmpty {
            env = env.updating(Dictionary(uniqueKeysWithValues: environment.map { (Environment.Key(stringLiteral: $0.key), Optional($0.value)) }))
        }
        do {
            let result = try await Subprocess.run(
                .name("timeout"), arguments: Arguments(wrapped), environment: env, output: .bytes(limit: limits.outputBytes),
                error: .string(limit: 64 * 1024))
            return (result.terminationStatus, result.standardOutput, result.standardError)
        } catch {
            if "\(error)".lowercased().contains("limit") {
                throw Failure(tool: name, reason: .outputTooLarge, stderr: "")
            }
            throw Failure(tool: name, reason: .failed(-1), stderr: "\(error)")
        }
    }

    /// The tool's version line (within ten seconds), or nil when it does not run.
    public func version(_ flag: String = "-v") async -> String? {
        var quick = self
        quick.limits.seconds = 10
        guard let (status, out, err) = try? await quick.execute([flag]), case .exited(let code) = status, code == 0 || code == 1 else {
            return nil
        }
        let text = String(decoding: out, as: UTF8.self) + err
        return text.split(separator: "\n").first.map { String($0).trimmingCharacters(in: .whitespaces) }
    }
}
