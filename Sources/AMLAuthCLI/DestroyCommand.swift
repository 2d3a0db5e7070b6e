import AMLAuthCore
import ArgumentParser
import Foundation

/// `amlauth destroy [DIR]`: deletes everything the Target owns, as a prune with an empty desired
/// set would. It is apply with one difference, so it runs apply's own code: the same lease, the
/// same mass-delete guard, the same confirmation (no terminal, no question), the same executor.
struct DestroyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "destroy",
        abstract: "Delete every application, role assignment and web service the Target owns.",
        discussion: """
            Plans as if the manifests declared nothing but the Target and its workspaces, with prune: every object \
            carrying the Target's markers is deleted (role assignments before the principals they name); \
            objects without them, and workspaces, are never touched. Shows the plan and asks; without a terminal \
            it needs --auto-approve. Deleting more than half of what the Target owns, and more than 3 objects, \
            needs --allow-mass-delete (as a prune does). Holds the Target's apply lease.
            """)

    @Argument(help: "Directory with the manifests (only the Target and its Workspaces are used).")
    var directory: String = "."

    @OptionGroup var connection: ConnectionOptions

    @Flag(help: "Destroy without asking.")
    var autoApprove = false

    @Flag(help: "Let destroy delete more than half of the objects the Target owns (and more than 3).")
    var allowMassDelete = false

    @Option(
        name: .customLong("only"),
        help: ArgumentHelp("Destroy only this resource (as the plan names it); repeatable.", valueName: "address"))
    var only: [String] = []

    @Option(help: "Changes in flight at once.")
    var parallelism: Int = 8

    @Flag(help: "Print apply's JSON report instead of the plan and progress lines. Needs --auto-approve.")
    var json = false

    @Option(help: "Seconds to wait while another apply of the same Target holds its lease, then refuse.")
    var lockTimeout: Double = 60

    func validate() throws {
        if directory.hasSuffix(".json") {
            throw ValidationError("destroy takes the manifests' directory, not a plan file")
        }
    }

    func run() async throws {
        // Apply's own options, spelled as a user would: every option apply adds later keeps its default.
        var arguments = ["--parallelism", String(parallelism), "--lock-timeout", String(lockTimeout)]
        if let caBundle = connection.caBundle { arguments += ["--ca-bundle", caBundle] }
        if connection.verbose { arguments.append("--verbose") }
        if autoApprove { arguments.append("--auto-approve") }
        if allowMassDelete { arguments.append("--allow-mass-delete") }
        if json { arguments.append("--json") }
        for address in only { arguments += ["--only", address] }
        // After `--`, a directory named like an option stays a directory.
        arguments += ["--", directory]
        let apply: ApplyCommand
        do {
            apply = try ApplyCommand.parse(arguments)
        } catch {
            throw ValidationError(ApplyCommand.message(for: error))
        }
        try await apply.run(destroying: true)
    }
}
