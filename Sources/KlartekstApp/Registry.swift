import Foundation
import KlartekstCore

/// The municipalities Klartekst knows, from `Resources/municipalities.json` (data, not code).
public struct Registry: Sendable {
    public var municipalities: [Municipality]

    public init(municipalities: [Municipality]) { self.municipalities = municipalities }

    /// The registry named by the configuration, or the bundled one.
    public static func load(path: String?) throws -> Registry {
        guard let path else { return try bundled() }
        do {
            return try load(Data(contentsOf: URL(fileURLWithPath: path)))
        } catch let error as AppError {
            throw AppError("\(path): \(error.description)")
        } catch {
            throw AppError("cannot read the municipality registry \(path): \(error.localizedDescription)")
        }
    }

    /// The registry bundled with Klartekst.
    public static func bundled() throws -> Registry {
        guard let url = Bundle.module.url(forResource: "municipalities", withExtension: "json") else {
            throw AppError("the municipality registry is missing from the bundle")
        }
        return try load(Data(contentsOf: url))
    }

    public static func load(_ data: Data) throws -> Registry {
        struct File: Decodable { var municipalities: [Municipality] }
        do {
            return Registry(municipalities: try JSONDecoder().decode(File.self, from: data).municipalities)
        } catch {
            throw AppError("the municipality registry is not valid: \(error)")
        }
    }

    public func municipality(slug: String) -> Municipality? { municipalities.first { $0.slug == slug } }

    /// The municipality whose portal has this host.
    public func municipality(host: String) -> Municipality? {
        let h = host.lowercased()
        return municipalities.first { $0.portalHost == h }
    }
}

public struct AppError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
