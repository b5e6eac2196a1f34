import Foundation
import KlartekstCore

extension FakePortal {
    /// A small valid PDF whose text names the file (so content differs per file).
    public static func pdf(named name: String) -> Data {
        let lines = ["Bilag \(name)", "Dette bilag beskriver kommunens indsats for borgere", "i hjemloshed og de boligsociale tilbud."]
        let stream = "BT /F1 12 Tf 72 720 Td 14 TL " + lines.map { "(\($0)) Tj T*" }.joined(separator: " ") + " ET"
        var out = "%PDF-1.4\n"
        var offsets: [Int] = []
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            "<< /Length \(stream.utf8.count) >>\nstream\n\(stream)\nendstream",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
        for (i, o) in objects.enumerated() {
            offsets.append(out.utf8.count)
            out += "\(i + 1) 0 obj\n\(o)\nendobj\n"
        }
        let xref = out.utf8.count
        out += "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for o in offsets { out += String(format: "%010d 00000 n \n", o) }
        out += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        return Data(out.utf8)
    }

    /// `count` meetings of Økonomiudvalget, one a day from 2025-01-01, each the recorded 22-item
    /// Hvidovre agenda under new ids, with a small PDF of its own for every attachment. The ids
    /// depend only on `count` and `tag` (portals generated with different tags share none), so
    /// two runs over the same workload store the same data.
    public static func generated(meetings count: Int, tag: Int = 0) throws -> (meetings: [Meeting], files: [String: Data]) {
        let base = try hvidovre(meetingsSince: "2099-01-01")
        let template = base.meetings[0]
        var meetings: [Meeting] = []
        var files = base.files
        let templateJSON = try JSONSerialization.jsonObject(with: template.agenda) as! [String: Any]
        for n in 0..<count {
            var json = templateJSON
            var items = json["Dagsordenpunkter"] as! [[String: Any]]
            for i in items.indices {
                items[i]["Id"] = String(format: "%08x-%04x-4001-8000-%012d", n, tag, i)
                var bilag = items[i]["Bilag"] as! [[String: Any]]
                for j in bilag.indices {
                    let id = String(format: "%08x-%04x-4000-8000-%012d", n, tag, i * 100 + j)
                    bilag[j]["Id"] = id
                    files[id] = pdf(named: id)
                }
                items[i]["Bilag"] = bilag
                var felter = items[i]["Felter"] as! [[String: Any]]
                felter[0]["DocumentId"] = "00000000-0000-0000-0000-000000000000"
                items[i]["Felter"] = felter
            }
            json["Dagsordenpunkter"] = items
            let id = String(format: "%08x-%04x-4002-8000-000000000000", n, tag)
            json["Id"] = id
            let day = Calendar(identifier: .gregorian).date(byAdding: .day, value: n, to: Date(timeIntervalSince1970: 1_735_689_600))!
            let date = String(day.formatted(.iso8601).prefix(10))
            meetings.append(Meeting(
                id: id, committeeID: template.committeeID, committeeName: "Økonomiudvalget", date: date, name: "Dagsorden",
                finished: false, released: date, agenda: try JSONSerialization.data(withJSONObject: json)))
        }
        return (meetings, files)
    }

