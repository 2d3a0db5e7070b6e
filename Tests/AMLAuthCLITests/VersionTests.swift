import AMLAuthCLI
import Foundation
import TestSupport
import Testing

/// `amlauth --version` through the binary: the release number and the commit it was built from.
struct VersionTests {
    @Test func versionNamesTheReleaseAndTheCommit() throws {
        let result = try CommandRunner.amlauth(["--version"])
        #expect(result.status == 0, "\(result.stderr)")
        let line = result.stdout.trimmingCharacters(in: .newlines)
        let prefix = AMLAuthCommand.version + " ("
        #expect(line.hasPrefix(prefix) && line.hasSuffix(")"), "\(line)")
        let commit = String(line.dropFirst(prefix.count).dropLast())
        #expect(!line.contains("/"), "no machine path in the version")

        if let head = try Self.git(["rev-parse", "--short=7", "HEAD"]) {
            // Built from this checkout: a real commit of it (not necessarily HEAD, which may have
            // moved since the build).
            #expect(commit.count >= 7 && commit.allSatisfy(\.isHexDigit), "\(commit), HEAD is \(head)")
            #expect(try Self.git(["cat-file", "-e", commit + "^{commit}"]) != nil, "\(commit) is a commit here")
        } else {
            #expect(commit == "unknown commit", "without git the fallback is named")
        }
    }

    /// `git ARGS` in the package, or nil when git or the repository is missing.
    static func git(_ arguments: [String]) throws -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", Paths.packageRoot] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return process.terminationStatus == 0 ? text.trimmingCharacters(in: .whitespacesAndNewlines) : nil
    }
}
