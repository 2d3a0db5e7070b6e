import Foundation
import TestSupport
import Testing

/// `--no-color` and `NO_COLOR` through the binary: with colour forced (`FORCE_COLOR=1`) or on a
/// real pseudo-terminal, every command that colours prints no ANSI escape when asked not to.
@Suite(.serialized)
struct NoColorTests {
    static let escape = "\u{1B}["
    static let invalid = Paths.fixtures + "/invalid/unknown-field-typo"

    @Test func validateHonoursNoColorOverForcedColour() throws {
        let forced = try CommandRunner.amlauth(["validate", Self.invalid], environment: ["FORCE_COLOR": "1"])
        #expect(forced.status == 1)
        #expect(forced.stdout.contains(Self.escape), "FORCE_COLOR=1 colours a pipe")

        let flag = try CommandRunner.amlauth(
            ["validate", Self.invalid, "--no-color"], environment: ["FORCE_COLOR": "1"])
        #expect(flag.status == 1)
        #expect(flag.stdout.contains("error[AMLA203]"))
        #expect(!flag.stdout.contains(Self.escape) && !flag.stderr.contains(Self.escape))

        let variable = try CommandRunner.amlauth(
            ["validate", Self.invalid], environment: ["FORCE_COLOR": "1", "NO_COLOR": "1"])
        #expect(variable.status == 1)
        #expect(!variable.stdout.contains(Self.escape), "NO_COLOR wins over FORCE_COLOR")
    }

    @Test func planShowAndApplyHonourNoColor() throws {
        let directory = try WhoamiCommandTests.quickstart()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let forced = ["FORCE_COLOR": "1"]
        let planFile = directory + "/plan.json"

        let coloured = try CommandRunner.amlauth(["plan", directory], environment: forced)
        #expect(coloured.status == 0, "\(coloured.stderr)")
        #expect(coloured.stdout.contains(Self.escape), "the plan is coloured when forced")

        let plain = try CommandRunner.amlauth(["plan", directory, "--no-color", "-o", planFile], environment: forced)
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(plain.stdout.contains("ServicePrincipal/ml-auth"))
        #expect(!plain.stdout.contains(Self.escape) && !plain.stderr.contains(Self.escape))

        #expect(try CommandRunner.amlauth(["show", planFile], environment: forced).stdout.contains(Self.escape))
        let shown = try CommandRunner.amlauth(["show", planFile, "--no-color"], environment: forced)
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(shown.stdout.contains("ServicePrincipal/ml-auth"))
        #expect(!shown.stdout.contains(Self.escape))

        let applied = try CommandRunner.amlauth(
            ["apply", directory, "--auto-approve", "--no-color"], environment: forced)
        #expect(applied.status == 0, "\(applied.stderr)")
        #expect(applied.stdout.contains("Apply complete: 4 added"))
        #expect(!applied.stdout.contains(Self.escape) && !applied.stderr.contains(Self.escape))
    }

    /// On a real terminal (util-linux `script`), colour is on by default and `--no-color` turns it
    /// off, including the live progress line of apply, which is redrawn without an escape.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script")))
    func onATerminalNoColorLeavesNoEscape() throws {
        let binary = Paths.amlauthBinary
        let coloured = try Self.onTerminal("'\(binary)' validate '\(Self.invalid)'")
        #expect(coloured.contains(Self.escape), "a terminal gets colour by default")
        let plain = try Self.onTerminal("'\(binary)' validate '\(Self.invalid)' --no-color")
        #expect(plain.contains("error[AMLA203]"))
        #expect(!plain.contains(Self.escape))

        let directory = try WhoamiCommandTests.quickstart()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let applied = try Self.onTerminal("'\(binary)' apply '\(directory)' --auto-approve --no-color")
        #expect(applied.contains("[4/4] 0 in progress"), "the live progress line is still drawn")
        #expect(applied.contains("Apply complete: 4 added"))
        #expect(!applied.contains(Self.escape))
    }

    /// Runs a shell command on a pseudo-terminal and returns what it printed.
    static func onTerminal(_ command: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qec", command, "/dev/null"]
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = nil
        environment["FORCE_COLOR"] = nil
        environment["TERM"] = "xterm"
        process.environment = environment
        // A pipe held open until the end: `script` may end the session when its input ends.
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        let output = String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try stdin.fileHandleForWriting.close()
        return output
    }
}
