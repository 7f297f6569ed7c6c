import Foundation
public import Testing

/// For a test that blocks its thread while it waits — on a process it started, on a file to
/// appear, in `Thread.sleep` — so that such tests take turns, a few at a time.
///
/// Synchronous tests run on Swift concurrency's cooperative pool, which has one thread per
/// core. On a 2-core machine two blocking tests at once leave no thread for the asynchronous
/// ones, among them in-process HTTP servers, whose requests then stall until a timeout (seen
/// as `I/O on closed channel` after two minutes, and a `contextd status` run against a test's
/// server that never got an answer). At most one thread fewer than the cores is handed to
/// blocking tests; waiting for a turn is asynchronous and blocks nothing.
public struct BlockingTest: TestTrait, SuiteTrait, TestScoping {
    public var isRecursive: Bool { true }

    /// Each test case takes its own turn; a suite takes none (its tests do).
    public func scopeProvider(for test: Test, testCase: Test.Case?) -> Self? {
        testCase == nil ? nil : self
    }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        await BlockingTurns.shared.take()
        do {
            try await function()
        } catch {
            await BlockingTurns.shared.give()
            throw error
        }
        await BlockingTurns.shared.give()
    }
}

extension Trait where Self == BlockingTest {
    /// The test (or every test of the suite) blocks its thread while it waits: see ``BlockingTest``.
    public static var blocksAThread: Self { BlockingTest() }
}

/// The turns ``BlockingTest`` hands out: first come, first served.
actor BlockingTurns {
    static let shared = BlockingTurns(turns: max(1, ProcessInfo.processInfo.activeProcessorCount - 1))

    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(turns: Int) { free = turns }

    func take() async {
        if free > 0 {
            free -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func give() {
        if waiting.isEmpty {
            free += 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}
