import Foundation
import KlartekstCore

/// Stable, readable URLs built from identities (never database ids or portal GUIDs).
public enum Paths {
    static func segment(_ s: String) -> String { SiteLinks.segment(s) }

    public static func municipality(_ slug: String) -> String { "/kommune/\(segment(slug))" }
    public static func meeting(_ municipality: String, _ meeting: String) -> String {
        "\(Self.municipality(municipality))/moede/\(segment(meeting))"
    }
    public static func item(_ municipality: String, _ meeting: String, _ number: String) -> String {
        SiteLinks.item(municipality, meeting, number)
    }
    public static func caseFile(_ municipality: String, _ caseSlug: String) -> String {
        "\(Self.municipality(municipality))/sag/\(segment(caseSlug))"
    }

    public static func attachment(_ municipality: String, _ portalID: String) -> String {
        "\(Self.municipality(municipality))/bilag/\(segment(portalID))"
    }
    public static func apiAttachment(_ municipality: String, _ portalID: String) -> String {
        "\(apiMunicipality(municipality))/attachments/\(segment(portalID))"
    }

    public static func apiMunicipality(_ slug: String) -> String { "/api/v1/municipalities/\(segment(slug))" }
    public static func apiMeeting(_ municipality: String, _ meeting: String) -> String {
        "\(apiMunicipality(municipality))/meetings/\(segment(meeting))"
    }
    public static func apiItem(_ municipality: String, _ meeting: String, _ number: String) -> String {
        "\(apiMeeting(municipality, meeting))/items/\(segment(number))"
    }
    public static func apiCase(_ municipality: String, _ caseSlug: String) -> String {
        "\(apiMunicipality(municipality))/cases/\(segment(caseSlug))"
    }

    /// Links into the First Agenda portal.
    enum Portal {
        static func attachment(base: String, id: String) -> String {
            "\(base)/vis/pdf/bilag/\(segment(id))/?redirectDirectlyToPdf=true"
        }
        static func meeting(base: String, id: String) -> String { "\(base)/vis?id=\(segment(id))" }
        static func item(base: String, meetingID: String, number: String) -> String {
            "\(base)/vis?id=\(segment(meetingID))&punkt=\(segment(number))"
        }
    }
}
