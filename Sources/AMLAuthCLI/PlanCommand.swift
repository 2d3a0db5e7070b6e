import AMLAuthCore
import ArgumentParser
import Engine
import FileStorage
import Foundation
import LocalCloud
import Rendering
import WireFormat

/// `amlauth plan [DIR]`: reads the live state and shows what apply would change.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show what apply would change: creates, updates, replacements, deletions and rotations.",
        discussion: """
            Validates the manifests, reads the live objects with a few requests per scope, and prints the plan. \
            Exit codes: 0 success (with --detailed-exitcode: no changes), 1 error, 2 changes present \
            (--detailed-exitcode only). With GITHUB_STEP_SUMMARY set, the Markdown form is appended to it.
            """)

    @Argument(help: "Directory with the manifests.")
    var directory: String = "."

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var reconcile: ReconcileOptions
    @OptionGroup var color: ColorOptions

    @Option(name: .shortAndLong, help: "Write the plan as JSON to this file (for review or 'amlauth show').")
    var output: String?

    @Flag(help: "Exit 2 when there are changes, 0 when there are none.")
    var detailedExitcode = false

    @Flag(help: "Print the plan as JSON.")
    var json = false

    @Flag(help: "Print the plan as Markdown (for pull-request comments).")
    var markdown = false

    func validate() throws {
        if json && markdown { throw ValidationError("--json and --markdown are exclusive") }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let options = Composition.Options(
            targetDirectory: directory, environment: environment,
            workingDirectory: FileManager.default.currentDirectoryPath,
            caBundle: connection.caBundle, verbose: connection.verbose)
        let run: PlanningRun
        do {
            run = try await PlanningRun.prepare(
                options,
                PlanningRun.Choices(
                    prune: reconcile.prune, adopt: reconcile.adopt, allowMassDelete: reconcile.allowMassDelete,
                    fileIsComplete: reconcile.fileIsComplete, only: reconcile.onlyAddresses))
        } catch {
            error.report(command: "plan")
            throw ExitCode.failure
        }
        await run.session.close()
        // Findings are diagnostics: stderr (and annotations), and inside every form of the plan a
        // reviewer reads (JSON, Markdown, the step summary); stdout holds the plan alone.
        run.reportFindings(environment: environment)
        Self.reportWorkspaceConfigs(run)
        do {
            try emit(run, environment: environment)
        } catch {
            FileHandle.standardError.write(Data("amlauth plan: \(error)\n".utf8))
            throw ExitCode.failure
        }
        if run.policyFailed {
            FileHandle.standardError.write(Data("amlauth plan: a policy check failed (see above)\n".utf8))
            throw ExitCode.failure
        }
        guard run.plan.blockers.isEmpty else {
            FileHandle.standardError.write(
                Data("amlauth plan: the plan cannot be applied as written (see above)\n".utf8))
            throw ExitCode.failure
        }
        guard run.plan.unplanned.isEmpty else {
            FileHandle.standardError.write(
                Data(
                    "amlauth plan: \(run.plan.unplanned.count) resource(s) not planned: part of the cloud could not be read (see the notes)\n"
                        .utf8))
            throw ExitCode.failure
        }
        if detailedExitcode && run.plan.hasChanges { throw ExitCode(2) }
    }

    private func emit(_ run: PlanningRun, environment: [String: String]) throws {
        let (plan, live, loaded) = (run.plan, run.live, run.loaded)
        let renderer = PlanRenderer(colored: !json && !markdown && color.wantsColor(environment: environment))
        let text =
            json
            ? PlanRenderer.json(plan, diagnostics: run.findings)
            : markdown ? renderer.markdown(plan, diagnostics: run.findings) : renderer.text(plan)
        FileHandle.standardOutput.write(Data(text.utf8))
        // A plan a policy check stopped is shown, never saved for apply.
        if let output, !run.policyFailed {
            let workingDirectory = FileManager.default.currentDirectoryPath
            var document = PlanDocument(
                plan: plan, manifests: ManifestFiles.display(loaded.directory, relativeTo: workingDirectory),
                manifestDigest: Fingerprints.manifests(loaded.files), fingerprints: Fingerprints.of(live),
                createdAt: Date().ISO8601Format(),
                prune: reconcile.prune || loaded.target.prune, adopt: reconcile.adopt,
                allowMassDelete: reconcile.allowMassDelete)
            document.diagnostics = run.findings
            document.only = reconcile.onlyAddresses
            document.manifestFiles = Fingerprints.manifestFiles(
                loaded.files, workingDirectory: workingDirectory, directory: loaded.directory)
            try OutputFile.write(
                Array(document.json().serialized().utf8), to: ManifestFiles.absolute(output, in: workingDirectory),
                mode: 0o644)
        }
        if let summary = environment["GITHUB_STEP_SUMMARY"], let handle = FileHandle(forWritingAtPath: summary) {
            handle.seekToEndOfFile()
            handle.write(Data(PlanRenderer().markdown(plan, diagnostics: run.findings).utf8))
            try? handle.close()
        }
    }
}
