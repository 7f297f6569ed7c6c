import Foundation
import Testing

/// A fresh clone, as far as the README's commands can tell: a temporary directory with the
/// repository's `rules/`, `fixtures/`, `scripts/` and `examples/`, where the README's shell
/// blocks run with bash, as printed, one after the other.
///
/// What the test controls, and how, so that the README text itself is never edited:
/// - **The binary.** `.build/debug/contextd` is a link to the binary under test, and a `swift`
///   first on `PATH` stands in for SwiftPM: `swift build` has nothing to do, `swift run
///   contextd ARGS` runs the binary with ARGS.
/// - **The port.** The README's daemon listens on 127.0.0.1:8470, which a developer's own
///   daemon may hold while the tests run. So `swift run contextd run` (the embedded default)
///   gets a configuration that is the embedded default with `http.listen: 127.0.0.1:0`
///   (`embedded-default.yaml` at the root: defaults resolve against it), the copy of
///   `examples/http.yaml` has its `127.0.0.1:8470` made `127.0.0.1:0`, and in the blocks after a
///   daemon started, `127.0.0.1:8470` becomes the port its `http listening` line gives. Nothing
///   else in a block is changed.
/// - **Time between commands.** A reader looks at the outbox "a moment later"; before each
///   block the test waits until the running daemon has taken every file dropped into the spool.
final class ReadmeWorkspace {
    let directory: URL
    private(set) var daemon: Process?
    private(set) var port: Int?
    private var daemonStarts = 0

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("contextd-readme-\(UUID().uuidString)")
        let files = FileManager.default
        try files.createDirectory(at: directory, withIntermediateDirectories: true)
        for folder in ["rules", "fixtures", "scripts", "examples"] {
            try files.copyItem(at: DaemonSandbox.root.appendingPathComponent(folder),
                to: directory.appendingPathComponent(folder))
        }
        let debug = directory.appendingPathComponent(".build/debug")
        try files.createDirectory(at: debug, withIntermediateDirectories: true)
        try files.createSymbolicLink(at: debug.appendingPathComponent("contextd"), withDestinationURL: DaemonSandbox.binary)
        let example = directory.appendingPathComponent("examples/http.yaml")
        try String(contentsOf: example, encoding: .utf8).replacingOccurrences(of: "127.0.0.1:8470", with: "127.0.0.1:0")
            .write(to: example, atomically: true, encoding: .utf8)
        try "http:\n  listen: 127.0.0.1:0\n".write(
            to: directory.appendingPathComponent("embedded-default.yaml"), atomically: true, encoding: .utf8)
        let bin = directory.appendingPathComponent(".readme-bin")
        try files.createDirectory(at: bin, withIntermediateDirectories: true)
        let swift = bin.appendingPathComponent("swift")
        try """
            #!/bin/sh
            # SwiftPM, as far as the README test needs it: the binary is built already.
            binary="\(debug.path)/contextd"
            case "$1" in
            build) exit 0 ;;
            run)
                shift; [ "$1" = contextd ] || { echo "swift run: only contextd here" >&2; exit 64; }; shift
                if [ "$#" -eq 1 ] && [ "$1" = run ]; then
                    exec "$binary" run --config "\(directory.path)/embedded-default.yaml"
                fi
                exec "$binary" "$@" ;;
            esac
            echo "the README test does not run 'swift $*'; mark its block <!-- README test: skip (why) -->" >&2
            exit 64
            """.write(to: swift, atomically: true, encoding: .utf8)
        try files.setAttributes([.posixPermissions: 0o755], ofItemAtPath: swift.path)
    }

    deinit {
        if let daemon, daemon.isRunning { daemon.terminate() }
        try? FileManager.default.removeItem(at: directory)
    }

    /// The block's text with the README's port replaced by the running daemon's.
    func adapted(_ text: String) -> String {
        guard let port else { return text }
        return text.replacingOccurrences(of: "127.0.0.1:8470", with: "127.0.0.1:\(port)")
    }

    private var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = directory.appendingPathComponent(".readme-bin").path + ":"
            + (environment["PATH"] ?? "/usr/bin:/bin")
        return environment
    }

    // MARK: Blocks

    struct Outcome {
        var status: Int32
        /// Standard output and standard error, interleaved as a terminal shows them.
        var output: String
    }

    /// Runs `text` with `bash -e -o pipefail` (a failing command fails the block), after the
    /// running daemon took every dropped file.
    func run(_ text: String, timeout: Double = 120) throws -> Outcome {
        try waitUntilSpoolIsTaken()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-e", "-o", "pipefail", "-c", adapted(text)]
        process.currentDirectoryURL = directory
        process.environment = environment
        let output = directory.appendingPathComponent(".readme-block-output")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        defer { try? handle.close() }
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try waitUntil("the block ends:\n\(text)", timeout: timeout) { !process.isRunning }
        return Outcome(status: process.terminationStatus, output: try String(contentsOf: output, encoding: .utf8))
    }

    // MARK: The daemon

    var daemonLog: URL { directory.appendingPathComponent(".readme-daemon-\(daemonStarts).log") }
    var daemonLogText: String { (try? String(contentsOf: daemonLog, encoding: .utf8)) ?? "" }

    /// Stops a running daemon as Ctrl-C does, then runs the one-line `text` in the background,
    /// as the README's first terminal does, and waits until it listens.
    func startDaemon(_ text: String) throws {
        try stopDaemon()
        let command = text.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!command.contains("\n"), "a daemon block is one command: \(command)")
        daemonStarts += 1
        _ = FileManager.default.createFile(atPath: daemonLog.path, contents: nil)
        let handle = try FileHandle(forWritingTo: daemonLog)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        // `exec` so that SIGINT reaches the daemon itself, as Ctrl-C does in a terminal.
        process.arguments = ["-c", "exec " + command]
        process.currentDirectoryURL = directory
        process.environment = environment
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        daemon = process
        port = nil
        var found: Int?
        try waitUntil("the daemon listens (`http listening`)") {
            guard process.isRunning else { return true }
            found = DaemonSandbox.listeningPort(in: daemonLogText)
            return found != nil
        }
        guard let found else {
            Issue.record("the daemon did not start:\n\(daemonLogText)")
            throw CancellationError()
        }
        port = found
    }

    /// SIGINT, as Ctrl-C; the daemon finishes the event in hand, commits and exits 0.
    func stopDaemon() throws {
        guard let daemon else { return }
        kill(daemon.processIdentifier, SIGINT)
        try waitUntil("the daemon exits after Ctrl-C (SIGINT)", timeout: 30) { !daemon.isRunning }
        #expect(daemon.terminationStatus == 0, "the daemon's exit after SIGINT; its log:\n\(daemonLogText)")
        self.daemon = nil
    }

    /// Every file dropped into the default spool has left `new/` and `cur/` (its tasks are out).
    private func waitUntilSpoolIsTaken() throws {
        guard daemon != nil else { return }
        let spool = directory.appendingPathComponent("var/spool/events")
        try waitUntil("the daemon takes the dropped files") { DaemonSandbox.spoolIsDrained(spool) }
    }

    /// Polls every 50 ms: another process has no clock this test could drive.
    private func waitUntil(_ what: String, timeout: Double = 60, _ condition: () throws -> Bool) throws {
        try DaemonSandbox.waitUntil(what, timeout: timeout, log: { daemonLogText }, condition)
    }
}
