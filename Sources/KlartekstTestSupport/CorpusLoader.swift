import Foundation
import KlartekstCore

/// Reads the structure corpus (`evals/corpus/`): every `*.json` but the labels, with its
/// `*.labels.json` beside it.
public enum CorpusLoader {
    public static func loadAll(root: URL) throws -> [StructureCorpus.Document] {
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return [] }
        var files: [URL] = []
        for case let url as URL in walker where url.pathExtension == "json" && !url.lastPathComponent.hasSuffix(".labels.json") {
            files.append(url)
        }
        return try files.sorted { $0.path < $1.path }.map { url in
            let labelsURL = url.deletingPathExtension().appendingPathExtension("labels.json")
            let labels = FileManager.default.fileExists(atPath: labelsURL.path) ? try Data(contentsOf: labelsURL) : nil
            let relative = url.path.replacingOccurrences(of: root.path + "/", with: "")
            return try StructureCorpus.document(path: relative, data: try Data(contentsOf: url), labels: labels,
                municipality: url.deletingLastPathComponent().lastPathComponent)
        }
    }
}
