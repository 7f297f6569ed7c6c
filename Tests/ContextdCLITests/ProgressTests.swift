import Foundation
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
import ContextdTestKit
#endif

/// Progress on a terminal (`replay`, `diff`): the real binary with its standard error on a
/// pseudo-terminal shows a progress line; with standard error on a pipe it shows none; and
/// standard output is byte for byte the same either way.
@Suite(.blocksAThread) struct ProgressTests {
    /// fixtures/mixed-day.jsonl 500 times over, each copy under its own event ids and subjects:
    /// 18,000 events (about 1.4 s for a debug build to replay, 3.5 s to diff: several ticks of
    /// the progress line), and 1,500 tasks on standard output.
    static let events: String = {
        let path = NSTemporaryDirectory() + "contextd-progress-\(UUID().uuidString).jsonl"
        let lines = try! String(contentsOfFile: ContextdProcess.path("fixtures/mixed-day.jsonl"), encoding: .utf8)
            .split(separator: "\n")
            .map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        var text = ""
        for copy in 0..<500 {
            for var event in lines {
                event["id"] = "\(event["id"]!)-\(copy)"
                event["subject"] = "\(event["subject"]!)-\(copy)"
                text += String(decoding: try! JSONSerialization.data(withJSONObject: event), as: UTF8.self) + "\n"
            }
        }
        try! text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }()

    static let commands: [[String]] = [
        ["replay", "--rules", "rules"],
        ["diff", "--rules", "rules", "--rules", "rules"],
    ]

    @Test(arguments: commands)
    func aTerminalSeesProgressAPipeNoneAndStandardOutputIsTheSame(_ command: [String]) throws {
        let arguments = command + [Self.events]
        let terminal = try Self.runWithStandardErrorOnATerminal(arguments)
        let piped = try ContextdProcess.run(arguments)
        #expect(terminal.status == 0)
        #expect(piped.status == 0)
        // The line: events so far, files, the rate and the time left, redrawn in place.
        #expect(terminal.terminal.contains("\r\u{1B}[K"), "\(terminal.terminal.debugDescription)")
        #expect(terminal.terminal.contains(" events · 0/1 files · "), "\(terminal.terminal.debugDescription)")
        #expect(terminal.terminal.contains(" events/s"))
        #expect(terminal.terminal.contains(" left"))
        // Erased at the end: the last thing on the terminal is the erase.
        #expect(terminal.terminal.hasSuffix("\r\u{1B}[K"))
        #expect(piped.stderr == "")
        #expect(!piped.stdout.isEmpty)
        #expect(terminal.stdout == piped.stdout)
    }

    /// Runs the binary with standard output on a pipe and standard error on the slave side of a
    /// pseudo-terminal, and returns what reached the master side.
    static func runWithStandardErrorOnATerminal(_ arguments: [String]) throws
        -> (status: Int32, stdout: String, terminal: String)
    {
        // posix_openpt, unlockpt and ptsname as Linux does them (Glibc's module leaves them out):
        // the multiplexer gives a master; TIOCSPTLCK unlocks its slave, TIOCGPTN numbers it.
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
        guard master >= 0 else { throw TerminalError.noPseudoTerminal(errno) }
        defer { close(master) }
        var unlock: Int32 = 0
        var number: UInt32 = 0
        guard withUnsafeMutablePointer(to: &unlock, { ioctl(master, Self.unlockSlave, $0) }) == 0,
            withUnsafeMutablePointer(to: &number, { ioctl(master, Self.slaveNumber, $0) }) == 0
        else { throw TerminalError.noPseudoTerminal(errno) }
        let slave = open("/dev/pts/\(number)", O_RDWR | O_NOCTTY)
        guard slave >= 0 else { throw TerminalError.noPseudoTerminal(errno) }
        var settings = termios()
        tcgetattr(slave, &settings)
        settings.c_oflag &= ~tcflag_t(OPOST)  // bytes as written: no \n → \r\n
        tcsetattr(slave, TCSANOW, &settings)
        let terminal = TerminalReader(master: master)
        let process = Process()
        process.executableURL = ContextdProcess.binary
        process.arguments = arguments
        process.currentDirectoryURL = ContextdProcess.root
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle(fileDescriptor: slave, closeOnDealloc: false)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        close(slave)  // the child holds its own copy: the master reads EIO once the child is gone
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), terminal.waitForEnd())
    }

    enum TerminalError: Error { case noPseudoTerminal(Int32) }

    /// `TIOCSPTLCK` and `TIOCGPTN` (asm-generic/ioctls.h, the same on x86_64 and arm64).
    static let unlockSlave: UInt = 0x4004_5431
    static let slaveNumber: UInt = 0x8004_5430

    /// Reads the master side on a thread of its own until the slave side is closed everywhere.
    final class TerminalReader: Sendable {
        private let text = Mutex<[UInt8]>([])
        private let done = DispatchSemaphore(value: 0)

        init(master: Int32) {
            Thread { [self] in
                var buffer = [UInt8](repeating: 0, count: 4096)
                while true {
                    let count = buffer.withUnsafeMutableBytes { read(master, $0.baseAddress, $0.count) }
                    if count <= 0 { break }
                    text.withLock { $0 += buffer[0..<count] }
                }
                done.signal()
            }.start()
        }

        func waitForEnd() -> String {
            done.wait()
            return String(decoding: text.withLock { $0 }, as: UTF8.self)
        }
    }
}
