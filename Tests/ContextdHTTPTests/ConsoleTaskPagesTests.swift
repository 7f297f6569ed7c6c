import ContextdEngine
import ContextdEvents
import ContextdHTTP
import ContextdStore
import ContextdTestSupport
import Foundation
import Testing

/// The console's Tasks list, a task's page with its explanation, and a subject's page, on a
/// real server over a real store whose tasks went through the store's commit.
@Suite struct ConsoleTaskPagesTests {
    static let admin = "s3cret-admin-0123456789ab"
    static let fraud = "s3cret-fraud-0123456789ab"
    static let tokens = [
        AccessToken(name: "ops", secret: admin, assignees: [""], access: .admin),
        AccessToken(name: "fraud-desk", secret: fraud, assignees: ["queue:fraud"], access: .read),
    ]
    static let start = APIHarness.start
    static func at(_ minutes: Int) -> Timestamp { start + .seconds(Int64(minutes) * 60) }

    /// 120 tasks a minute apart (rule-a every third, ten subjects, queue:fraud for even ones,
    /// sales:emea for odd ones) and 3 deferred ones; the clock at 4 h; the queue:fraud ones
    /// queued; the oldest five leased, the oldest two of those acked.
    static func populated() async throws -> APIHarness {
        let harness = try APIHarness(tokens: tokens)
        var tasks = (0..<120).map { index in
            var task = APIHarness.task(name(index), assignee: index % 2 == 0 ? "queue:fraud" : "sales:emea",
                createdAt: at(index))
            task.rule = index % 3 == 0 ? "rule-a" : "rule-b"
            task.subject = "cust-\(index % 10)"
            return task
        }
        for index in 0..<3 {
            var task = APIHarness.task("d-\(index)", createdAt: at(121 + index))
            task.rule = "rule-d"
            task.notBefore = at(300)
            task.deferredBy = "quiet-hours"
            tasks.append(task)
        }
        try harness.store.commit(Commit(changes: StateChanges(clock: at(240)), tasks: tasks.map(TaskChange.created)))
        #expect(try harness.store.queueDueTasks(assigneePrefixes: ["queue:"], at: at(240)) == 60)
        let leased = try await harness.store.lease(assigneePrefixes: [""], limit: 5, holder: "crm",
            terms: harness.settings.lease, at: harness.clock.now)
        #expect(leased.map(\.record.id) == ["t-000", "t-002", "t-004", "t-006", "t-008"])
        for task in leased.prefix(2) {
            _ = try await harness.store.ack(taskID: task.record.id, leaseID: task.leaseID, outcome: .done, note: nil,
                scope: [""], at: harness.clock.now)
        }
        return harness
    }

    static func name(_ index: Int) -> String { "t-" + String(format: "%03d", index) }

