import Foundation
import KlartekstCore
import KlartekstTestSupport
import Testing

@Suite("First Agenda payload decoding")
struct PortalDecodingTests {
    @Test("the Hvidovre agenda decodes as it really is: 22 items, zero GUIDs as no id, string booleans")
    func hvidovreAgenda() throws {
        let agenda = try Fixtures.hvidovreAgenda()
        #expect(agenda.items.count == 22)
        #expect(agenda.committee?.name == "Økonomiudvalget")
        // Moede.Id is the all-zero placeholder in the recording.
        #expect(agenda.meeting?.id == nil)
        #expect(agenda.id?.value == "0cad2b4d-c4a2-4583-a053-60704b2da0e5")
        #expect(agenda.meeting?.participants.count == 7)
        let item3 = try #require(agenda.items.first { $0.number == "3" })
        #expect(item3.caseNumber == "26/1172")
        #expect(item3.attachments.count == 9)
        #expect(item3.attachments.allSatisfy { $0.hasPDF })  // "true" as a string
        #expect(item3.fields.first?.documentID?.value == "af78a833-527e-4b6a-881a-9c0af4e6d123")
        let closed = agenda.items.filter { !$0.isOpen }.map(\.number)
        #expect(closed == ["33", "34"])
    }

    @Test("a single item decodes, with the duplicated pairs merged")
    func kalundborgItem() throws {
        let item = try Fixtures.kalundborgItem()
        #expect(item.caption == "Beslutning om hjemløsestrategi")
        #expect(item.number == "4")
        #expect(item.caseNumber == "25-008999")
        #expect(item.isOpen == false)
        #expect(item.attachments.map(\.name) == ["Afsluttende statusnotat Kalundborg", "Udkast til hjemløsestrategi 2026-2029"])
    }

    @Test("HarPdfVersion arrives as a boolean, a string or a number")
    func lenientBooleans() throws {
        let json = """
            {"Dagsordenpunkter":[{"Caption":"A","Number":1,"Felter":[],"Bilag":[
              {"Id":"00000000-0000-0000-0000-000000000000","Navn":"x","HarPdfVersion":true},
              {"Id":"11111111-0000-0000-0000-000000000000","Navn":"y","HarPdfVersion":"false"},
              {"Navn":"z","HarPdfVersion":1}]}]}
            """
        guard case .agenda(let a) = try FirstAgendaMapper.decode(Data(json.utf8)) else {
            Issue.record("not decoded as an agenda")
            return
        }
        let bilag = a.items[0].attachments
        #expect(bilag.map(\.hasPDF) == [true, false, true])
        #expect(bilag[0].id == nil)  // the zero GUID is no id
        #expect(a.items[0].number == "1")  // a number where a string was expected
    }

    @Test("bad bodies get a clear error", arguments: [
        ("", "not valid JSON"),
        ("{\"Dagsordenpunkter\": [ {\"Caption\": \"x\"", "not valid JSON"),
        ("[1, 2, 3]", "expected a JSON object"),
        ("{\"foo\": 1, \"bar\": 2}", "not a First Agenda agenda"),
        ("{\"Dagsordenpunkter\": {\"a\": 1}}", "wrong shape"),
        ("{\"Dagsordenpunkter\": [{\"IsOpen\": \"maybe\", \"Caption\": \"x\"}]}", "wrong shape"),
        ("{\"Dagsordenpunkter\": [{}]}", "wrong shape"),
    ])
    func badBodies(body: String, expected: String) {
        do {
            _ = try FirstAgendaMapper.decode(Data(body.utf8))
            Issue.record("accepted \(body)")
        } catch {
            #expect(error.description.contains(expected), "\(error.description)")
        }
    }

    @Test("mapping to the ingestion format uses local dates and document kinds")
    func mapping() throws {
        let meeting = try Fixtures.hvidovreMeeting()
        #expect(meeting.date == "2026-05-18")
        #expect(meeting.key == "hvidovre/oekonomiudvalget-2026-05-18")
        #expect(meeting.documentKind == .agenda)
        #expect(meeting.participants.contains("Anders Liltorp"))  // double space collapsed
        #expect(meeting.items.map(\.number).prefix(3) == ["1", "2", "3"])
        #expect(FirstAgendaMapper.portalHost(of: .agenda(try Fixtures.hvidovreAgenda())) == "dagsordener-referater.hvidovre.dk")
        #expect(DocumentKind.from(name: "Referat", finished: true) == .minutes)
        #expect(DocumentKind.from(name: "Tillægsdagsorden", finished: false) == .supplementaryAgenda)
    }

    @Test("item identity ignores portal GUIDs, so a republished meeting hashes the same")
    func identity() throws {
        let meeting = try Fixtures.hvidovreMeeting()
        var republished = meeting
        for i in republished.items.indices {
            republished.items[i].portalID = UUID().uuidString.lowercased()
            for j in republished.items[i].attachments.indices {
                republished.items[i].attachments[j].portalID = UUID().uuidString.lowercased()
            }
        }
        republished.portalMeetingID = UUID().uuidString.lowercased()
        #expect(meeting.items.map { $0.key(in: meeting) } == republished.items.map { $0.key(in: republished) })
        #expect(meeting.items.map(\.contentHash) == republished.items.map(\.contentHash))
        var changed = meeting.items[5]
        changed.html += "<h3>Beslutning</h3><p>Godkendt.</p>"
        #expect(changed.contentHash != meeting.items[5].contentHash)
        // Items 1 and 2 share a case number; the item number keeps them apart.
        #expect(meeting.items[0].key(in: meeting) != meeting.items[1].key(in: meeting))
    }
}
