import Dispatch
import Foundation
import Synchronization

/// SIGINT (Ctrl-C) and SIGTERM (how CI cancels a job) during apply. The first one is announced,
/// and apply stops starting changes: the running ones finish (a change's steps, such as adding a
/// password and delivering it, run to their end or their own rollback), then apply reports what
/// was done and exits 130 (SIGINT) or 143 (SIGTERM). A second signal exits at once with the same
/// code. Signals are read with `DispatchSource` after `SIG_IGN`, so no code runs in a signal
/// handler.
final class Interruption: Sendable {
    private let received = Mutex<Int32?>(nil)
    private static let numbers = [SIGINT, SIGTERM]
    /// One source per signal, alive as long as this object. Made once here and never replaced;
    /// Dispatch serialises their use (not Sendable only because the protocol is not annotated).
    nonisolated(unsafe) private let sources: [any DispatchSourceSignal]
    private let command: String

    init(command: String) {
        self.command = command
        sources = Self.numbers.map { DispatchSource.makeSignalSource(signal: $0, queue: .global()) }
    }

    /// Starts listening for SIGINT and SIGTERM.
    func install() {
        for (number, source) in zip(Self.numbers, sources) {
            signal(number, SIG_IGN)
            source.setEventHandler { [self] in self.handle(number) }
            source.resume()
        }
    }

    /// The first signal received, if any.
    var caught: Int32? { received.withLock { $0 } }

    var requested: Bool { caught != nil }

    /// 128 + the signal number, as shells report a process ended by it.
    var exitCode: Int32 { 128 + (caught ?? 0) }

    static func name(_ number: Int32) -> String { number == SIGTERM ? "SIGTERM" : "SIGINT" }

    private func handle(_ number: Int32) {
        let first = received.withLock { current -> Bool in
            guard current == nil else { return false }
            current = number
            return true
        }
        if first {
            FileHandle.standardError.write(
                Data(
                    "\namlauth \(command): \(Self.name(number)) received: starting no more changes; the ones in progress finish (send it again to exit now)\n"
                        .utf8))
        } else {
            FileHandle.standardError.write(
                Data(
                    "\namlauth \(command): \(Self.name(number)) again: exiting now; changes in progress may be incomplete (the next apply converges)\n"
                        .utf8))
            exit(128 + number)
        }
    }
}
