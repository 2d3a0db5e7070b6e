import AMLAuthCLI
import ArgumentParser
import Foundation
import TestSupport
import Testing

/// `amlauth --generate-completion-script SHELL` (swift-argument-parser) through the binary: each
/// script completes the real command tree, and bash accepts its syntax.
struct CompletionScriptTests {
    static let subcommands = AMLAuthCommand.configuration.subcommands.compactMap { $0.configuration.commandName }

    /// Each shell, a line only its script has, and how it spells a long option.
    @Test(arguments: [
        ("bash", "complete -o filenames -F", "--"), ("zsh", "#compdef amlauth", "--"),
        ("fish", "complete -c 'amlauth'", "-l '"),
    ])
    func scriptNamesEverySubcommand(_ shell: String, _ marker: String, _ longOption: String) throws {
        let result = try CommandRunner.amlauth(["--generate-completion-script", shell])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains(marker), "a \(shell) completion script")
        #expect(Self.subcommands.count >= 10)
        for subcommand in Self.subcommands {
            #expect(result.stdout.contains(subcommand), "\(shell) completes '\(subcommand)'")
        }
        // Options of subcommands too, not only their names.
        for option in ["auto-approve", "detailed-exitcode", "no-color"] {
            #expect(result.stdout.contains(longOption + option), "\(shell) completes --\(option)")
        }
        if shell == "bash" { try Self.checkBashSyntax(result.stdout) }
    }

    /// `bash -n`: the script parses.
    static func checkBashSyntax(_ script: String) throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("amlauth-\(UUID().uuidString).bash")
        try script.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-n", file.path]
        let err = Pipe()
        process.standardError = err
        try process.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "bash -n: \(message)")
    }
}
