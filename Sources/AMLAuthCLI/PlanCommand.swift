import AMLAuthCore
import ArgumentParser
import AuthCrypto
import FileStorage
import Foundation
import LocalCloud
import Rendering

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
            targetDirectory: directory, environment: environment, workingDirectory: FileManager.default.currentDirectoryPath,
            caBundle: connection.caBundle, verbose: connection.verbose)
        let run: PlanningRun
        do {
            run = try await PlanningRun.prepare(options, prune: reconcile.prune, adopt: reconcile.adopt)
        } catch {
            error.report(command: "plan")
            throw ExitCode.failure
        }
        await run.session.close()
        do {
            try emit(run.plan, live: run.live, loaded: run.loaded, environment: environment)
        } catch {
            FileHandle.standardError.write(Data("amlauth plan: \(error)\n".utf8))
            throw ExitCode.failure
        }
        if detailedExitcode && run.plan.hasChanges { throw ExitCode(2) }
    }

    private func emit(_ plan: Plan, live: LiveState, loaded: Composition.LoadedManifests, environment: [String: String]) throws {
        let renderer = PlanRenderer(colored: !json && !markdown && Terminal.wantsColor(environment: environment))
        let text = json ? PlanRenderer.json(plan) : markdown ? renderer.markdown(plan) : loaded.diagnosticsOutput + renderer.text(plan)
        FileHandle.standardOutput.write(Data(text.utf8))
        if let output {
            let document = PlanRenderer.json(plan, extra: [
                ("manifest_digest", .string(Self.digest(loaded.files))),
                ("live_fingerprint", .string(Self.fingerprint(live))),
                ("created_at", .string(Date().ISO8601Format())),
            ])
            try AtomicFile.write(Array(document.utf8), to: ManifestFiles.absolute(output, in: FileManager.default.currentDirectoryPath), mode: 0o644)
        }
        if let summary = environment["GITHUB_STEP_SUMMARY"], let handle = FileHandle(forWritingAtPath: summary) {
            handle.seekToEndOfFile()
            handle.write(Data(PlanRenderer().markdown(plan).utf8))
            try? handle.close()
        }
    }

    /// SHA-256 over every manifest's path and bytes, in path order.
    static func digest(_ files: [SourceFile]) -> String {
        var bytes: [UInt8] = []
        for file in files.sorted(by: { $0.path < $1.path }) { bytes += Array(file.path.utf8) + [0] + file.bytes + [0] }
        return "sha256:" + Digest.sha256(bytes).map { String(format: "%02x", $0) }.joined()
    }

    /// SHA-256 of the live state as read (stable key order), for the staleness check of apply.
    static func fingerprint(_ live: LiveState) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(live)) ?? Data()
        return "sha256:" + Digest.sha256([UInt8](data)).map { String(format: "%02x", $0) }.joined()
    }
}