    /// The task ids of a list page, in order.
    static func ids(_ page: PageResponse) -> [String] {
        page.text.matches(of: #/aria-label="Task ([^"]+)"/#).map { String($0.1) }
    }

    /// The "Older tasks" link of a list page, unescaped.
    static func older(_ page: PageResponse) -> String? {
        page.text.firstMatch(of: #/<a href="([^"]+)" rel="next">Older tasks</a>/#)
            .map { String($0.1).replacingOccurrences(of: "&amp;", with: "&") }
    }

    @Test func theListPagesNewestFirstFiftyAtATimeAndEachFilterGivesExactlyItsRows() async throws {
        let harness = try await Self.populated()
        try await harness.withServer { port in
            let ops = try await ConsoleBrowser.signedIn(port: port, secret: Self.admin)
            let first = try await ops.get("/tasks")
            #expect(first.status == 200)
            #expect(Self.ids(first) == ["d-2", "d-1", "d-0"] + (73...119).reversed().map(Self.name))
            let secondLink = try #require(Self.older(first))
            #expect(secondLink == "/tasks?before=" + linkEncoded("\(Self.at(73).milliseconds):t-073"))
            let second = try await ops.get(secondLink)
            #expect(Self.ids(second) == (23...72).reversed().map(Self.name))
            let third = try await ops.get(try #require(Self.older(second)))
            #expect(Self.ids(third) == (0...22).reversed().map(Self.name))
            #expect(Self.older(third) == nil)

            let ruleA = try await ops.get("/tasks?rule=rule-a")
            #expect(Self.ids(ruleA) == stride(from: 117, through: 0, by: -3).map(Self.name))
            let subject = try await ops.get("/tasks?subject=cust-3")
            #expect(Self.ids(subject) == stride(from: 113, through: 3, by: -10).map(Self.name))
            let sales = try await ops.get("/tasks?assignee=sales%3A")
            #expect(Self.ids(sales) == stride(from: 119, through: 21, by: -2).map(Self.name))
            let salesNext = try await ops.get(try #require(Self.older(sales)))
            #expect(Self.ids(salesNext) == stride(from: 19, through: 1, by: -2).map(Self.name))
            #expect(Self.older(sales)?.contains("assignee=sales%3A&before=") == true, "the link keeps the filter")
            #expect(Self.ids(try await ops.get("/tasks?state=deferred")) == ["d-2", "d-1", "d-0"])
            #expect(Self.ids(try await ops.get("/tasks?state=acked")) == ["t-002", "t-000"])
            #expect(Self.ids(try await ops.get("/tasks?state=leased")) == ["t-008", "t-006", "t-004"])
            let pending = try await ops.get("/tasks?state=pending")
            #expect(Self.ids(pending) == ["d-2", "d-1", "d-0"] + stride(from: 119, through: 27, by: -2).map(Self.name))
            let combined = try await ops.get("/tasks?rule=rule-a&subject=&assignee=queue%3A&state=queued")
            #expect(Self.ids(combined) == stride(from: 114, through: 12, by: -6).map(Self.name))
            // The form keeps what was asked; a browser's GET form sends spaces as '+'.
            #expect(combined.text.contains(#"<input type="text" name="rule" value="rule-a">"#))
            #expect(combined.text.contains(#"<input type="text" name="assignee" value="queue:">"#))
            #expect(combined.text.contains(#"<option value="queued" selected="">queued</option>"#))
            #expect(combined.text.contains(#"<option value="">any</option>"#))
            #expect(Self.ids(try await ops.get("/tasks?subject=cust+3")).isEmpty)
            // Each row: created, rule, subject (linked), assignee, priority, state, what, where/how, why.
            #expect(ruleA.text.contains(#"<td class="time"><a href="/task?id=t-117" aria-label="Task t-117">"#
                + Self.at(117).rfc3339 + "</a></td><td>rule-a</td>"
                + #"<td><a href="/subject?subject=cust-7">cust-7</a></td><td>sales:emea</td>"#
                + #"<td class="number">50</td><td>pending</td><td>Call</td><td>phone</td><td>because</td>"#))
            #expect(Self.ids(try await ops.get("/tasks?state=acked")).count == 2)
            let unknown = try await ops.get("/tasks?state=lost")
            #expect(unknown.status == 200 && unknown.text.contains("Unknown state &#39;lost&#39;; one of: pending, staged"))
            #expect(Self.ids(unknown).count == 50)
        }
    }

    @Test func aScopedTokenSeesOnlyItsPrefixesTasksAndNeverTheContext() async throws {
        let harness = try APIHarness(tokens: Self.tokens)
        var mine = APIHarness.task("t-mine", assignee: "queue:fraud")
        mine.subject = "cust-1"
        var theirs = APIHarness.task("t-theirs", assignee: "sales:emea", createdAt: Self.at(1))
        theirs.subject = "cust-1"
        theirs.what = "Offer a loan"
        var changes = StateChanges(clock: Self.at(10))
        changes.contexts = [EntityContext(subject: "cust-1", states: [
            "last_city": .latest(ContextEntry(value: .string("Paris"), time: Self.at(2), eventID: "evt-9",
                eventType: "card.transaction")),
            "spend_7d": .window([.init(time: Self.at(2), amount: 120.5)]),
        ])]
        try harness.store.commit(Commit(changes: changes, tasks: [.created(mine), .created(theirs)]))
        try await harness.withServer { port in
            let desk = try await ConsoleBrowser.signedIn(port: port, secret: Self.fraud)
            #expect(Self.ids(try await desk.get("/tasks")) == ["t-mine"])
            #expect(Self.ids(try await desk.get("/tasks?assignee=sales")) == [])
            let hidden = try await desk.get("/task?id=t-theirs")
            let missing = try await desk.get("/task?id=t-nonexistent")
            #expect(hidden.status == 404 && missing.status == 404)
            #expect(hidden.text.replacingOccurrences(of: "t-theirs", with: "X")
                == missing.text.replacingOccurrences(of: "t-nonexistent", with: "X"), "a hidden task reads as a missing one")
            #expect(!hidden.text.contains("Offer a loan") && !hidden.text.contains("sales:emea"))
            #expect((try await desk.get("/task?id=t-mine")).status == 200)
            let subject = try await desk.get("/subject?subject=cust-1")
            #expect(subject.status == 200 && Self.ids(subject) == ["t-mine"])
            #expect(!subject.text.contains("Paris") && !subject.text.contains("Offer a loan"))
            #expect(subject.text.contains("The context is shown to tokens that may see every assignee"))

            let ops = try await ConsoleBrowser.signedIn(port: port, secret: Self.admin)
            let full = try await ops.get("/subject?subject=cust-1")
            #expect(Self.ids(full) == ["t-theirs", "t-mine"])
            #expect(full.text.contains(#"<tr><th scope="row">last_city</th><td>latest</td><td></td>"#
                + #"<td><code>&quot;Paris&quot;</code></td><td class="time">"# + Self.at(2).rfc3339
                + "</td><td>evt-9 (card.transaction)</td></tr>"))
            #expect(full.text.contains(#"<tr><th scope="row">spend_7d</th><td>window</td><td></td><td><code>120.5</code></td>"#))
            #expect((try await ops.get("/task?id=t-theirs")).text.contains("Offer a loan"))
        }
    }

    @Test func aTaskPageShowsTheRecordAndOnRequestTheExplanationContextdExplainPrints() async throws {
        let harness = try APIHarness(tokens: Self.tokens)
        var task = APIHarness.task("t-explained")
        task.scores = ["fraud": Score(value: 0.8123, contributions: [
            Contribution(feature: "kmh", value: .number(9216.7), contribution: 3.2258),
        ])]
        task.how = ["call", "sms"]
        let trace = "task t-explained · rule test-rule · subject cust-t-explained\n  trigger   event evt-1 <b>\n"
        try harness.store.commit(Commit(changes: StateChanges(clock: Self.start), tasks: [.created(task)],
            explanations: [TaskExplanation(taskID: "t-explained", text: trace, appends: false)]))
        try await harness.withServer { port in
            let ops = try await ConsoleBrowser.signedIn(port: port, secret: Self.admin)
            let page = try await ops.get("/task?id=t-explained")
            #expect(page.status == 200)
            #expect(page.text.contains(#"<a href="/task?id=t-explained&amp;explain=1">Explain"#))
            #expect(!page.text.contains("<pre"))
            #expect(page.text.contains("<dt>Where</dt><dd>phone</dd>") && page.text.contains("<dt>How</dt><dd>call, sms</dd>"))
            #expect(page.text.contains("<dt>State</dt><dd>pending</dd>"))
            #expect(page.text.contains("<td>kmh</td><td><code>9216.7</code></td><td class=\"number\">3.2258</td>"))
            #expect(page.text.contains("<li><code>evt-t-explained</code></li>"))
            let explained = try await ops.get("/task?id=t-explained&explain=1")
            let shown = try #require(explained.text.firstMatch(of: #/<pre class="raw explain">([^<]*)</pre>/#)).1
            let expected = try #require(try await harness.store.explanation(of: "t-explained")).report(taskID: "t-explained")
            #expect(Self.unescaped(String(shown)) == expected)
            #expect(expected.hasPrefix(trace) && expected.contains("  status    pending\n  task      {"))
        }
    }

    @Test func aSubjectNamedLikeMarkupRendersAsText() async throws {
        let harness = try APIHarness(tokens: Self.tokens)
        var task = APIHarness.task("t-1")
        task.subject = #"<script>"x"#
        try harness.store.commit(Commit(changes: StateChanges(clock: Self.start), tasks: [.created(task)]))
        try await harness.withServer { port in
            let ops = try await ConsoleBrowser.signedIn(port: port, secret: Self.admin)
            let page = try await ops.get("/subject?subject=%3Cscript%3E%22x")
            #expect(page.status == 200 && Self.ids(page) == ["t-1"])
            #expect(page.text.contains("<h1>Subject &lt;script&gt;&quot;x</h1>"))
            #expect(page.text.contains(#"<a href="/subject?subject=%3Cscript%3E%22x">&lt;script&gt;&quot;x</a>"#))
            let list = try await ops.get("/tasks?subject=%3Cscript%3E%22x")
            #expect(list.text.contains(#"<input type="text" name="subject" value="&lt;script&gt;&quot;x">"#))
            for body in [page.text, list.text] {
                #expect(!body.contains(#"<script>"x"#))
                #expect(body.components(separatedBy: "<script").count == 2, "only the console's own script")
            }
        }
    }

    static func unescaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}

/// The query encoding the console's links use (unreserved characters kept, the rest %XX).
func linkEncoded(_ text: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
}
