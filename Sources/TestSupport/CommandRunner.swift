import Foundation

/// Runs the built `amlauth` binary as a user would, capturing its output and exit status.
public enum CommandRunner {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String

        public init(status: Int32, stdout: String, stderr: String) {
            self.status = status
            self.stdout = stdout
            self.stderr = stderr
        }
    }

    /// Runs `amlauth arguments…` in `directory` with exactly `environment` (plus PATH).
    public static func amlauth(
        _ arguments: [String], environment: [String: String] = [:], in directory: String = Paths.packageRoot
    ) throws -> Result {
        let (process, out, err) = try start(arguments, environment: environment, in: directory)
        // Read both pipes before waiting, so a large output cannot fill a pipe and block the child.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// Starts `amlauth arguments…` in `directory` with exactly `environment` (plus PATH), its
    /// stdout and stderr on the returned pipes.
    static func start(_ arguments: [String], environment: [String: String], in directory: String) throws -> (
        Process, stdout: Pipe, stderr: Pipe
    ) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Paths.amlauthBinary)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var env = environment
        env["PATH"] = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        return (process, out, err)
    }
}
