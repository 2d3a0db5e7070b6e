public import ArgumentParser
import Foundation

/// `amlauth validate [PATH...]`: checks manifests and policy without touching any cloud.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check manifests: syntax, fields, references, Azure ML rules and policy.",
        discussion: """
            Reads every *.yaml and *.yml file below the given paths (default: the current directory) \
            as one manifest set. Prints each problem as path:line:col: severity[CODE]: message with the \
            source line; with GITHUB_ACTIONS=true also as workflow annotations on stderr. Exits 0 when there is \
            no error (warnings allowed), 1 otherwise.
            """)

    @Argument(help: "Manifest files or directories.")
    var paths: [String] = []

    @Option(help: "Output format: text or json.")
    var format: ValidateRun.Format = .text

    @OptionGroup var color: ColorOptions

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let outcome = ValidateRun(
            paths: paths, format: format, environment: environment,
            workingDirectory: FileManager.default.currentDirectoryPath,
            colored: format == .text && color.wantsColor(environment: environment)
        ).run()
        // Annotations go to stderr: the GitHub runner reads workflow commands from a step's stderr
        // as from its stdout (actions/runner, src/Runner.Worker/Handlers/ScriptHandler.cs gives
        // each stream an OutputManager whose OnDataReceived runs ActionCommandManager), and stdout
        // stays the report alone, so `--format json > report.json` is valid JSON.
        FileHandle.standardError.write(Data(outcome.workflowCommands.utf8))
        FileHandle.standardOutput.write(Data(outcome.output.utf8))
        if outcome.exitCode != 0 { throw ExitCode(outcome.exitCode) }
    }
}

extension ValidateRun.Format: ExpressibleByArgument {}
