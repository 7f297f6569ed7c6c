import ContextdTestKit
import Foundation
import Testing

/// Several inputs are served in turn, one file each, so a flood in one spool cannot starve
/// another; and `log.format: json` gives one JSON object per line.
@Suite(.serialized, .blocksAThread) struct FairnessTests {
    @Test func spoolsAreServedInTurnAndJSONLogsParse() throws {
        let sandbox = try DaemonSandbox()
        try """
            rules: ./rules
            data_dir: ./var
            inputs:
              - name: cards
                path: ./spool-cards
              - name: crm
                path: ./spool-crm
                kind: process
            outbox: ./outbox
            http:
              listen: 127.0.0.1:0
            log:
              format: json
            """.write(to: sandbox.directory.appendingPathComponent("contextd.yaml"), atomically: true, encoding: .utf8)
        let event = #"{"specversion":"1.0","id":"ID","source":"S","type":"location.checkin","subject":"cust-1","time":"2026-11-20T10:00:00Z","data":{"lat":1,"lon":2,"city":"X"}}"#
        for (spool, count) in [("cards", 6), ("crm", 3)] {
            let root = sandbox.directory.appendingPathComponent("spool-\(spool)")
            for folder in ["tmp", "new"] {
                try FileManager.default.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
            }
            for index in 0..<count {
                let name = "\(spool)-\(index).jsonl"
                let temporary = root.appendingPathComponent("tmp/\(name)")
                try (event.replacingOccurrences(of: "ID", with: name).replacingOccurrences(of: "\"S\"", with: "\"\(spool)\"")
                    + "\n").write(to: temporary, atomically: false, encoding: .utf8)
                try FileManager.default.moveItem(at: temporary, to: root.appendingPathComponent("new/\(name)"))
            }
        }
        try sandbox.start()
        try sandbox.waitUntil("all nine files are done") {
            sandbox.logText.split(separator: "\n").filter { $0.contains("\"file done\"") }.count == 9
        }
        #expect(try sandbox.stop() == 0)

        var order: [String] = []
        for line in sandbox.logText.split(separator: "\n") {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            let record = try #require(object, "not a JSON object: \(line)")
            #expect(record["time"] is String && record["level"] is String && record["message"] is String)
            if record["message"] as? String == "file done" { order.append(try #require(record["spool"] as? String)) }
        }
        // One file from each spool in turn while both have files waiting, then the rest of cards.
        #expect(order == ["cards", "crm", "cards", "crm", "cards", "crm", "cards", "cards", "cards"])
    }
}