    /// Hvidovre: the recorded Økonomiudvalget agenda, plus Børne- og Uddannelsesudvalget's recorded
    /// meeting list with agendas made from one recorded item each (new ids, dates and case numbers).
    public static func hvidovre(meetingsSince: String = "2025-01-01") throws -> (meetings: [Meeting], files: [String: Data]) {
        var files: [String: Data] = [:]
        let agendaData = try Data(contentsOf: Fixtures.hvidovreAgendaURL)
        let agenda = try JSONSerialization.jsonObject(with: agendaData) as! [String: Any]
        var meetings: [Meeting] = []
        func collectFiles(_ items: [[String: Any]]) {
            for item in items {
                for b in item["Bilag"] as? [[String: Any]] ?? [] {
                    if let id = (b["Id"] as? String)?.lowercased() { files[id] = pdf(named: id) }
                }
                for f in item["Felter"] as? [[String: Any]] ?? [] {
                    if let id = (f["DocumentId"] as? String)?.lowercased() { files[id] = pdf(named: "sagsfremstilling \(id)") }
                }
            }
        }
        collectFiles(agenda["Dagsordenpunkter"] as! [[String: Any]])
        meetings.append(Meeting(
            id: "0cad2b4d-c4a2-4583-a053-60704b2da0e5", committeeID: "5dd92504-8e21-4dc9-90cc-1584b1ca0882",
            committeeName: "Økonomiudvalget", date: "2026-05-18", name: "Dagsorden", finished: false, released: "2026-05-12T12:00:00",
            agenda: agendaData))

        let boerne = try JSONSerialization.jsonObject(with: Data(contentsOf: Fixtures.testFixture("firstagenda/udvalg_boerne.json"))) as! [String: Any]
        let template = (agenda["Dagsordenpunkter"] as! [[String: Any]])[4]  // item 5: one attachment
        for (n, m) in (boerne["Moeder"] as! [[String: Any]]).enumerated() {
            let id = (m["Id"] as! String).lowercased()
            let date = String((m["Dato"] as! String).prefix(10))
            guard date >= meetingsSince else { continue }
            var item = template
            item["Id"] = UUID(uuidString: String(format: "00000000-0000-4000-8000-%012d", n))!.uuidString.lowercased()
            item["CaseNumber"] = "25/\(9000 + n)"
            item["SagsNummer"] = "25/\(9000 + n)"
            item["Number"] = "1"
            item["Punktnummer"] = "1"
            let bilagID = String(format: "00000000-0000-4000-9000-%012d", n)
            item["Bilag"] = [["Id": bilagID, "Navn": "Bilag til møde \(date)", "Order": 0, "HarPdfVersion": "true"]]
            var felter = item["Felter"] as! [[String: Any]]
            let docID = String(format: "00000000-0000-4000-a000-%012d", n)
            felter[0]["DocumentId"] = docID
            item["Felter"] = felter
            files[bilagID] = pdf(named: bilagID)
            files[docID] = pdf(named: "sagsfremstilling \(docID)")
            let body: [String: Any] = [
                "Id": id, "Udvalg": ["Id": "b0e1", "Navn": "Børne- og Uddannelsesudvalget", "Historisk": false],
                "Moede": ["Id": "00000000-0000-0000-0000-000000000000", "Dato": m["Dato"] as! String, "Navn": m["Navn"] as! String,
                          "Afsluttet": m["Afsluttet"] as! Bool, "Sted": "Hvidovre", "Moededeltagere": [[String: Any]]()],
                "TillaegsDagsorden": false, "Dagsordenpunkter": [item],
            ]
            meetings.append(Meeting(
                id: id, committeeID: "b0e1", committeeName: "Børne- og Uddannelsesudvalget", date: date, name: m["Navn"] as! String,
                finished: m["Afsluttet"] as! Bool, released: (m["ReleasedDate"] as? String) ?? "",
                agenda: try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])))
        }
        return (meetings, files)
    }

    /// Kalundborg: the recorded item inside an agenda of "Socialudvalget".
    public static func kalundborg() throws -> (meetings: [Meeting], files: [String: Data]) {
        let item = try JSONSerialization.jsonObject(with: Data(contentsOf: Fixtures.kalundborgItemURL)) as! [String: Any]
        var files: [String: Data] = [:]
        for b in item["Bilag"] as? [[String: Any]] ?? [] { if let id = (b["Id"] as? String)?.lowercased() { files[id] = pdf(named: id) } }
        for f in item["Felter"] as? [[String: Any]] ?? [] {
            if let id = (f["DocumentId"] as? String)?.lowercased() { files[id] = pdf(named: "sagsfremstilling \(id)") }
        }
        let id = "432cfc75-bf8e-4e83-8e9c-368d7a169d44"
        let body: [String: Any] = [
            "Id": id, "Udvalg": ["Id": "5a1", "Navn": "Socialudvalget", "Historisk": false],
            "Moede": ["Id": "00000000-0000-0000-0000-000000000000", "Dato": "2026-01-14T16:00:00+01:00", "Navn": "Referat", "Afsluttet": true],
            "TillaegsDagsorden": false, "Dagsordenpunkter": [item],
        ]
        return ([Meeting(
            id: id, committeeID: "5a1", committeeName: "Socialudvalget", date: "2026-01-14", name: "Referat", finished: true,
            released: "2026-01-20T09:00:00", agenda: try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys]))], files)
    }
}
