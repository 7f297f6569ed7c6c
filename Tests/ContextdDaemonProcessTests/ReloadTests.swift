import ContextdEngine
import ContextdStore
import ContextdTestKit
import Foundation
import Glibc
import Testing

/// SPEC §5, rule reload: an edit under the rules directory (or SIGHUP) swaps in the new rule set
/// between two events; a broken edit is logged with its location and the old set stays in force;
/// no event is lost or evaluated twice. SPEC §6: changing a number in the YAML changes the
/// behaviour.
@Suite(.serialized, .blocksAThread) struct ReloadTests {
    @Test(arguments: SandboxBackend.all) func editsTakeEffectBrokenEditsDoNotAndSIGHUPReloads(backend: SandboxBackend) throws {
        // Step 5's payment is dated about 1.5 h ahead of the wall clock, on purpose.
        let sandbox = try DaemonSandbox(backend: backend, maxFutureSkew: "3h")
        let fraud = sandbox.rules.appendingPathComponent("fraud.yaml")
        let stock = try String(contentsOf: fraud, encoding: .utf8)
        #expect(stock.components(separatedBy: "kmh >= 900").count == 2, "one 900 km/h threshold")
        let lowered = stock.replacingOccurrences(of: "kmh >= 900", with: "kmh >= 600")
        try sandbox.start()
        let now = TestEvents.now

        // 1. A pair at ~700 km/h: under the stock threshold, so no task (replay agrees).
        try sandbox.drop("a-1.jsonl", TestEvents.newYorkThenChicago(prefix: "r1", subject: "cust-r1", payment: now - 600))
        try sandbox.waitUntilSettled(done: ["a-1.jsonl"], rejected: [])
        #expect(try sandbox.replay([sandbox.url("done", "a-1.jsonl").path]).isEmpty, "stock rules: no task at 700 km/h")
        #expect(try sandbox.outboxTasks().isEmpty)

        // 2. The operator lowers the threshold to 600 km/h (an editor's save: write aside, rename).
        var reloads = sandbox.reloadLines.count
        try sandbox.replaceRuleFile(fraud, with: lowered)
        try sandbox.waitUntil("the edit is reloaded") { sandbox.reloadLines.count > reloads }
        #expect(sandbox.reloadLines.last?.contains("reload_ok=true") == true)
        try sandbox.drop("b-2.jsonl", TestEvents.newYorkThenChicago(prefix: "r2", subject: "cust-r2", payment: now - 500))
        try sandbox.waitUntilSettled(done: ["a-1.jsonl", "b-2.jsonl"], rejected: [])
        try sandbox.waitUntil("a task for cust-r2") { try sandbox.outboxSubjects() == ["cust-r2"] }

        // 3. A broken edit (a misspelt field): logged with its location; the 600 rule stays.
        let brokenLine = "        amount: event.data.amout"
        let broken = lowered.replacingOccurrences(of: "        amount: event.data.amount", with: brokenLine)
        #expect(broken != lowered)
        let lines = broken.components(separatedBy: "\n")
        let lineNumber = try #require(lines.firstIndex(of: brokenLine)) + 1
        let column = brokenLine.distance(from: brokenLine.startIndex, to: try #require(brokenLine.range(of: "amout")).lowerBound) + 1
        try sandbox.replaceRuleFile(fraud, with: broken)
        try sandbox.waitUntil("the broken edit is refused") { sandbox.logText.contains("reload failed") }
        let errorLines = sandbox.logText.split(separator: "\n").filter { $0.contains("rule error") }
        #expect(errorLines.contains { $0.contains("fraud.yaml:\(lineNumber):\(column)") && $0.contains("amout") },
            "the log names fraud.yaml:\(lineNumber):\(column); it has:\n\(errorLines.joined(separator: "\n"))")
        try sandbox.drop("c-3.jsonl", TestEvents.newYorkThenChicago(prefix: "r3", subject: "cust-r3", payment: now - 400))
        try sandbox.waitUntilSettled(done: ["a-1.jsonl", "b-2.jsonl", "c-3.jsonl"], rejected: [])
        try sandbox.waitUntil("a task for cust-r3 (the 600 rule still in force)") {
            try sandbox.outboxSubjects() == ["cust-r2", "cust-r3"]
        }

        // 4. The operator fixes the file, this time writing it in place; then SIGHUP reloads too.
        reloads = sandbox.reloadLines.count
        try lowered.write(to: fraud, atomically: false, encoding: .utf8)
        try sandbox.waitUntil("the fix is reloaded") { sandbox.reloadLines.count > reloads }
        let pid = try #require(sandbox.process?.processIdentifier)
        #expect(kill(pid, SIGHUP) == 0)
        try sandbox.waitUntil("a reload by SIGHUP") {
            sandbox.reloadLines.contains { $0.contains("reason=SIGHUP") && $0.contains("reload_ok=true") }
        }
        try sandbox.drop("d-4.jsonl", TestEvents.newYorkThenChicago(prefix: "r4", subject: "cust-r4", payment: now - 300))
        try sandbox.waitUntilSettled(done: ["a-1.jsonl", "b-2.jsonl", "c-3.jsonl", "d-4.jsonl"], rejected: [])
        try sandbox.waitUntil("a task for cust-r4") {
            try sandbox.outboxSubjects() == ["cust-r2", "cust-r3", "cust-r4"]
        }

        // 5. The reloads kept the rule's state: cust-r2 paying in New York 98 minutes after its
        // Chicago payment (~700 km/h again) is within the 24 h dedup window of its task.
        let chicagoPayment = now - 500
        try sandbox.drop("e-5.jsonl", TestEvents.line(id: "r5-b", source: "cards", type: "card.transaction",
            subject: "cust-r2", time: TestEvents.format(chicagoPayment + 98 * 60),
            data: TestEvents.cardData(.newYork, amount: 12)) + "\n")
        let files = ["a-1.jsonl", "b-2.jsonl", "c-3.jsonl", "d-4.jsonl", "e-5.jsonl"]
        try sandbox.waitUntilSettled(done: files, rejected: [])
        #expect(try sandbox.outboxSubjects() == ["cust-r2", "cust-r3", "cust-r4"], "no second task for cust-r2")
        #expect(try sandbox.stop() == 0)

        // Every file done, nothing left; each task is what replay with the 600 rule gives for
        // its file, once; cust-r1's events were applied under the old rule and not again.
        #expect(sandbox.names(in: "done") == files)
        #expect(sandbox.names(in: "rejected").isEmpty)
        try sandbox.expectNothingLeftBehind()
        let outbox = try sandbox.outboxTasks()
        #expect(outbox.count == 3)
        for file in ["b-2.jsonl", "c-3.jsonl", "d-4.jsonl"] {
            let replayed = try sandbox.replay([sandbox.url("done", file).path])
            #expect(replayed.count == 1)
            for line in replayed { #expect(outbox[try DaemonSandbox.id(of: line)] == line, "the task of \(file)") }
        }
        let seen = try sandbox.appliedEvents().map(\.id)
        #expect(seen.sorted() == ["r1-a", "r1-b", "r2-a", "r2-b", "r3-a", "r3-b", "r4-a", "r4-b", "r5-b"])
        #expect(!sandbox.logText.contains("file interrupted"))
    }

    /// A SIGHUP is served between two events, not after the file in hand: the reload happens
    /// in the middle of a large file, and every event of the file is applied once, before or
    /// after the swap, giving replay's tasks.
    @Test(arguments: SandboxBackend.all)
    func sighupInTheMiddleOfALargeFileLosesAndRepeatsNothing(backend: SandboxBackend) throws {
        let sandbox = try DaemonSandbox(backend: backend)
        try sandbox.start()
        let count = 20_000
        let start = TestEvents.now - Double(count)
        var text = ""
        for index in 0..<count {
            let page = index % 3 == 0 ? "/pricing" : "/blog/\(index % 7)"
            text += TestEvents.line(id: "big-\(index)", source: "web", type: "lead.visit", subject: "lead-\(index % 2000)",
                time: TestEvents.format(start + Double(index)),
                data: #"{"page":"\#(page)","owner":"user-\#(index % 50)"}"#) + "\n"
        }
        try sandbox.drop("big.jsonl", text)
        try sandbox.waitUntil("big.jsonl is claimed") { sandbox.names(in: "cur").contains("big.jsonl") }
        let pid = try #require(sandbox.process?.processIdentifier)
        #expect(kill(pid, SIGHUP) == 0)
        try sandbox.waitUntilSettled(done: ["big.jsonl"], rejected: [], timeout: 300)
        try sandbox.waitUntil("a reload by SIGHUP") { sandbox.reloadLines.contains { $0.contains("reason=SIGHUP") } }
        #expect(try sandbox.stop() == 0)

        let lines = sandbox.logText.split(separator: "\n")
        let reloaded = try #require(lines.firstIndex { $0.contains(" rules reloaded ") })
        let done = try #require(lines.firstIndex { $0.contains("file done") && $0.contains("big.jsonl") })
        // On the event log a file is done once appended, before the engine applies it; the
        // reload comes between two slices of `batch_events` entries instead.
        if backend != .eventLog { #expect(reloaded < done, "the reload waited for the end of the file") }
        let outbox = try sandbox.outboxTasks()
        let replayed = try sandbox.replay([sandbox.url("done", "big.jsonl").path])
        #expect(replayed.count > 100)
        #expect(outbox.count == replayed.count)
        for line in replayed { #expect(outbox[try DaemonSandbox.id(of: line)] == line) }
        #expect(try sandbox.appliedEvents().count == count)
    }

    /// systemd (`Type=notify-reload`) sends SIGHUP for a reload as soon as the daemon said
    /// READY=1. That SIGHUP must reload the rules, never kill the daemon (SIGHUP's default
    /// action). Repeated, because this once was a race inside the daemon (SIGHUP was trapped
    /// in a child task that could run after READY=1).
    @Test func sighupRightAfterReadyReloadsAndNeverKills() throws {
        let sandbox = try DaemonSandbox()
        let listener = try NotifyListener()
        let cycles = 25
        let symptom = "SIGHUP right after READY=1 ended the daemon"
        for cycle in 1...cycles {
            _ = listener.receive()
            try sandbox.start(environment: ["NOTIFY_SOCKET": listener.path])
            let process = try #require(sandbox.process)
            var messages: [String] = []
            try sandbox.waitUntil("READY=1 (cycle \(cycle))", timeout: 30) {
                messages += listener.receive()
                return messages.contains { $0.split(separator: "\n").contains("READY=1") } || !process.isRunning
            }
            #expect(kill(process.processIdentifier, SIGHUP) == 0)
            try sandbox.waitUntil("a reload by SIGHUP or the end of the daemon (cycle \(cycle))", timeout: 30) {
                !process.isRunning || sandbox.reloadLines.filter { $0.contains("reason=SIGHUP") }.count == cycle
            }
            let status = try sandbox.stop(signal: SIGTERM, timeout: 10)
            guard process.terminationReason == .exit, status == 0 else {
                let reason = process.terminationReason == .exit ? "exit status" : "signal"
                Issue.record("\(symptom) (cycle \(cycle) of \(cycles): \(reason) \(status))")
                return
            }
        }
    }
}

extension DaemonSandbox {
    /// The log lines saying the rules were reloaded (successfully).
    var reloadLines: [Substring] { logText.split(separator: "\n").filter { $0.contains(" rules reloaded ") } }

    /// Replaces a rule file the way an editor saves: the whole new text is written beside the
    /// rules directory (so no half-written or stray file is ever in it) and renamed over the file.
    func replaceRuleFile(_ file: URL, with text: String) throws {
        let aside = directory.appendingPathComponent("." + file.lastPathComponent + ".new")
        try text.write(to: aside, atomically: false, encoding: .utf8)
        try #require(rename(aside.path, file.path) == 0, "rename over \(file.path) failed: errno \(errno)")
    }
}

/// The receiving end of `$NOTIFY_SOCKET`, standing in for systemd: an `AF_UNIX` datagram socket.
final class NotifyListener {
    let path: String
    private let descriptor: Int32

    init() throws {
        // Short: `sun_path` holds 108 bytes.
        path = "/tmp/contextd-notify-\(UUID().uuidString.prefix(8)).sock"
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        try #require(descriptor >= 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        try #require(bound == 0, "bind \(path): errno \(errno)")
    }

    deinit {
        close(descriptor)
        unlink(path)
    }

    /// The datagrams waiting, without blocking.
    func receive() -> [String] {
        var messages: [String] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if count <= 0 { return messages }
            messages.append(String(decoding: buffer[..<count], as: UTF8.self))
        }
    }
}
