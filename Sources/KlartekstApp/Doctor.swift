import Foundation
import KlartekstCore
import KlartekstExtraction
import KlartekstStore
import Logging

/// `klartekst doctor`: what is installed and configured, in plain words.
public enum Doctor {
    public struct Check: Sendable {
        public var name: String
        public var ok: Bool
        public var detail: String
        /// A missing optional part is reported but does not fail the doctor.
        public var required: Bool
    }

    public static func run(config: AppConfig, logger: Logger) async -> [Check] {
        var checks: [Check] = []
        checks.append(Check(name: "configuration", ok: true, detail: "database \(PostgresDatabase.redact(config.databaseURL)); web http://\(config.host):\(config.port)/", required: true))
        do {
            let store = try await App.openStore(config, logger: logger)
            let counts = try await store.counts()
            let migrations = try await store.appliedMigrations()
            checks.append(Check(
                name: "database", ok: true,
                detail: "\(store.backendName) reachable; migrations \(migrations.joined(separator: ", ")); \(counts.municipalities) municipalities, \(counts.meetings) meetings, \(counts.items) items, \(counts.revisions) revisions",
                required: true))
            await store.close()
        } catch {
            checks.append(Check(name: "database", ok: false, detail: "\(error)", required: true))
        }
        checks.append(Check(name: "HTML parser", ok: true, detail: "libxml2 \(HTMLEngine.version), section rules v\(SectionRules.version) (\(SectionRules.table.count) patterns)", required: true))
        do {
            let registry = try Registry.bundled()
            let fa = registry.municipalities.filter { $0.portalKind == "firstagenda" }.count
            checks.append(Check(name: "municipality registry", ok: true, detail: "\(registry.municipalities.count) municipalities, \(fa) with a First Agenda portal", required: true))
        } catch {
            checks.append(Check(name: "municipality registry", ok: false, detail: "\(error)", required: true))
        }
        for (tool, args, purpose) in [
            ("pdftotext", ["-v"], "PDF text (attachments)"), ("pdftoppm", ["-v"], "PDF pages to images for OCR"),
            ("tesseract", ["--version"], "OCR of scanned attachments"),
        ] {
            if let version = firstLine(of: tool, args) {
                checks.append(Check(name: tool, ok: true, detail: "\(version) — \(purpose)", required: false))
            } else {
                checks.append(Check(name: tool, ok: false, detail: "not installed — needed for \(purpose) (apt-get install poppler-utils tesseract-ocr tesseract-ocr-dan)", required: false))
            }
        }
        if let langs = output(of: "tesseract", ["--list-langs"]) {
            let hasDanish = langs.split(whereSeparator: \.isNewline).contains { $0 == "dan" }
            checks.append(Check(name: "Danish OCR data", ok: hasDanish, detail: hasDanish ? "tesseract has 'dan'" : "tesseract lacks 'dan' (apt-get install tesseract-ocr-dan)", required: false))
        }
        checks.append(Check(name: "language model", ok: false, detail: "not configured — citizen summaries are not generated yet", required: false))
        return checks
    }

    static func output(of tool: String, _ args: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + args
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    static func firstLine(of tool: String, _ args: [String]) -> String? {
        output(of: tool, args)?.split(whereSeparator: \.isNewline).first.map(String.init)
    }
}
