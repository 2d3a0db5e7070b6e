import AMLAuthCore
import Foundation
import TestSupport
import Testing

/// apply on a terminal (a pseudo-terminal from util-linux `script`): it asks, and shows live progress.
@Suite(.serialized, .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script")))
struct TerminalApplyTests {
    func onTerminal(_ command: String, input: String) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qec", command, "/dev/null"]
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        process.environment = environment
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        let output = String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    @Test func asksAndOnlyYesApplies() throws {
        let directory = try WhoamiCommandTests.quickstart()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let command = "\(Paths.amlauthBinary) apply \(directory)"
        let declined = try onTerminal(command, input: "no\n")
        #expect(declined.status == 1)
        #expect(declined.output.contains("Do you want to perform these actions? Only 'yes' will be accepted:"))
        #expect(declined.output.contains("Apply cancelled."))
        #expect(
            try CommandRunner.amlauth(["plan", directory, "--detailed-exitcode"]).status == 2, "nothing was applied")

        let accepted = try onTerminal(command, input: "yes\n")
        #expect(accepted.status == 0)
        #expect(accepted.output.contains("[4/4] 0 in progress"), "the live progress line")
        #expect(accepted.output.contains("Apply complete: 4 added"))
    }
}
