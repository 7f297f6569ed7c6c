import ContextdTestKit
import Foundation

/// A reproducible stream of the stock mix (fraud pairs, balances and rent, lead visits,
/// sessions, plus duplicates), as JSON Lines split into files with time-sortable names, the
/// way an upstream system would drop it.
struct EventMix {
    var customers: Int
    var start: Date
    var seed: UInt64

    /// `(file name, JSON Lines text)` in name order, `perFile` events each.
    func files(perFile: Int) -> [(name: String, text: String)] {
        var lines = events()
        // Every 50th event again, later: producers resend, contextd must apply it once.
        let resent = stride(from: 0, to: lines.count, by: 50).map { lines[$0] }
        lines += resent
        return stride(from: 0, to: lines.count, by: perFile).enumerated().map { index, offset in
            let name = String(format: "batch-%05d.jsonl", index)
            return (name, lines[offset..<min(offset + perFile, lines.count)].joined(separator: "\n") + "\n")
        }
    }

    func events() -> [String] {
        var random = SplitMix(state: seed)
        var events: [(time: Date, line: String)] = []
        let formatter = ISO8601DateFormatter()
        func add(_ id: String, _ source: String, _ type: String, _ subject: String, _ time: Date, _ data: String) {
            events.append((time, """
                {"specversion":"1.0","id":"\(id)","source":"\(source)","type":"\(type)","subject":"\(subject)",\
                "time":"\(formatter.string(from: time))","data":\(data)}
                """))
        }
        for c in 0..<customers {
            let subject = "cust-\(c)"
            let t = start.addingTimeInterval(Double(c) * 97 + Double(random.next() % 600))
            add("ci-\(c)", "mobile", "location.checkin", subject, t,
                #"{"lat":40.7128,"lon":-74.006,"city":"New York"}"#)
            let far = c % 3 == 0
            add("tx-\(c)", "cards", "card.transaction", subject, t.addingTimeInterval(far ? 2400 : 7200),
                far ? #"{"amount":120.5,"currency":"EUR","merchant":"Cafe","lat":48.8566,"lon":2.3522,"city":"Paris","card_present":true}"#
                    : #"{"amount":12.0,"currency":"USD","merchant":"Deli","lat":40.73,"lon":-73.99,"city":"New York","card_present":true}"#)
            let due = Calendar(identifier: .gregorian).startOfDay(for: t.addingTimeInterval(86_400 * Double(3 + c % 6)))
            let dueText = String(formatter.string(from: due).prefix(10))
            add("ps-\(c)", "payments", "payment.scheduled", subject, t.addingTimeInterval(600),
                #"{"payment_id":"rent-\#(c)","payee":"Landlord","category":"rent","amount":1200,"currency":"EUR","due":"\#(dueText)"}"#)
            add("bal-\(c)", "core-banking", "account.balance", subject, t.addingTimeInterval(900),
                #"{"balance":\#(c % 2 == 0 ? 300 : 5000),"currency":"EUR"}"#)
            let owner = "user-\(c % 7)"
            add("ss-\(c)", "crm", "session.started", owner, t.addingTimeInterval(100),
                #"{"device":"phone","form_factor":"\#(c % 4 == 0 ? "mobile" : "desktop")"}"#)
            add("lv-\(c)", "web", "lead.visit", "lead-\(c % 40)", t.addingTimeInterval(1200),
                #"{"page":"\#(c % 2 == 0 ? "/pricing" : "/blog")","owner":"\#(owner)"}"#)
        }
        return events.sorted { $0.time < $1.time }.map(\.line)
    }
}
