import AMLAuthCore
import ArgumentParser
import Engine
import Foundation
import Rendering
import Synchronization

/// `amlauth apply [DIR]`: plans, shows the plan, asks (or takes --auto-approve), and applies.
struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Plan, confirm and apply: create, update, replace, rotate and (with prune) delete.",
        discussion: """
            Changes run in dependency order (service principals, then role assignments and web services; deletions \
            last), independent ones in parallel. A failed change skips its dependents and apply exits 1. New passwords \
            go only to their deliver_to sink. Without a terminal, apply needs --auto-approve.
            """)

    @Argument(
        help:
            "Directory with the manifests, or a plan file written by 'plan -o' (applied exactly, if nothing changed since)."
    )
    var directory: String = "."

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var reconcile: ReconcileOptions

    @Flag(help: "Apply without asking.")
    var autoApprove = false

    @Option(help: "Changes in flight at once.")
    var parallelism: Int = 8

    @Flag(
        help:
            "Print a JSON report (format_version 2) instead of the plan and progress lines. Needs --auto-approve or a plan file."
    )
    var json = false

    func validate() throws {
        guard parallelism >= 1 else { throw ValidationError("--parallelism must be at least 1") }
        if json && !autoApprove && !directory.hasSuffix(".json") {
            throw ValidationError("--json cannot ask for approval: add --auto-approve")
        }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let saved = directory.hasSuffix(".json") ? try PlanFile.read(directory, command: "apply") : nil
        let options = Composition.Options(
            targetDirectory: saved?.manifests ?? directory, environment: environment,
            workingDirectory: FileManager.default.currentDirectoryPath,
            caBundle: connection.caBundle, verbose: connection.verbose)
        let run: PlanningRun
        do {
            run = try await PlanningRun.prepare(
                options, prune: saved?.prune ?? reconcile.prune, adopt: saved?.adopt ?? reconcile.adopt)
        } catch let failure {
            failure.report(command: "apply")
            throw ExitCode.failure
        }
        // A saved plan is applied only as it was made (same manifests, same live objects, the same
        // decisions amlauth makes now), and then exactly: its own steps.
        let plan = saved?.plan ?? run.plan
        if let saved {
            // The target selects what is changed (ownership markers, names): an edited one is refused.
            guard saved.plan.target == run.plan.target else {
                await run.session.close()
                FileHandle.standardError.write(
                    Data(
                        "amlauth apply: the plan is for target '\(saved.plan.target)', but the manifests declare target '\(run.plan.target)'; nothing was changed\n"
                            .utf8))
                throw ExitCode.failure
            }
            let stale = Fingerprints.staleness(
                of: saved, manifests: run.loaded.files, live: run.live, fresh: run.plan,
                directory: run.loaded.directory, workingDirectory: options.workingDirectory)
            guard stale.isEmpty else {
                await run.session.close()
                FileHandle.standardError.write(
                    Data(
                        "amlauth apply: plan is stale; changed since it was made:\n\(stale.map { "  - \($0)" }.joined(separator: "\n"))\nRun 'amlauth plan' again.\n"
                            .utf8))
                throw ExitCode.failure
            }
        }
        FileHandle.standardError.write(Data(run.policyOutput.utf8))
        if run.policyFailed {
            await run.session.close()
            FileHandle.standardError.write(Data("amlauth apply: a policy check failed; nothing was changed\n".utf8))
            throw ExitCode.failure
        }
        let colored = Terminal.wantsColor(environment: environment)
        if !json {
            FileHandle.standardOutput.write(
                Data((run.loaded.diagnosticsOutput + PlanRenderer(colored: colored).text(plan)).utf8))
        }
        guard plan.blockers.isEmpty else {
            await run.session.close()
            if json { FileHandle.standardError.write(Data(PlanRenderer().text(plan).utf8)) }
            FileHandle.standardError.write(
                Data("amlauth apply: the plan cannot be applied as written (see above); nothing was changed\n".utf8))
            throw ExitCode.failure
        }
        guard plan.hasChanges else {
            await run.session.close()
            if json {
                FileHandle.standardOutput.write(
                    Data(ApplyRenderer.report(target: plan.target, ApplyResult(outcomes: [])).utf8))
            }
            return
        }
        if !autoApprove && saved == nil {
            guard isatty(STDIN_FILENO) == 1 else {
                await run.session.close()
                FileHandle.standardError.write(
                    Data("amlauth apply: not a terminal: rerun with --auto-approve to apply without asking\n".utf8))
                throw ExitCode.failure
            }
            FileHandle.standardOutput.write(
                Data("\nDo you want to perform these actions? Only 'yes' will be accepted: ".utf8))
            guard readLine()?.trimmingCharacters(in: .whitespaces) == "yes" else {
                await run.session.close()
                FileHandle.standardOutput.write(Data("Apply cancelled.\n".utf8))
                throw ExitCode.failure
            }
        }
        if !json { FileHandle.standardOutput.write(Data("\n".utf8)) }
        let observer: any ApplyObserver =
            json ? SilentObserver() : ProgressPrinter(total: plan.effective.count, live: isatty(STDOUT_FILENO) == 1)
        let result = await run.executor(parallelism: parallelism).apply(plan, observer: observer)
        await run.session.close()
        let output =
            json ? ApplyRenderer.report(target: plan.target, result) : "\n\(ApplyRenderer.summaryLine(result))\n"
        FileHandle.standardOutput.write(Data(output.utf8))
        // The job's summary page shows what was done, as plan shows what would be.
        if let summary = environment["GITHUB_STEP_SUMMARY"], let handle = FileHandle(forWritingAtPath: summary) {
            handle.seekToEndOfFile()
            handle.write(Data(ApplyRenderer.markdown(target: plan.target, result).utf8))
            try? handle.close()
        }
        if result.failed { throw ExitCode.failure }
    }
}

/// Reports nothing (the JSON report says it all at the end).
struct SilentObserver: ApplyObserver {
    func started(_ change: Change) {}
    func finished(_ change: Change, _ outcome: ChangeOutcome, seconds: Double) {}
}

/// One line per change as it starts and ends, with its duration; on a terminal, also a live
/// `[done/total]` line kept at the bottom.
final class ProgressPrinter: ApplyObserver {
    let total: Int
    let live: Bool
    private let state = Mutex<(done: Int, running: Int)>((0, 0))

    init(total: Int, live: Bool) {
        self.total = total
        self.live = live
    }

    func started(_ change: Change) {
        let counts = state.withLock { state in
            state.running += 1
            return state
        }
        emit(ApplyRenderer.startLine(change), counts)
    }

    func finished(_ change: Change, _ outcome: ChangeOutcome, seconds: Double) {
        let counts = state.withLock { state in
            state.done += 1
            if case .skipped = outcome {} else { state.running -= 1 }
            return state
        }
        emit(ApplyRenderer.line(change, outcome, seconds: seconds), counts)
    }

    /// The live line: how far the apply is.
    func status(_ counts: (done: Int, running: Int)) -> String {
        "[\(counts.done)/\(total)] \(counts.running) in progress"
    }

    private func emit(_ line: String, _ counts: (done: Int, running: Int)) {
        // On a terminal: clear the status line, print the event, redraw the status below it.
        let text = live ? "\r\u{1B}[2K\(line)\n\(status(counts))" + (counts.done == total ? "\n" : "") : line + "\n"
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}
