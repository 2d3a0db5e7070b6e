import Dispatch
import Foundation
import Synchronization

/// The `amlauth` binary running in the background: its output read as it comes, so a test can
/// wait for a line, send a signal, or race two runs, then collect the result.
public final class BackgroundCommand {
    /// Text read so far from one pipe.
    private final class Buffer: Sendable {
        let text = Mutex<String>("")
    }

    private let process: Process
    private let stdout = Buffer()
    private let stderr = Buffer()
    private let readers = DispatchGroup()

    /// Starts `amlauth arguments…` in `directory` with exactly `environment` (plus PATH).
    public init(_ arguments: [String], environment: [String: String] = [:], in directory: String = Paths.packageRoot)
        throws
    {
        let (process, out, err) = try CommandRunner.start(arguments, environment: environment, in: directory)
        self.process = process
        for (pipe, buffer) in [(out, stdout), (err, stderr)] {
            let handle = pipe.fileHandleForReading
            readers.enter()
            DispatchQueue.global().async { [readers] in
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    buffer.text.withLock { $0 += String(decoding: chunk, as: UTF8.self) }
                }
                readers.leave()
            }
        }
    }

    public var processIdentifier: Int32 { process.processIdentifier }

    /// The output so far.
    public var output: (stdout: String, stderr: String) { (stdout.text.withLock { $0 }, stderr.text.withLock { $0 }) }

    /// Waits until stdout or stderr satisfies `condition` (true), or the process ends or `timeout`
    /// seconds pass (false).
    public func waitFor(timeout: Double = 60, _ condition: (String, String) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let (out, err) = output
            if condition(out, err) { return true }
            if !process.isRunning { return condition(output.stdout, output.stderr) }
            usleep(20_000)
        }
        return false
    }

    /// Sends `signal` to the process.
    public func send(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Waits for the process and its output.
    public func wait() -> CommandRunner.Result {
        process.waitUntilExit()
        readers.wait()
        let (out, err) = output
        return CommandRunner.Result(status: process.terminationStatus, stdout: out, stderr: err)
    }
}
