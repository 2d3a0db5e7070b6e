public import ArgumentParser

/// The `amlauth` command tree. Subcommands are thin: they gather inputs, call the core and a
/// renderer, and turn the result into output and an exit code.
public struct AMLAuthCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "amlauth",
        abstract: "Azure Machine Learning authentication as code.",
        discussion: """
            Service principals and their credentials, RBAC role assignments and model web-service \
            auth, declared in YAML manifests, checked, planned and applied.
            """,
        version: "\(AMLAuthCommand.version) (\(BuildInfo.commit))",
        subcommands: [
            ValidateCommand.self, PlanCommand.self, ApplyCommand.self, ShowCommand.self, TokenCommand.self,
            KeysCommand.self, WhoamiCommand.self, LoginCommand.self, LogoutCommand.self, SchemaCommand.self,
            OutputCommand.self,
            ImportCommand.self, DestroyCommand.self, MigrateCommand.self,
            LocalCloudCommand.self,
        ])

    /// The release number; `--version` adds the commit the binary was built from, and
    /// `scripts/release.sh` names its tarball after it.
    public static let version = "0.1.0"

    public init() {}
}

extension AMLAuthCommand {
    /// Parses the process arguments, runs the chosen subcommand and exits.
    public static func runAndExit() async { await main() }
}
